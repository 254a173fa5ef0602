#include "diagnosis/diagnosis.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>

namespace diagnosis {
namespace {

using namespace std::string_literals;

// Facts of a crate whose commands failed, for the log to explain.
Facts failed() { return {.crate = "mycrate", .version = "0.1.0"}; }

// The diagnosis of `raw` fed whole, checked to be the same fed byte by byte.
Diagnosis diagnosed(std::string_view raw, const Facts& facts = failed()) {
  Diagnosis whole = diagnose(raw, facts);
  Diagnoser bytewise;
  for (size_t i = 0; i < raw.size(); ++i) bytewise.feed(raw.substr(i, 1));
  EXPECT_EQ(bytewise.finish(facts), whole) << "fed byte by byte";
  return whole;
}

std::vector<std::string> kinds(const Diagnosis& diagnosis) {
  std::vector<std::string> out;
  for (const Cause& cause : diagnosis.causes) out.push_back(cause.kind);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// --- How a pty shows cargo, libtest and Miri (colours as rustc prints them).

const std::string kCargoMiriHeader =
    "\x1b[1m\x1b[92m   Compiling\x1b[0m mycrate v0.1.0 (/build)\r\n"
    "\x1b[1m\x1b[92m    Finished\x1b[0m `test` profile [unoptimized + debuginfo] target(s) in "
    "0.52s\r\n"
    "\x1b[1m\x1b[92m     Running\x1b[0m unittests src/lib.rs "
    "(target/miri/x86_64-unknown-linux-gnu/debug/deps/mycrate-5b6e4c5d8e2f1a3b)\r\n"
    "\r\n"
    "running 3 tests\r\n"
    "test tests::fine ... \x1b[32mok\x1b[0m\r\n";

const std::string kCargoTestFailed =
    "\x1b[1m\x1b[91merror\x1b[0m: test failed, to rerun pass `--lib`\r\n"
    "\r\n"
    "Caused by:\r\n"
    "  process didn't exit successfully: "
    "`/root/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/bin/cargo-miri runner "
    "/build/target/miri/x86_64-unknown-linux-gnu/debug/deps/mycrate-5b6e4c5d8e2f1a3b` (exit "
    "status: 1)\r\n"
    "\x1b[1m\x1b[92mnote\x1b[0m: test exited abnormally; to see the full output pass "
    "--no-capture to the harness.\r\n";

std::string miri_error(std::string_view message) {
  return "test tests::bad ... \x1b[0m\x1b[1m\x1b[38;5;9merror\x1b[0m\x1b[0m\x1b[1m: Undefined "
         "Behavior: "s +
         std::string(message) + "\x1b[0m\r\n";
}

std::string miri_span(std::string_view location) {
  return "\x1b[0m  \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m--> \x1b[0m\x1b[0m"s + std::string(location) +
         "\r\n";
}

enum class Help { kUndefinedBehavior, kStackedBorrows, kTreeBorrows };

std::string miri_help(Help help) {
  const std::string prefix =
      "\x1b[0m   \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m= \x1b[0m\x1b[0m\x1b[1mhelp"
      "\x1b[0m\x1b[0m: ";
  switch (help) {
    case Help::kUndefinedBehavior:
      return prefix +
             "this indicates a bug in the program: it performed an invalid operation, and caused "
             "Undefined Behavior\r\n" +
             prefix +
             "see https://doc.rust-lang.org/nightly/reference/behavior-considered-undefined.html "
             "for further information\r\n";
    case Help::kStackedBorrows:
      return prefix +
             "this indicates a potential bug in the program: it performed an invalid operation, "
             "but the Stacked Borrows rules it violated are still experimental\r\n" +
             prefix +
             "see https://github.com/rust-lang/unsafe-code-guidelines/blob/master/wip/"
             "stacked-borrows.md for further information\r\n"
             "\x1b[0m\x1b[1m\x1b[38;5;14mhelp\x1b[0m\x1b[0m: <1234> was created by a Unique retag "
             "at offsets [0x0..0x4]\r\n" +
             miri_span("/registry/decoy-1.0.0/src/lib.rs:3:13");
    case Help::kTreeBorrows:
      return prefix +
             "this indicates a potential bug in the program: it performed an invalid operation, "
             "but the Tree Borrows rules it violated are still experimental\r\n" +
             prefix + "the accessed tag <1234> is a child of the conflicting tag <1233>\r\n";
  }
  return "";
}

// A whole report, as `cargo miri test` shows it, for `message` at `location`.
std::string miri_log(std::string_view message, Help help = Help::kUndefinedBehavior,
                     std::string_view location = "src/lib.rs:10:5") {
  return kCargoMiriHeader + miri_error(message) + miri_span(location) +
         "\x1b[0m   \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m|\x1b[0m\r\n"
         "\x1b[0m\x1b[1m\x1b[38;5;12m10\x1b[0m \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m|\x1b[0m \x1b[0m  "
         "  "
         "unsafe { *p }\x1b[0m\r\n"
         "\x1b[0m   \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m|\x1b[0m \x1b[0m    "
         "\x1b[0m\x1b[1m\x1b[38;5;9m^^^^^^^^^^^^^\x1b[0m \x1b[0m\x1b[1m\x1b[38;5;9mUndefined "
         "Behavior occurred here\x1b[0m\r\n"
         "\x1b[0m   \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m|\x1b[0m\r\n" +
         miri_help(help) +
         "\x1b[0m   \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m= \x1b[0m\x1b[0m\x1b[1mnote\x1b[0m\x1b[0m: "
         "BACKTRACE (of the first span) on thread `tests::bad`:\r\n"
         "\x1b[0m   \x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m= \x1b[0m\x1b[0m\x1b[1mnote\x1b[0m\x1b[0m: "
         "inside `tests::bad` at " +
         std::string(location) +
         ": 10:18\r\n"
         "\r\n"
         "note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a "
         "verbose backtrace\r\n"
         "\r\n"
         "\x1b[0m\x1b[1m\x1b[38;5;9merror\x1b[0m\x1b[0m\x1b[1m: aborting due to 1 previous "
         "error\x1b[0m\r\n"
         "\r\n" +
         kCargoTestFailed;
}

// --- Miri

struct MiriCase {
  const char* message;
  Help help;
  const char* kind;
};

class MiriKindTest : public testing::TestWithParam<MiriCase> {};

TEST_P(MiriKindTest, NamesTheKind) {
  const MiriCase& c = GetParam();
  const Diagnosis d = diagnosed(miri_log(c.message, c.help));
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, c.kind);
  EXPECT_EQ(d.causes[0].tool, "miri");
  EXPECT_EQ(d.causes[0].source_crate, "mycrate");
  EXPECT_FALSE(d.causes[0].possible_false_positive);
  // The line from Miri's marker on, cut to at most 200 bytes.
  const std::string line = "error: Undefined Behavior: "s + c.message;
  EXPECT_LE(d.causes[0].excerpt.size(), 200u);
  EXPECT_TRUE(line.starts_with(d.causes[0].excerpt)) << d.causes[0].excerpt;
  EXPECT_GE(d.causes[0].excerpt.size(), std::min<size_t>(line.size(), 190));
  EXPECT_TRUE(d.spurious.empty());
}

constexpr Help kUb = Help::kUndefinedBehavior;
constexpr Help kSb = Help::kStackedBorrows;
constexpr Help kTb = Help::kTreeBorrows;

INSTANTIATE_TEST_SUITE_P(
    Kinds, MiriKindTest,
    testing::Values(
        MiriCase{"Data race detected between (1) non-atomic write on thread `<unnamed>` and (2) "
                 "non-atomic read on thread `main` at alloc1234. (2) just happened here",
                 kUb, "data race"},
        MiriCase{"Data race detected between (1) non-atomic write on thread `unnamed-1` and (2) "
                 "retag read of type `i32` on thread `main` at alloc7",
                 kSb, "data race"},
        MiriCase{"using uninitialized data, but this operation requires initialized memory", kUb,
                 "uninitialized memory"},
        MiriCase{"reading memory at alloc138224[0x0..0x4], but memory is uninitialized at "
                 "[0x0..0x4], and this operation requires initialized memory",
                 kUb, "uninitialized memory"},
        MiriCase{"constructing invalid value of type u32: encountered uninitialized memory, but "
                 "expected an integer",
                 kUb, "uninitialized memory"},
        MiriCase{"out-of-bounds pointer arithmetic: alloc1234 has size 4, so pointer to 8 bytes "
                 "starting at offset 0 is out-of-bounds",
                 kUb, "invalid pointer offset"},
        MiriCase{"in-bounds pointer arithmetic failed: attempting to offset pointer by 101 bytes, "
                 "but got alloc249 which is only 3 bytes from the end of the allocation",
                 kUb, "invalid pointer offset"},
        MiriCase{"memory access failed: attempting to access 8 bytes, but got alloc91680+0x1940 "
                 "which is at or beyond the end of the allocation of size 512 bytes",
                 kUb, "out-of-bounds access"},
        MiriCase{"memory access failed: alloc1234 has size 4, so pointer to 4 bytes starting at "
                 "offset 4 is out-of-bounds",
                 kUb, "out-of-bounds access"},
        MiriCase{"memory access failed: alloc232 has been freed, so this pointer is dangling", kUb,
                 "dangling pointer"},
        MiriCase{"pointer to alloc1234 was dereferenced after this allocation got freed", kUb,
                 "dangling pointer"},
        MiriCase{"in-bounds pointer arithmetic failed: alloc44672 has been freed, so this pointer "
                 "is dangling",
                 kUb, "dangling pointer"},
        MiriCase{"constructing invalid value of type &std::string::String: encountered a "
                 "dangling reference (use-after-free)",
                 kUb, "dangling reference"},
        MiriCase{"constructing invalid value of type &mut Header: encountered a dangling "
                 "reference (going beyond the bounds of its allocation)",
                 kUb, "dangling reference"},
        MiriCase{"memory access failed: null pointer is a dangling pointer (it has no provenance)",
                 kUb, "null pointer dereference"},
        MiriCase{"dereferencing pointer failed: null pointer is not a valid pointer", kUb,
                 "null pointer dereference"},
        MiriCase{"constructing invalid value: encountered a null reference", kUb, "null reference"},
        MiriCase{"accessing memory based on pointer with alignment 1, but alignment 4 is required",
                 kUb, "misaligned pointer dereference"},
        MiriCase{"accessing memory with alignment 1, but alignment 8 is required", kUb,
                 "misaligned pointer dereference"},
        MiriCase{"constructing invalid value: encountered an unaligned reference (required 8 byte "
                 "alignment but found 1)",
                 kUb, "unaligned reference"},
        MiriCase{"incorrect layout on deallocation: alloc1234 has size 16 and alignment 8, but "
                 "gave size 8 and alignment 8",
                 kUb, "incorrect layout on deallocation"},
        MiriCase{"trying to retag from <1234> for SharedReadOnly permission at alloc567[0x0], but "
                 "that tag does not exist in the borrow stack for this location",
                 kSb, "Stacked Borrows: retag"},
        MiriCase{"trying to retag from <1234> for Unique permission at alloc567[0x0], but that "
                 "tag only grants SharedReadOnly permission for this location",
                 kSb, "Stacked Borrows: retag"},
        MiriCase{"attempting a read access using <1234> at alloc567[0x0], but that tag does not "
                 "exist in the borrow stack for this location",
                 kSb, "Stacked Borrows: read"},
        MiriCase{"attempting a write access using <1234> at alloc567[0x0], but that tag only "
                 "grants SharedReadOnly permission for this location",
                 kSb, "Stacked Borrows: write"},
        MiriCase{"deallocating while item [Unique for <1234>] is strongly protected by call 5678",
                 kSb, "Stacked Borrows: protector"},
        MiriCase{"not granting access to tag <1234> because that would remove [Unique for <1233>] "
                 "which is strongly protected because it is an argument of call 99",
                 kSb, "Stacked Borrows: protector"},
        MiriCase{"attempting deallocation using <1234> at alloc567, but that tag does not exist "
                 "in the borrow stack for this location",
                 kSb, "Stacked Borrows: deallocation"},
        // Only the help line says which model: a wording no rule knows yet.
        MiriCase{"some future wording about <1234>", kSb, "Stacked Borrows"},
        MiriCase{"reborrow through <1234> at alloc567[0x0] is forbidden", kTb,
                 "Tree Borrows: reborrow"},
        MiriCase{"read access through <1234> at alloc567[0x0] is forbidden", kTb,
                 "Tree Borrows: read"},
        MiriCase{"write access through <1234> at alloc567[0x0] is forbidden", kTb,
                 "Tree Borrows: write"},
        MiriCase{"deallocation through <1234> at alloc567[0x0] is forbidden", kTb,
                 "Tree Borrows: deallocation"},
        MiriCase{"constructing invalid value of type bool: encountered 0x03, but expected a "
                 "boolean",
                 kUb, "invalid value"},
        MiriCase{"constructing invalid value at .value: encountered 0x02, but expected a boolean",
                 kUb, "invalid value"},
        MiriCase{"type validation failed at .value: encountered 0x02, but expected a boolean", kUb,
                 "invalid value"},
        MiriCase{"calling a function with ABI C using caller ABI Rust", kUb, "ABI mismatch"},
        MiriCase{"calling a function with calling convention \"C\" using calling convention "
                 "\"Rust\"",
                 kUb, "ABI mismatch"},
        MiriCase{"calling a function with argument of type &str passing data of type "
                 "facet::PtrConstWide<'_>",
                 kUb, "ABI mismatch"},
        MiriCase{"entering unreachable code", kUb, "entering unreachable code"},
        MiriCase{"deallocating alloc123, which is Rust heap memory, using C heap deallocation "
                 "operation",
                 kUb, "deallocating"}));

TEST(DiagnosisTest, MiriDataRaceWithColourCodesInsideTheMessage) {
  const std::string raw =
      "test tests::race ... "
      "\x1b[1m\x1b[31merror\x1b[0m\x1b[1m: Undefined Behavior: \x1b[0mData race detected between "
      "(1) non-atomic write on thread `<unnamed>` and (2) non-atomic read on thread `main` at "
      "alloc1234. (2) just happened here\r\n"
      "  --> src/lib.rs:10:5\r\n"
      "   |\r\n"
      "10 |     unsafe { *P }\r\n"
      "   |     ^^^^^^^^^^^^^ Data race detected between ...\r\n"
      "   |\r\n"
      "   = help: this indicates a bug in the program: it performed an invalid operation, and "
      "caused Undefined Behavior\r\n"
      "   = help: see https://doc.rust-lang.org/nightly/reference/"
      "behavior-considered-undefined.html for further information\r\n"
      "   = note: BACKTRACE (of the first span) on thread `main`:\r\n"
      "   = note: inside `tests::race` at src/lib.rs:10:5: 10:18\r\n"
      "\r\n" +
      kCargoTestFailed;
  const Diagnosis d = diagnosed(raw);
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0],
            (Cause{.kind = "data race",
                   .tool = "miri",
                   .source_crate = "mycrate",
                   .source_version = "0.1.0",
                   .excerpt = "error: Undefined Behavior: Data race detected between (1) "
                              "non-atomic write on thread `<unnamed>` and (2) non-atomic read on "
                              "thread `main` at alloc1234. (2) just happened here"}));

  // Split in two at every byte: the same diagnosis.
  for (size_t split = 1; split < raw.size(); ++split) {
    Diagnoser diagnoser;
    diagnoser.feed(std::string_view(raw).substr(0, split));
    diagnoser.feed(std::string_view(raw).substr(split));
    ASSERT_EQ(diagnoser.finish(failed()), d) << "split at " << split;
  }
}

TEST(DiagnosisTest, MiriSourceCrateIsTheDependencyTheErrorPointsInto) {
  const Diagnosis d = diagnosed(miri_log(
      "memory access failed: alloc232 has been freed, so this pointer is dangling", kUb,
      "/cargo/registry/src/index.crates.io-6f17d22bba15001f/smallvec-1.10.0/src/lib.rs:100:9"));
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "smallvec");
}

TEST(DiagnosisTest, MiriSkipsStandardLibraryFramesAndHelpSpans) {
  // The error is inside ptr::read; a help span points elsewhere; the first
  // frame outside the standard library is in smallvec.
  const std::string raw =
      kCargoMiriHeader +
      miri_error("using uninitialized data, but this operation requires initialized memory") +
      miri_span(
          "/root/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/"
          "library/core/src/ptr/mod.rs:1297:9") +
      "   |\r\n1297 |         crate::intrinsics::read_via_copy(src)\r\n   |\r\n" + miri_help(kUb) +
      "help: the allocation was created here\r\n" +
      miri_span("/registry/decoy-1.0.0/src/lib.rs:3:13") +
      "   = note: BACKTRACE (of the first span) on thread `tests::bad`:\r\n"
      "   = note: inside `std::ptr::read::<u64>` at "
      "/root/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/"
      "core/src/ptr/mod.rs:1297:9: 1297:45\r\n"
      "   = note: inside `smallvec::SmallVec::<[u64; 4]>::pop` at "
      "/cargo/registry/src/index.crates.io-6f17d22bba15001f/smallvec-1.10.0/src/lib.rs:100:9: "
      "100:30\r\n"
      "note: inside `tests::bad`\r\n" +
      miri_span("src/lib.rs:20:9") + "\r\n" + kCargoTestFailed;
  const Diagnosis d = diagnosed(raw);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "uninitialized memory");
  EXPECT_EQ(d.causes[0].source_crate, "smallvec");
}

TEST(DiagnosisTest, MiriFrameWhoseSpanIsOnTheNextLine) {
  // Miri's own test output shape: std frames, then "note: inside closure"
  // and its span.
  const std::string raw =
      miri_error("deallocating while item [Unique for <1234>] is strongly protected by call 77") +
      miri_span(
          "/rustc/e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a/library/alloc/src/alloc.rs:117:14") +
      "   |\r\n" + miri_help(kSb) +
      "   = note: BACKTRACE:\r\n"
      "   = note: inside `std::alloc::dealloc` at "
      "/rustc/e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a/library/alloc/src/alloc.rs:117:14: "
      "117:64\r\n"
      "note: inside closure\r\n" +
      miri_span("/build/tests/protector.rs:9:9") +
      "   |\r\n9  |         drop(unsafe { Box::from_raw(raw) });\r\n   |         ^^^^\r\n\r\n" +
      kCargoTestFailed;
  const Diagnosis d = diagnosed(raw);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "Stacked Borrows: protector");
  EXPECT_EQ(d.causes[0].source_crate, "mycrate");
}

TEST(DiagnosisTest, MiriWithoutAnyFrameHasNoSourceCrate) {
  const Diagnosis d =
      diagnosed(miri_error("deallocation through wildcard at alloc12[0x0] is forbidden") +
                miri_help(kTb) + "\r\n");
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "Tree Borrows: deallocation");
  EXPECT_EQ(d.causes[0].source_crate, "");
}

TEST(DiagnosisTest, CausesAreDeduplicatedByKindAndSourceCrate) {
  const std::string race =
      "Data race detected between (1) non-atomic write on thread `a` and (2) non-atomic read on "
      "thread `b` at alloc9";
  const Diagnosis d = diagnosed(
      miri_log(race) + miri_log(race, kUb, "src/other.rs:3:3") +
      miri_log(race, kUb, "/registry/crossbeam-epoch-0.9.18/src/atomic.rs:5:5") +
      miri_log("using uninitialized data, but this operation requires initialized memory"));
  EXPECT_EQ(kinds(d), (std::vector<std::string>{"data race", "data race", "uninitialized memory"}));
  EXPECT_EQ(d.causes[0].source_crate, "mycrate");
  EXPECT_EQ(d.causes[1].source_crate, "crossbeam-epoch");
}

TEST(DiagnosisTest, MiriReportEndingTheLogIsStillRead) {
  const Diagnosis d =
      diagnosed(miri_error("Data race detected between (1) x and (2) y") + "  --> src/lib.rs:10:5");
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "data race");
  EXPECT_EQ(d.causes[0].source_crate, "mycrate");
}

TEST(DiagnosisTest, MiriUnsupportedOperationIsNotUndefinedBehavior) {
  const Diagnosis d = diagnosed(
      kCargoMiriHeader +
      "test tests::tls ... \x1b[0m\x1b[1m\x1b[38;5;9merror\x1b[0m\x1b[0m\x1b[1m: unsupported "
      "operation: can't call foreign function `TLS_client_method` on OS `linux`\x1b[0m\r\n" +
      miri_span("src/lib.rs:4:14") +
      "   = help: this means the program tried to do something Miri does not support; it does "
      "not indicate a bug in the program\r\n\r\n" +
      kCargoTestFailed);
  EXPECT_EQ(d.outcome, Outcome::kTestFailed);
  EXPECT_TRUE(d.causes.empty());
  EXPECT_EQ(d.spurious, std::vector<std::string>{"miri unsupported operation"});
}

TEST(DiagnosisTest, MemoryLeaksAreNotUndefinedBehavior) {
  const Diagnosis d = diagnosed(
      kCargoMiriHeader +
      "\x1b[1m\x1b[38;5;9merror\x1b[0m: memory leaked: alloc1234 (Rust heap, size: 4, align: 4), "
      "allocated here:\r\n" +
      miri_span("src/lib.rs:4:14") + "\r\n" + kCargoTestFailed);
  EXPECT_EQ(d.outcome, Outcome::kTestFailed);
  EXPECT_TRUE(d.causes.empty());
}

// --- AddressSanitizer

TEST(DiagnosisTest, AsanFixtureCapturedFromCahHeapOverflow) {
  // `cargo +nightly test` of tests/crates/cah-heap-overflow under ASan, as
  // `script` captured it from a pty (run outside /build, so its frames point
  // to a path that names no crate).
  const std::string raw = read_file(CAH_DIAGNOSIS_TESTDATA "/asan-heap-overflow.raw");
  ASSERT_FALSE(raw.empty());
  const Diagnosis d = diagnosed(raw, {.crate = "cah-heap-overflow", .version = "0.1.0"});
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "heap-buffer-overflow");
  EXPECT_EQ(d.causes[0].tool, "asan");
  EXPECT_EQ(d.causes[0].source_crate, "");
  EXPECT_FALSE(d.causes[0].possible_false_positive);
  EXPECT_TRUE(d.causes[0].excerpt.starts_with(
      "ERROR: AddressSanitizer: heap-buffer-overflow on address 0x"))
      << d.causes[0].excerpt;
  EXPECT_TRUE(d.spurious.empty());
}

std::string asan_log(std::string_view message, std::string_view frame_location,
                     std::string_view warning = "") {
  return "\x1b[1m\x1b[92m     Running\x1b[0m unittests src/lib.rs "
         "(target/x86_64-unknown-linux-gnu/debug/deps/mycrate-a6dd9264bdb3b05c)\r\n"
         "\r\nrunning 1 test\r\n"s +
         std::string(warning) +
         "=================================================================\r\n"
         "\x1b[1m\x1b[31m==1234==ERROR: AddressSanitizer: " +
         std::string(message) +
         "\r\n"
         "\x1b[1m\x1b[0m\x1b[1m\x1b[34mREAD of size 1 at 0x602000000018 thread T1\x1b[1m\x1b[0m\r\n"
         "    #0 0x55d5c1b8e028 in core::ptr::read_volatile::<u8> "
         "/rustc/e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a/library/core/src/ptr/mod.rs:2107:9\r\n"
         "    #1 0x55d5c1b8cccc in mycrate::tests::t " +
         std::string(frame_location) +
         "\r\n"
         "    #2 0x55d5c1b8e0b6 in mycrate::tests::t::{closure#0} /build/src/lib.rs:36:30\r\n"
         "\r\n"
         "\x1b[1m\x1b[32m0x602000000018 is located 0 bytes after 8-byte region "
         "[0x602000000010,0x602000000018)\r\n"
         "\x1b[1m\x1b[0m\x1b[1m\x1b[35mallocated by thread T1 here:\x1b[1m\x1b[0m\r\n"
         "    #0 0x55d5c1b5df84 in malloc "
         "/rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp:67:3\r\n"
         "    #1 0x55d5c1b8e0b6 in mycrate::tests::t::{closure#0} "
         "/registry/decoy-1.0.0/src/lib.rs:36:30\r\n"
         "\r\n"
         "SUMMARY: AddressSanitizer: heap-buffer-overflow /build/src/lib.rs:35:26 in "
         "mycrate::tests::t\r\n"
         "==1234==ABORTING\r\n"
         "\x1b[1m\x1b[91merror\x1b[0m: test failed, to rerun pass `--lib`\r\n";
}

TEST(DiagnosisTest, AsanSourceCrate) {
  Diagnosis d =
      diagnosed(asan_log("heap-buffer-overflow on address 0x602000000018 at pc "
                         "0x55d5c1b8e029 bp 0x7ffd4a0 sp 0x7ffd498",
                         "/build/src/lib.rs:35:26"));
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "heap-buffer-overflow");
  EXPECT_EQ(d.causes[0].source_crate, "mycrate");

  d = diagnosed(asan_log("heap-use-after-free on address 0x602000000018 at pc 0x55d5c1b8e029",
                         "/registry/smallvec-1.10.0/src/lib.rs:1100:17"));
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "use-after-free");
  EXPECT_EQ(d.causes[0].source_crate, "smallvec");
}

TEST(DiagnosisTest, AsanKinds) {
  const std::pair<const char*, const char*> cases[] = {
      {"heap-buffer-overflow on address 0x602000000018 at pc 0x55 bp 0x7f sp 0x7e",
       "heap-buffer-overflow"},
      {"heap-use-after-free on address 0x602000000018 at pc 0x55 bp 0x7f sp 0x7e",
       "use-after-free"},
      {"stack-buffer-overflow on address 0x7ffd4a0 at pc 0x55 bp 0x7f sp 0x7e",
       "stack-buffer-overflow"},
      {"stack-use-after-return on address 0x7f3a at pc 0x55 bp 0x7f sp 0x7e",
       "stack-use-after-return"},
      {"global-buffer-overflow on address 0x55d5c1c00000 at pc 0x55 bp 0x7f sp 0x7e",
       "global-buffer-overflow"},
      {"attempting double-free on 0x602000000010 in thread T0:", "double-free"},
      {"alloc-dealloc-mismatch (malloc vs operator delete) on 0x602000000010",
       "alloc-dealloc-mismatch"},
      {"SEGV on unknown address 0x000000000000 (pc 0x55d5c1b8e029 bp 0x7ffd sp 0x7ffc T0)",
       "SEGV on unknown address"},
      {"stack-overflow on address 0x7ffd3c4a5ff8 (pc 0x55d5c1b8e029 bp 0x7ffd sp 0x7ffc T0)",
       "stack-overflow"},
      {"attempting free on address which was not malloc()-ed: 0x7ffd4a0 in thread T0", "bad-free"},
      {"requested allocation size 0xffffffffffffffff (0x800 after adjustments for alignment, red "
       "zones etc.) exceeds maximum supported size of 0x10000000000 (thread T0)",
       "allocation-size-too-big"},
  };
  for (const auto& [message, kind] : cases) {
    const Diagnosis d = diagnose(asan_log(message, "/build/src/lib.rs:35:26"), failed());
    EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior) << message;
    EXPECT_EQ(kinds(d), std::vector<std::string>{kind}) << message;
  }
}

TEST(DiagnosisTest, AsanOutOfMemoryIsNotUndefinedBehavior) {
  const Diagnosis d = diagnosed(asan_log(
      "allocator is out of memory trying to allocate 0x40000000 bytes", "/build/src/lib.rs:3:3"));
  EXPECT_EQ(d.outcome, Outcome::kTestFailed);
  EXPECT_TRUE(d.causes.empty());
}

TEST(DiagnosisTest, AsanIgnoringNoReturnMakesEveryAsanCauseAPossibleFalsePositive) {
  const std::string warning =
      "==1234==WARNING: ASan is ignoring requested __asan_handle_no_return: stack type: default "
      "top: 0x7ffd4a1c3000; bottom 0x7f3a5c0fe000; size: 0x00c2ee0c5000 (837624795136)\r\n"
      "False positive error reports may follow\r\n"
      "For details see https://github.com/google/sanitizers/issues/189\r\n";
  const std::string overflow =
      "stack-buffer-overflow on address 0x7f3a5c1fe0a0 at pc 0x55 bp 0x7f sp 0x7e";
  // The warning before the report, or after it: the same.
  for (const std::string& raw : {asan_log(overflow, "/build/src/lib.rs:3:3", warning),
                                 asan_log(overflow, "/build/src/lib.rs:3:3") + warning}) {
    const Diagnosis d = diagnosed(
        raw + miri_log("using uninitialized data, but this operation requires initialized memory"));
    EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
    ASSERT_EQ(d.causes.size(), 2u);
    EXPECT_EQ(d.causes[0].tool, "asan");
    EXPECT_TRUE(d.causes[0].possible_false_positive);
    EXPECT_EQ(d.causes[1].tool, "miri");
    EXPECT_FALSE(d.causes[1].possible_false_positive);
  }
}

TEST(DiagnosisTest, LeakSanitizerIsNotUndefinedBehavior) {
  const Diagnosis d = diagnosed(
      "running 1 test\r\n\r\n"
      "=================================================================\r\n"
      "\x1b[1m\x1b[31m==1234==ERROR: LeakSanitizer: detected memory leaks\r\n"
      "\x1b[1m\x1b[0m\r\n"
      "\x1b[1m\x1b[34mDirect leak of 64 byte(s) in 1 object(s) allocated from:\x1b[1m\x1b[0m\r\n"
      "    #0 0x55d5c1b5df84 in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/"
      "asan_malloc_linux.cpp:67:3\r\n"
      "\r\n"
      "SUMMARY: AddressSanitizer: 64 byte(s) leaked in 1 allocation(s).\r\n"
      "\x1b[1m\x1b[91merror\x1b[0m: test failed, to rerun pass `--lib`\r\n");
  EXPECT_EQ(d.outcome, Outcome::kTestFailed);
  EXPECT_TRUE(d.causes.empty());
}

// --- Rust's own checks

const std::string kAbort =
    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\r\n"
    "thread caused non-unwinding panic. aborting.\r\n"
    "\x1b[1m\x1b[91merror\x1b[0m: test failed, to rerun pass `--lib`\r\n"
    "\r\n"
    "Caused by:\r\n"
    "  process didn't exit successfully: `/build/target/debug/deps/mycrate-0f1e2d3c4b5a6978` "
    "(signal: 6, SIGABRT: process abort signal)\r\n";

TEST(DiagnosisTest, Sigill) {
  const Diagnosis d = diagnosed(
      "running 2 tests\r\n"
      "\x1b[1m\x1b[91merror\x1b[0m: test failed, to rerun pass `--lib`\r\n\r\nCaused by:\r\n"
      "  process didn't exit successfully: `/build/target/debug/deps/mycrate-0f1e2d3c4b5a6978` "
      "(signal: 4, SIGILL: illegal instruction)\r\n");
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "SIGILL");
  EXPECT_EQ(d.causes[0].tool, "rust");
  EXPECT_EQ(d.causes[0].source_crate, "");
}

TEST(DiagnosisTest, MisalignedPointerDereference) {
  Diagnosis d = diagnosed(
      "test tests::unaligned ... \r\n"
      "thread 'tests::unaligned' panicked at src/lib.rs:12:14:\r\n"
      "misaligned pointer dereference: address must be a multiple of 0x4 but is "
      "0x7ffd5e0c1a21\r\n" +
      kAbort);
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0],
            (Cause{.kind = "misaligned pointer dereference",
                   .tool = "rust",
                   .source_crate = "mycrate",
                   .source_version = "0.1.0",
                   .excerpt = "misaligned pointer dereference: address must be a multiple of 0x4 "
                              "but is 0x7ffd5e0c1a21"}));

  // In a dependency; and the message a line away from its panic is not its own.
  d = diagnosed(
      "thread 'main' panicked at /registry/bytemuck-1.14.0/src/lib.rs:300:5:\r\n"
      "misaligned pointer dereference: address must be a multiple of 0x8 but is 0x1\r\n"
      "thread 'other' panicked at src/lib.rs:1:1:\r\n"
      "some assertion\r\n"
      "misaligned pointer dereference: address must be a multiple of 0x8 but is 0x1\r\n");
  EXPECT_EQ(d.causes.size(), 2u);
  EXPECT_EQ(d.causes[0].source_crate, "bytemuck");
  EXPECT_EQ(d.causes[1].source_crate, "");

  // Before Rust 1.73 the message was on the panic's line.
  d = diagnosed(
      "thread 'main' panicked at 'misaligned pointer dereference: address must be a multiple of "
      "0x4 but is 0x1', src/main.rs:4:14\r\n" +
      kAbort);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "mycrate");
}

TEST(DiagnosisTest, InvalidUninitializedAndZeroed) {
  const Diagnosis d = diagnosed(
      "thread 'tests::uninit' panicked at library/core/src/panicking.rs:221:5:\r\n"
      "attempted to leave type `&u8` uninitialized, which is invalid\r\n"
      "thread 'tests::zeroed' panicked at library/core/src/panicking.rs:221:5:\r\n"
      "attempted to zero-initialize type `std::ptr::NonNull<u8>`, which is invalid\r\n" +
      kAbort);
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  EXPECT_EQ(kinds(d),
            (std::vector<std::string>{"invalid mem::uninitialized", "invalid mem::zeroed"}));
  EXPECT_EQ(d.causes[0].tool, "rust");
  EXPECT_EQ(d.causes[0].source_crate, "");  // the standard library's location
}

TEST(DiagnosisTest, UnsafePreconditionViolated) {
  const Diagnosis d = diagnosed(
      "thread 'main' panicked at library/core/src/panicking.rs:218:5:\r\n"
      "unsafe precondition(s) violated: slice::from_raw_parts requires the pointer to be aligned "
      "and non-null, and the total size of the slice not to exceed `isize::MAX`\r\n"
      "\r\n"
      "This indicates a bug in the program. This Undefined Behavior check is optional, and cannot "
      "be relied on for safety.\r\n" +
      kAbort);
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "unsafe precondition violated: slice::from_raw_parts");
  EXPECT_EQ(d.causes[0].tool, "rust");
  EXPECT_EQ(d.causes[0].source_crate, "");
}

// --- Attribution: the crate a finding points into (more in attribution_test.cc)

const std::string kStdSpan =
    "/root/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/"
    "core/src/slice/raw.rs:131:14";

TEST(DiagnosisTest, OlderMiriBlankLinesDoNotEndTheReport) {
  // 2021-2022: a blank line, a line of spaces and an empty "= help:" between
  // the help lines and the backtrace.
  const Diagnosis d = diagnosed(
      kCargoMiriHeader +
      miri_error("trying to reborrow for Unique at alloc91811, but parent tag <224079> does not "
                 "have an appropriate item in the borrow stack") +
      miri_span(kStdSpan) + "    |\r\n" + miri_help(kUb) + "\r\n             \r\n    = help: \r\n" +
      "    = note: inside `std::slice::from_raw_parts_mut::<u8>` at " + kStdSpan + "\r\n" +
      "    = note: inside `typed_arena::Arena::<u8>::alloc_uninitialized` at /cargo/registry/src/"
      "github.com-1ecc6299db9ec823/typed-arena-1.7.0/src/lib.rs:330:13\r\n"
      "note: inside `tests::arena` at src/lib.rs:88:9\r\n" +
      miri_span("src/lib.rs:88:9") + "\r\nerror: aborting due to previous error\r\n\r\n" +
      kCargoTestFailed);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "typed-arena");
  EXPECT_EQ(d.causes[0].source_version, "1.7.0");
}

TEST(DiagnosisTest, MiriReportEndsAtTheNextLineThatIsNotRustcs) {
  // Nothing in the report points outside the standard library; the compiler
  // warning after it is not part of it.
  const Diagnosis d = diagnosed(
      miri_error("entering unreachable code") + miri_span(kStdSpan) + "\r\n" + miri_help(kUb) +
      "\r\nerror: aborting due to 1 previous error\r\n\r\n"
      "warning: unused variable: `x`\r\n" +
      miri_span("src/lib.rs:3:9") + "test result: FAILED. 0 passed; 1 failed\r\n" +
      miri_span("src/lib.rs:4:9"));
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "");
}

TEST(DiagnosisTest, MiriHelpSpanCountsWhenNothingBetterDoes) {
  const Diagnosis d = diagnosed(
      miri_error("trying to retag from <33421630> for SharedReadWrite permission at alloc12[0x0], "
                 "but that tag does not exist in the borrow stack for this location") +
      miri_span(kStdSpan) + "    |\r\n" + miri_help(kUb) +
      "\x1b[0m\x1b[1m\x1b[38;5;14mhelp\x1b[0m\x1b[0m: <33421630> was created by a SharedReadWrite "
      "retag at offsets [0x0..0x50]\r\n" +
      miri_span("/registry/timely-0.12.0/src/handles.rs:240:9") + "    |\r\n" +
      "    = note: BACKTRACE (of the first span):\r\n"
      "    = note: inside `core::ptr::NonNull::<u8>::as_ref` at " +
      kStdSpan + "\r\n\r\nerror: aborting due to 1 previous error\r\n");
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "timely");
  EXPECT_EQ(d.causes[0].source_version, "0.12.0");
}

TEST(DiagnosisTest, MiriStdStyleBacktrace) {
  // Miri since 2025: "= note: stack backtrace:" and std's frame shape. The
  // message's own continuation line ("at .<enum-tag>") is not a frame.
  const Diagnosis d =
      diagnosed(miri_error("constructing invalid value of type E:") +
                "       at .<enum-tag>, encountered 0x0086, but expected a valid enum tag\r\n" +
                miri_span(kStdSpan) + "     |\r\n" + miri_help(kUb) +
                "     = note: stack backtrace:\r\n"
                "             0: std::mem::transmute::<u16, E>\r\n"
                "                 at " +
                kStdSpan +
                ": 2392:33\r\n"
                "             1: from_raw\r\n"
                "                 at /registry/errno-0.3.8/src/lib.rs:26:14: 26:57\r\n"
                "\r\nerror: aborting due to 1 previous error\r\n");
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].kind, "invalid value");
  EXPECT_EQ(d.causes[0].source_crate, "errno");
  EXPECT_EQ(d.causes[0].source_version, "0.3.8");
}

const std::string kPreconditionPanic =
    "thread 'tests::convert' panicked at library/core/src/panicking.rs:223:5:\r\n"
    "unsafe precondition(s) violated: ptr::copy_nonoverlapping requires that both pointer "
    "arguments are aligned and non-null and the specified memory ranges do not overlap\r\n"
    "\r\n"
    "This indicates a bug in the program. This Undefined Behavior check is optional, and cannot "
    "be relied on for safety.\r\n";

TEST(DiagnosisTest, RustCheckNamesTheFirstFrameOutsideTheStandardLibrary) {
  const std::string std_frames =
      "stack backtrace:\r\n"
      "   0: rust_begin_unwind\r\n"
      "             at /rustc/9fc6b43126469e3858e2fe86cafb4f0fd5068869/library/std/src/"
      "panicking.rs:665:5\r\n"
      "   1: core::ptr::copy_nonoverlapping::precondition_check\r\n"
      "             at /rustc/9fc6b43126469e3858e2fe86cafb4f0fd5068869/library/core/src/"
      "ub_checks.rs:68:21\r\n";
  Diagnosis d = diagnosed(kPreconditionPanic + std_frames +
                          "   2: half::slice::convert_f32_slice\r\n"
                          "             at /registry/half-1.8.2/src/slice.rs:131:14\r\n"
                          "   3: mycrate::tests::convert\r\n"
                          "             at ./src/lib.rs:20:9\r\n" +
                          kAbort);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "half");
  EXPECT_EQ(d.causes[0].source_version, "1.8.2");

  // A backtrace only through the standard library names nothing.
  d = diagnosed(kPreconditionPanic + std_frames + "thread caused non-unwinding panic.\r\n");
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "");

  // Another panic's backtrace is not the check's; the causes keep their order.
  d = diagnosed(kPreconditionPanic +
                "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\r\n"
                "thread 'b' panicked at library/core/src/panicking.rs:221:5:\r\n"
                "attempted to zero-initialize type `&u8`, which is invalid\r\n" +
                std_frames + "   2: mycrate::b\r\n             at ./src/lib.rs:1:1\r\n");
  EXPECT_EQ(kinds(d),
            (std::vector<std::string>{"unsafe precondition violated: ptr::copy_nonoverlapping",
                                      "invalid mem::zeroed"}));
  EXPECT_EQ(d.causes[0].source_crate, "");
  EXPECT_EQ(d.causes[1].source_crate, "mycrate");
}

TEST(DiagnosisTest, RustCheckUnderMiriIsPlacedByTheAbortsBacktrace) {
  const Diagnosis d = diagnosed(
      kPreconditionPanic + "thread caused non-unwinding panic. aborting.\r\n" +
      "\x1b[0m\x1b[1m\x1b[38;5;9merror\x1b[0m\x1b[0m\x1b[1m: abnormal termination: the program "
      "aborted execution\x1b[0m\r\n" +
      miri_span("/rustc/abc/library/std/src/sys/pal/unix/mod.rs:397:14") +
      "    = note: inside `std::process::abort` at /rustc/abc/library/std/src/process.rs:2394:5\r\n"
      "note: inside `tests::convert`\r\n" +
      miri_span("src/lib.rs:11:17") + "\r\nerror: aborting due to 1 previous error\r\n");
  ASSERT_EQ(d.causes.size(), 1u);  // the abort itself is not a cause
  EXPECT_EQ(d.causes[0].tool, "rust");
  EXPECT_EQ(d.causes[0].source_crate, "mycrate");
  EXPECT_EQ(d.causes[0].source_version, "0.1.0");
}

// --- Outcomes

const std::string kCompileError =
    "\x1b[1m\x1b[92m   Compiling\x1b[0m mycrate v0.1.0 (/build)\r\n"
    "\x1b[0m\x1b[1m\x1b[38;5;9merror[E0425]\x1b[0m\x1b[0m\x1b[1m: cannot find value `x` in this "
    "scope\x1b[0m\r\n" +
    miri_span("src/lib.rs:2:5") +
    "\r\n"
    "\x1b[1m\x1b[91merror\x1b[0m: could not compile `mycrate` (lib) due to 1 previous error\r\n";

const std::string kTestResultFailed =
    "running 2 tests\r\n"
    "test tests::a ... \x1b[32mok\x1b[0m\r\n"
    "test tests::b ... \x1b[31mFAILED\x1b[0m\r\n"
    "\r\n"
    "failures:\r\n"
    "\r\n"
    "---- tests::b stdout ----\r\n"
    "thread 'tests::b' panicked at src/lib.rs:9:9:\r\n"
    "assertion failed: false\r\n"
    "\r\n"
    "test result: \x1b[31mFAILED\x1b[0m. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered "
    "out; finished in 0.00s\r\n"
    "\r\n"
    "\x1b[1m\x1b[91merror\x1b[0m: test failed, to rerun pass `--lib`\r\n";

const std::string kUbLog = miri_log(
    "using uninitialized data, but this operation requires "
    "initialized memory");

TEST(DiagnosisTest, OutcomePrecedence) {
  const auto outcome = [](const std::string& raw, const Facts& facts) {
    return diagnosed(raw, facts).outcome;
  };
  Facts oom = failed();
  oom.oom_killed = true;
  oom.timed_out = true;
  oom.infrastructure_error = true;
  Facts timeout = failed();
  timeout.timed_out = true;
  timeout.infrastructure_error = true;
  Facts error = failed();
  error.infrastructure_error = true;
  Facts passed = failed();
  passed.passed = true;

  EXPECT_EQ(outcome(kUbLog, oom), Outcome::kUndefinedBehavior);
  EXPECT_EQ(outcome(kUbLog, passed), Outcome::kUndefinedBehavior);
  EXPECT_EQ(outcome(kCompileError, oom), Outcome::kOutOfMemory);
  EXPECT_EQ(outcome(kCompileError, timeout), Outcome::kTimedOut);
  EXPECT_EQ(outcome(kCompileError, error), Outcome::kError);
  EXPECT_EQ(outcome(kCompileError + kTestResultFailed, failed()), Outcome::kBuildFailed);
  EXPECT_EQ(outcome(kTestResultFailed, failed()), Outcome::kTestFailed);
  EXPECT_EQ(outcome("", failed()), Outcome::kBuildFailed);
  EXPECT_EQ(outcome("test result: ok. 3 passed\r\n", passed), Outcome::kPassed);
  // The exit codes are the truth about passing.
  EXPECT_EQ(outcome(kTestResultFailed, passed), Outcome::kPassed);
  Facts broken = failed();
  broken.broken = true;
  EXPECT_EQ(outcome("error: no matching package named `criterion` found\r\n", broken),
            Outcome::kBroken);
  // What the resolver printed is no build failure, but UB in a log is UB.
  EXPECT_EQ(outcome(kUbLog, broken), Outcome::kUndefinedBehavior);
}

TEST(DiagnosisTest, BuildFailures) {
  for (
      const std::string& raw : {
          "\x1b[0m\x1b[1m\x1b[38;5;9merror[E0425]\x1b[0m\x1b[0m\x1b[1m: cannot find value `x` "
          "in this scope\x1b[0m\r\n"s,
          kCompileError,
          "\x1b[1m\x1b[91merror\x1b[0m: failed to run custom build command for `openssl-sys "
          "v0.9.99`\r\n\r\nCaused by:\r\n  process didn't exit successfully: "
          "`/build/target/debug/build/openssl-sys-3c2b1a/build-script-main` (exit status: 101)\r\n"s,
          "\x1b[1m\x1b[91merror\x1b[0m: no matching package named `serde_derive` found\r\n"
          "location searched: directory source `/registry` (which is replacing registry "
          "`crates-io`)\r\n"s,
          "\x1b[1m\x1b[91merror\x1b[0m: failed to select a version for the requirement `syn = "
          "\"^2.0.60\"`\r\n"s,
      }) {
    EXPECT_EQ(diagnosed(raw).outcome, Outcome::kBuildFailed) << raw;
  }
}

TEST(DiagnosisTest, TestFailures) {
  for (const std::string& raw : {
           kTestResultFailed,
           "\x1b[1m\x1b[91merror\x1b[0m: test failed, to rerun pass `--lib`\r\n"s,
           "\x1b[1m\x1b[91merror\x1b[0m: doctest failed, to rerun pass `--doc`\r\n"s,
           "\x1b[1m\x1b[91merror\x1b[0m: 2 targets failed:\r\n    `--lib`\r\n    `--test it`\r\n"s,
           "running 1 test\r\n  process didn't exit successfully: `/build/target/debug/deps/"
           "mycrate-0f1e2d3c` (signal: 11, SIGSEGV: invalid memory reference)\r\n"s,
       }) {
    EXPECT_EQ(diagnosed(raw).outcome, Outcome::kTestFailed) << raw;
  }
}

TEST(DiagnosisTest, CompilerErrorsPrintedByTestsAreNotBuildFailures) {
  // A doctest that does not compile, reported by rustdoc under "Doc-tests".
  const Diagnosis d = diagnosed(
      "\x1b[1m\x1b[92m   Doc-tests\x1b[0m mycrate\r\n"
      "\r\n"
      "running 1 test\r\n"
      "test src/lib.rs - f (line 3) ... FAILED\r\n"
      "\r\n"
      "failures:\r\n"
      "\r\n"
      "---- src/lib.rs - f (line 3) stdout ----\r\n"
      "error[E0425]: cannot find value `y` in this scope\r\n"
      " --> src/lib.rs:4:1\r\n"
      "\r\n"
      "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\r\n"
      "\r\n"
      "error: doctest failed, to rerun pass `--doc`\r\n");
  EXPECT_EQ(d.outcome, Outcome::kTestFailed);
}

// --- Spurious causes

TEST(DiagnosisTest, SpuriousCauses) {
  const auto spurious = [](const std::string& raw) { return diagnosed(raw).spurious; };
  using Names = std::vector<std::string>;
  EXPECT_EQ(spurious("error: failed to write /build/target/debug/deps/x.rlib: No space left on "
                     "device (os error 28)\r\n"),
            Names{"no space left on device"});
  for (const char* network : {
           "warning: spurious network error (3 tries remaining): [6] Could not resolve hostname "
           "(Could not resolve host: index.crates.io)\r\n",
           "\x1b[1m\x1b[91merror\x1b[0m: failed to download from "
           "`https://static.crates.io/crates/libc/0.2.150/download`\r\n",
           "connect 1.1.1.1:80: Network is unreachable (os error 101)\r\n",
           "  [7] Couldn't connect to server (Failed to connect to 127.0.0.1 port 3128 after 0 ms: "
           "Connection refused)\r\n",
       }) {
    EXPECT_EQ(spurious(network), Names{"network access"}) << network;
  }
  for (const char* ice : {
           "\x1b[0m\x1b[1m\x1b[38;5;9merror\x1b[0m\x1b[0m\x1b[1m: internal compiler error: "
           "compiler/rustc_middle/src/ty/mod.rs:1234:5: unexpected\x1b[0m\r\n",
           "thread 'rustc' panicked at compiler/rustc_middle/src/ty/mod.rs:1234:5:\r\n",
           "query stack during panic:\r\n",
       }) {
    EXPECT_EQ(spurious(ice), Names{"compiler ICE"}) << ice;
  }
  // In order of appearance, each once, and beside causes.
  const Diagnosis d = diagnosed(
      "error: failed to download from `https://x`\r\nNo space left on device\r\n"
      "Could not resolve host: x\r\n" +
      kUbLog);
  EXPECT_EQ(d.spurious, (Names{"network access", "no space left on device"}));
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
}

// --- The record

TEST(DiagnosisTest, JsonRoundTrip) {
  Diagnosis d = diagnosed(kUbLog +
                          asan_log("heap-use-after-free on address 0x6 at pc 0x5",
                                   "/registry/smallvec-1.10.0/src/lib.rs:1:1") +
                          "Could not resolve host: x\r\n");
  d.causes.push_back({.kind = "SIGILL", .tool = "rust", .possible_false_positive = true});
  const nlohmann::json json = to_json(d);
  EXPECT_EQ(json["version"], kDiagnosisVersion);
  EXPECT_EQ(json["outcome"], "ub");
  EXPECT_EQ(json["causes"][1]["source_crate"], "smallvec");
  EXPECT_EQ(json["causes"][1]["source_version"], "1.10.0");
  EXPECT_EQ(json["causes"][2]["source_crate"], "");
  EXPECT_EQ(diagnosis_from_json(nlohmann::json::parse(json.dump())), d);

  // Diagnoses stored before source_version (version 1) are still read.
  const Diagnosis old = diagnosis_from_json(nlohmann::json::parse(R"({"version": 1,
      "outcome": "ub", "spurious": [], "causes": [{"kind": "data race", "tool": "miri",
      "source_crate": "smallvec", "possible_false_positive": false, "excerpt": "x"}]})"));
  ASSERT_EQ(old.causes.size(), 1u);
  EXPECT_EQ(old.causes[0].source_crate, "smallvec");
  EXPECT_EQ(old.causes[0].source_version, "");

  for (Outcome outcome : result::kOutcomes) {
    EXPECT_EQ(outcome_from_name(outcome_name(outcome)), outcome);
    const Diagnosis plain{.outcome = outcome};
    EXPECT_EQ(diagnosis_from_json(to_json(plain)), plain);
  }
  EXPECT_EQ(outcome_name(Outcome::kUndefinedBehavior), "ub");
  EXPECT_EQ(outcome_name(Outcome::kOutOfMemory), "oom");
  EXPECT_EQ(outcome_name(Outcome::kBroken), "broken");
  EXPECT_FALSE(outcome_from_name("skipped"));
}

TEST(DiagnosisTest, JsonThatIsNotADiagnosisIsRejected) {
  for (const char* text : {
           "[]",
           R"({"outcome": "exploded", "causes": [], "spurious": []})",
           R"({"outcome": "ub", "causes": [{"kind": "x"}], "spurious": []})",
           R"({"outcome": "ub", "causes": []})",
       }) {
    EXPECT_THROW(diagnosis_from_json(nlohmann::json::parse(text)), std::runtime_error) << text;
  }
}

TEST(DiagnosisTest, ExcerptsAreShortValidUtf8) {
  const std::string junk = "\xff\xfe bad \xc3";
  const std::string long_tail(500, 'x');
  const Diagnosis d =
      diagnosed(miri_error("entering unreachable code " + junk + long_tail) + "\r\n");
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_LE(d.causes[0].excerpt.size(), 200u);
  EXPECT_NO_THROW(to_json(d).dump());
  EXPECT_NE(d.causes[0].excerpt.find("\xef\xbf\xbd"), std::string::npos);
}

// --- Size

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(DiagnosisTest, StreamsABigLogInBoundedMemory) {
  // 200 chunks of 1 MB: cargo and libtest lines, progress bars, a 3 MB line
  // without a newline across chunk ends, UB reports at both ends.
  constexpr size_t kChunk = 1 << 20;
  std::string filler;
  for (int i = 0; filler.size() < kChunk; ++i) {
    filler += "test tests::case_" + std::to_string(i) + " ... \x1b[32mok\x1b[0m\r\n";
    filler += "\x1b[1m\x1b[92m   Compiling\x1b[0m dep-" + std::to_string(i) +
              " v1.0.0\r\n    Building [====>    ] 12/99: dep\r\x1b[K";
  }
  filler.resize(kChunk);
  const std::string miri = miri_log("Data race detected between (1) a and (2) b");
  const std::string asan =
      asan_log("heap-use-after-free on address 0x6 at pc 0x5", "/build/src/lib.rs:1:1");
  const std::string first = "\r\n" + miri + filler.substr(miri.size() + 2);
  const std::string last = filler.substr(0, kChunk - asan.size() - 2) + "\r\n" + asan;
  const std::string endless(kChunk, 'y');
  const auto chunk_at = [&](int i) -> const std::string& {
    if (i == 0) return first;
    if (i == 199) return last;
    return i % 50 >= 7 && i % 50 <= 9 ? endless : filler;  // a 3 MB line, four times
  };

  [[maybe_unused]] const long before = peak_rss_kib();
  Diagnoser diagnoser;
  size_t fed = 0;
  for (int i = 0; i < 200; ++i) {
    diagnoser.feed(chunk_at(i));
    fed += chunk_at(i).size();
  }
  const Diagnosis d = diagnoser.finish(failed());
  EXPECT_GE(fed, 200u * 1000 * 1000);
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  EXPECT_EQ(kinds(d), (std::vector<std::string>{"data race", "use-after-free"}));
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(peak_rss_kib() - before, 32 * 1024) << "KiB more at the peak";
#endif
}

}  // namespace
}  // namespace diagnosis
