#include "registry/sha256.h"

#include <gtest/gtest.h>

#include <system_error>

#include "registry/test_crates.h"

namespace registry {
namespace {

// FIPS 180-2's examples.
TEST(Sha256, OfBytes) {
  EXPECT_EQ(sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, OfAFileLargerThanOneRead) {
  testing::TempDir dir;
  std::string contents(200'000, 'a');
  testing::write_file(dir / "big", contents);
  EXPECT_EQ(sha256_file(dir / "big"), sha256(contents));
}

TEST(Sha256, MissingFileNamesIt) {
  try {
    sha256_file("/nonexistent/cah.crate");
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cah.crate"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace registry
