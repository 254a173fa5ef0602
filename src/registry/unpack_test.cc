#include "registry/unpack.h"

#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "registry/test_archive.h"
#include "registry/test_crates.h"

namespace registry {
namespace {

namespace fs = std::filesystem;
using testing::TarGzWriter;

class Unpack : public ::testing::Test {
 protected:
  /// Where hostile archives aim outside the scratch folder.
  const std::string evil_ = "/tmp/cah-evil-" + std::to_string(getpid());

  void TearDown() override { fs::remove_all(evil_); }

  void make_crate(const std::function<void(TarGzWriter&)>& add_entries) {
    TarGzWriter writer(crate_);
    add_entries(writer);
    writer.close();
  }

  /// Unpacks, expecting a refusal that names the crate file and `entry`,
  /// and checks nothing was left behind, inside the target or out.
  void expect_refused(const std::string& entry, const UnpackLimits& limits = {}) {
    try {
      unpack_crate(crate_, target_, limits);
      ADD_FAILURE() << "no exception";
    } catch (const UnpackError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(crate_.string()), std::string::npos) << message;
      EXPECT_NE(message.find("'" + entry + "'"), std::string::npos) << message;
      EXPECT_FALSE(e.local_failure()) << message;
    }
    expect_nothing_written();
  }

  std::string refusal(const UnpackLimits& limits = {}) {
    try {
      unpack_crate(crate_, target_, limits);
    } catch (const UnpackError& e) {
      return e.what();
    }
    return "no exception";
  }

  void expect_nothing_written() {
    EXPECT_FALSE(fs::exists(fs::symlink_status(target_)));
    EXPECT_FALSE(fs::exists(fs::symlink_status(evil_)));
    size_t entries = 0;
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      EXPECT_EQ(entry.path(), crate_) << "left behind";
      ++entries;
    }
    EXPECT_EQ(entries, 1u);
  }

  testing::TempDir dir_;
  fs::path crate_ = dir_ / "foo-1.0.0.crate";
  fs::path target_ = dir_ / "target";
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(Unpack, RefusesPathTraversal) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_file("foo-1.0.0/../../evil", "x");
  });
  expect_refused("foo-1.0.0/../../evil");
}

TEST_F(Unpack, RefusesAbsolutePaths) {
  make_crate([&](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_file(evil_, "x");
  });
  expect_refused(evil_);
}

TEST_F(Unpack, RefusesSymlinksToAbsolutePaths) {
  make_crate([&](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_symlink("foo-1.0.0/link", "/tmp");
    w.add_file("foo-1.0.0/link/" + fs::path(evil_).filename().string(), "x");
  });
  expect_refused("foo-1.0.0/link");
}

TEST_F(Unpack, RefusesSymlinksClimbingOutOfTheCrate) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_symlink("foo-1.0.0/link", "..");
    w.add_file("foo-1.0.0/link/escaped", "x");
  });
  expect_refused("foo-1.0.0/link");
}

TEST_F(Unpack, RefusesSymlinksClimbingThroughAnotherSymlink) {
  // Inside by the names alone; outside once "up" is a symlink two levels down.
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_directory("foo-1.0.0/a/b");
    w.add_symlink("foo-1.0.0/up", "a/b");
    w.add_symlink("foo-1.0.0/escape", "up/../../..");
  });
  expect_refused("foo-1.0.0/escape");
}

TEST_F(Unpack, NeverWritesThroughASymlinkOfTheSameArchive) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_symlink("foo-1.0.0/here", ".");
    w.add_file("foo-1.0.0/here/Cargo.toml", "overwritten through a symlink");
  });
  expect_refused("foo-1.0.0/here/Cargo.toml");
}

TEST_F(Unpack, RefusesAFileReplacingASymlink) {
  make_crate([](TarGzWriter& w) {
    w.add_symlink("foo-1.0.0/Cargo.toml", "real.toml");
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
  });
  expect_refused("foo-1.0.0/Cargo.toml");
}

TEST_F(Unpack, RefusesHardLinksToFilesOutside) {
  for (const std::string existing : {"/etc/passwd", "../x", "foo-1.0.0/../../x"}) {
    make_crate([&](TarGzWriter& w) {
      w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
      w.add_hard_link("foo-1.0.0/passwd", existing);
    });
    std::string message = refusal();
    EXPECT_TRUE(contains(message, "'foo-1.0.0/passwd'")) << message;
    EXPECT_TRUE(contains(message, existing)) << message;
    expect_nothing_written();
  }
}

TEST_F(Unpack, RefusesHardLinksToAnythingButAnEarlierFile) {
  for (const std::string existing : {"foo-1.0.0/later", "foo-1.0.0/symlink", "foo-1.0.0/src"}) {
    make_crate([&](TarGzWriter& w) {
      w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
      w.add_symlink("foo-1.0.0/symlink", "Cargo.toml");
      w.add_directory("foo-1.0.0/src");
      w.add_hard_link("foo-1.0.0/link", existing);
      w.add_file("foo-1.0.0/later", "x");
    });
    expect_refused("foo-1.0.0/link");
  }
}

TEST_F(Unpack, RefusesDevicesAndFifos) {
  for (mode_t type : {AE_IFCHR, AE_IFBLK, AE_IFIFO}) {
    make_crate([&](TarGzWriter& w) {
      w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
      w.add_special("foo-1.0.0/null", type);
    });
    expect_refused("foo-1.0.0/null");
  }
  EXPECT_TRUE(contains(refusal(), "fifo")) << refusal();
}

TEST_F(Unpack, RefusesEntriesOutsideTheTopFolder) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_file("bar-2.0.0/Cargo.toml", "[package]\n");
  });
  expect_refused("bar-2.0.0/Cargo.toml");
}

TEST_F(Unpack, RefusesAFileInsteadOfATopFolder) {
  make_crate([](TarGzWriter& w) { w.add_file("Cargo.toml", "[package]\n"); });
  expect_refused("Cargo.toml");
}

TEST_F(Unpack, RefusesAnArchiveWithoutCargoToml) {
  make_crate([](TarGzWriter& w) { w.add_file("foo-1.0.0/src/lib.rs", ""); });
  EXPECT_TRUE(contains(refusal(), "no foo-1.0.0/Cargo.toml")) << refusal();
  expect_nothing_written();
}

TEST_F(Unpack, RefusesMoreBytesThanTheLimit) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_file("foo-1.0.0/big", std::string(5000, 'x'));
  });
  expect_refused("foo-1.0.0/big", {.max_bytes = 1000});
}

TEST_F(Unpack, CountsBytesWrittenAcrossFilesNotEachHeader) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    for (int i = 0; i < 20; ++i)
      w.add_file("foo-1.0.0/f" + std::to_string(i), std::string(100, 'x'));
  });
  expect_refused("foo-1.0.0/f9", {.max_bytes = 1000});
}

TEST_F(Unpack, CountsTheHolesOfSparseFiles) {
  // 10 bytes stored, 5000 bytes once unpacked.
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_sparse_file("foo-1.0.0/sparse", "0123456789", 5000);
  });
  expect_refused("foo-1.0.0/sparse", {.max_bytes = 1000});

  unpack_crate(crate_, target_);
  EXPECT_EQ(fs::file_size(target_ / "sparse"), 5000u);
  EXPECT_EQ(testing::read_file(target_ / "sparse").substr(0, 10), "0123456789");
}

TEST_F(Unpack, RefusesMoreEntriesThanTheLimit) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    for (int i = 0; i < 10; ++i) w.add_file("foo-1.0.0/f" + std::to_string(i), "");
  });
  expect_refused("foo-1.0.0/f5", {.max_entries = 6});
}

TEST_F(Unpack, RefusesATruncatedArchive) {
  auto krate = testing::smallest_real_crates(1).front();
  testing::write_crate(krate.dir, krate.dir.filename(), crate_);
  fs::resize_file(crate_, fs::file_size(crate_) / 2);
  std::string message = refusal();
  EXPECT_TRUE(contains(message, crate_.string())) << message;
  EXPECT_TRUE(contains(message, "broken archive")) << message;
  expect_nothing_written();
}

TEST_F(Unpack, RefusesGarbage) {
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 251);
  testing::write_file(crate_, garbage);
  std::string message = refusal();
  EXPECT_TRUE(contains(message, crate_.string())) << message;
  EXPECT_TRUE(contains(message, "broken archive")) << message;
  expect_nothing_written();
}

TEST_F(Unpack, MissingCrateFileIsNamed) {
  std::string message = refusal();
  EXPECT_TRUE(contains(message, crate_.string())) << message;
  EXPECT_FALSE(fs::exists(target_));
}

TEST_F(Unpack, AnEmptyTargetFolderIsLeftEmptyOnFailure) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_file("foo-1.0.0/src/lib.rs", "");
    w.add_special("foo-1.0.0/null", AE_IFCHR);
  });
  fs::create_directory(target_);
  EXPECT_THROW(unpack_crate(crate_, target_), UnpackError);
  EXPECT_TRUE(fs::is_directory(target_));
  EXPECT_TRUE(fs::is_empty(target_));
}

TEST_F(Unpack, RefusesATargetThatIsNotEmpty) {
  make_crate([](TarGzWriter& w) { w.add_file("foo-1.0.0/Cargo.toml", "[package]\n"); });
  fs::create_directory(target_);
  testing::write_file(target_ / "mine", "keep");
  EXPECT_THROW(unpack_crate(crate_, target_), UnpackError);
  EXPECT_EQ(testing::read_file(target_ / "mine"), "keep");
}

TEST_F(Unpack, ATargetWeCannotWriteIsALocalFailure) {
  make_crate([](TarGzWriter& w) { w.add_file("foo-1.0.0/Cargo.toml", "[package]\n"); });
  try {
    unpack_crate(crate_, "/proc/self/cah-target");
    FAIL() << "no exception";
  } catch (const UnpackError& e) {
    EXPECT_TRUE(e.local_failure()) << e.what();
  }
}

TEST_F(Unpack, RealCratesUnpackToTheirSource) {
  auto crates = testing::smallest_real_crates(2);
  crates.push_back(testing::median_real_crate());
  for (const auto& krate : crates) {
    fs::path crate_file = dir_ / (krate.dir.filename().string() + ".crate");
    fs::path target = dir_ / krate.dir.filename();
    testing::write_crate(krate.dir, krate.dir.filename(), crate_file);
    unpack_crate(crate_file, target);
    EXPECT_EQ(testing::snapshot(target), testing::snapshot(krate.dir)) << krate.dir;
    EXPECT_TRUE(fs::exists(target / "Cargo.toml"));
  }
}

TEST_F(Unpack, KeepsTheExecutableBitOnly) {
  make_crate([](TarGzWriter& w) {
    w.add_directory("foo-1.0.0/private", 0700);
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n", 0600);
    w.add_file("foo-1.0.0/setuid", "#!/bin/sh\n", 04755);
    w.add_file("foo-1.0.0/group-exec", "#!/bin/sh\n", 02710);
  });
  unpack_crate(crate_, target_);
  auto mode = [&](const char* name) {
    struct stat st {};
    lstat((target_ / name).c_str(), &st);
    return st.st_mode & 07777;
  };
  EXPECT_EQ(mode("Cargo.toml"), 0644u);
  EXPECT_EQ(mode("setuid"), 0755u);
  EXPECT_EQ(mode("group-exec"), 0755u);
  EXPECT_EQ(mode("private"), 0755u);
}

TEST_F(Unpack, KeepsSymlinksAndHardLinksInsideTheCrate) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_file("foo-1.0.0/LICENSE", "MIT");
    w.add_symlink("foo-1.0.0/sub/LICENSE", "../LICENSE");
    w.add_hard_link("foo-1.0.0/COPYING", "foo-1.0.0/LICENSE");
  });
  unpack_crate(crate_, target_);
  EXPECT_EQ(fs::read_symlink(target_ / "sub/LICENSE"), "../LICENSE");
  EXPECT_EQ(testing::read_file(target_ / "sub/LICENSE"), "MIT");
  EXPECT_TRUE(fs::equivalent(target_ / "COPYING", target_ / "LICENSE"));
}

TEST_F(Unpack, TheLastOfTwoEntriesForOneFileWins) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "first");
    w.add_file("foo-1.0.0/Cargo.toml", "second");
  });
  unpack_crate(crate_, target_);
  EXPECT_EQ(testing::read_file(target_ / "Cargo.toml"), "second");
}

TEST_F(Unpack, KeepsNonAsciiNames) {
  make_crate([](TarGzWriter& w) {
    w.add_file("foo-1.0.0/Cargo.toml", "[package]\n");
    w.add_file("foo-1.0.0/tests/d\xC3\xA9j\xC3\xA0_vu.rs", "");
  });
  unpack_crate(crate_, target_);
  EXPECT_TRUE(fs::exists(target_ / "tests/d\xC3\xA9j\xC3\xA0_vu.rs"));
}

/// An inline job's files: a plain tar with source/ and deps/, read in
/// chunks of any size.
class UnpackStream : public ::testing::Test {
 protected:
  void make_tar(const std::function<void(TarGzWriter&)>& add_entries) {
    TarGzWriter writer(tar_, /*gzip=*/false);
    add_entries(writer);
    writer.close();
    bytes_ = testing::read_file(tar_);
  }
  /// Reads the tar `chunk` bytes at a time, the last `cut` bytes missing.
  void unpack(size_t chunk, size_t cut = 0) {
    std::string_view rest = std::string_view(bytes_).substr(0, bytes_.size() - cut);
    unpack_tar_stream(
        [&] {
          const std::string_view next = rest.substr(0, std::min(chunk, rest.size()));
          rest.remove_prefix(next.size());
          return next;
        },
        {{"source", source_}, {"deps", deps_}});
  }
  std::string refusal(size_t chunk = 4096) {
    try {
      unpack(chunk);
    } catch (const UnpackError& e) {
      EXPECT_FALSE(fs::exists(source_)) << "left behind";
      EXPECT_FALSE(fs::exists(deps_)) << "left behind";
      EXPECT_FALSE(fs::exists(evil_)) << "written outside";
      return e.what();
    }
    return "no exception";
  }

  const std::string evil_ = "/tmp/cah-evil-stream-" + std::to_string(getpid());
  testing::TempDir dir_;
  fs::path tar_ = dir_ / "bundle.tar";
  fs::path source_ = dir_ / "build";
  fs::path deps_ = dir_ / "cargo" / "deps";
  std::string bytes_;
};

TEST_F(UnpackStream, EachTopFolderGoesToItsTargetHoweverTheStreamIsCut) {
  make_tar([](TarGzWriter& w) {
    w.add_directory("source");
    w.add_file("source/Cargo.toml", "[package]\nname = \"a\"\n");
    w.add_file("source/src/main.rs", std::string(300'000, 'x'));
    w.add_file("deps/b-1.0.0/.cargo-checksum.json", "{\"files\":{},\"package\":\"00\"}");
    w.add_file("deps/b-1.0.0/src/lib.rs", "pub fn b() {}");
    w.add_symlink("deps/c-1.0.0/src", "../b-1.0.0/src");
  });
  for (const size_t chunk : {size_t{1}, size_t{511}, size_t{512}, size_t{100'003}, bytes_.size()}) {
    fs::remove_all(source_);
    fs::remove_all(deps_);
    unpack(chunk);
    EXPECT_EQ(testing::read_file(source_ / "Cargo.toml"), "[package]\nname = \"a\"\n");
    EXPECT_EQ(fs::file_size(source_ / "src/main.rs"), 300'000u) << "chunks of " << chunk;
    EXPECT_EQ(testing::read_file(deps_ / "b-1.0.0/src/lib.rs"), "pub fn b() {}");
    EXPECT_EQ(testing::read_file(deps_ / "c-1.0.0/src/lib.rs"), "pub fn b() {}");
  }
}

TEST_F(UnpackStream, RefusesWhatACrateMayNotHoldEither) {
  make_tar([&](TarGzWriter& w) { w.add_file("source/../../x", "x"); });
  EXPECT_TRUE(contains(refusal(), "'..' component")) << refusal();
  make_tar([&](TarGzWriter& w) { w.add_file(evil_, "x"); });
  EXPECT_TRUE(contains(refusal(), "absolute path")) << refusal();
  make_tar([&](TarGzWriter& w) { w.add_symlink("source/escape", evil_); });
  EXPECT_TRUE(contains(refusal(), "leads outside")) << refusal();
  make_tar([&](TarGzWriter& w) {
    w.add_file("source/Cargo.toml", "");
    w.add_special("deps/tty", AE_IFCHR);
  });
  EXPECT_TRUE(contains(refusal(), "character device")) << refusal();
}

TEST_F(UnpackStream, NoLinkCrossesFromOneTopFolderToTheOther) {
  // deps/ lands in the cargo home, source/ in the build folder: "../source"
  // from deps/ would name a place that is not there.
  make_tar([](TarGzWriter& w) { w.add_symlink("deps/x", "../source/Cargo.toml"); });
  EXPECT_TRUE(contains(refusal(), "leads outside")) << refusal();
  make_tar([](TarGzWriter& w) {
    w.add_file("source/Cargo.toml", "x");
    w.add_hard_link("deps/Cargo.toml", "source/Cargo.toml");
  });
  EXPECT_TRUE(contains(refusal(), "hard link")) << refusal();
}

TEST_F(UnpackStream, RefusesOtherTopFoldersAndFilesAtTheTop) {
  make_tar([](TarGzWriter& w) { w.add_file("target/x", "x"); });
  EXPECT_TRUE(contains(refusal(), "'target/x': outside the archive's top folders")) << refusal();
  make_tar([](TarGzWriter& w) { w.add_file("source", "x"); });
  EXPECT_TRUE(contains(refusal(), "not inside a top folder")) << refusal();
}

TEST_F(UnpackStream, ATruncatedStreamOrGarbageIsABrokenArchive) {
  make_tar([](TarGzWriter& w) { w.add_file("source/Cargo.toml", std::string(5000, 'x')); });
  try {
    unpack(1000, 3000);
    ADD_FAILURE() << "no exception";
  } catch (const UnpackError& e) {
    EXPECT_TRUE(contains(e.what(), "broken archive")) << e.what();
  }
  EXPECT_FALSE(fs::exists(source_));
  bytes_ = std::string(2048, 'g');
  EXPECT_TRUE(contains(refusal(), "broken archive")) << refusal();
}

TEST_F(UnpackStream, WhatTheReaderThrowsComesOutAsItWas) {
  make_tar([](TarGzWriter& w) { w.add_file("source/Cargo.toml", std::string(5000, 'x')); });
  struct Gone {};
  int calls = 0;
  EXPECT_THROW(unpack_tar_stream(
                   [&]() -> std::string_view {
                     if (++calls == 1) return std::string_view(bytes_).substr(0, 1024);
                     throw Gone{};
                   },
                   {{"source", source_}}),
               Gone);
  EXPECT_FALSE(fs::exists(source_));
}

}  // namespace
}  // namespace registry
