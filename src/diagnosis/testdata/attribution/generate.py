#!/usr/bin/env python3
"""Writes the attribution corpus: CASE.log (the bytes a pty shows: rustc's and
cargo's colours, ASan's colours, "\r\n") and CASE.expect (the facts and the
causes a diagnosis must give). Each case is modelled on a real report whose
address is in the .expect file's "# from" comment; names, paths and tags are
adapted to the sandbox (/build, /cargo/registry, /registry). Run it from this
folder after changing a case; the test reads the files, not this script."""
import re
import sys

RUSTC = "/rustc/9fc6b43126469e3858e2fe86cafb4f0fd5068869"
RUSTUP = "/root/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/lib/rustlib/src/rust"
REG = "/cargo/registry/src/index.crates.io-1949cf8c6b5b557f"
OLDREG = "/cargo/registry/src/github.com-1ecc6299db9ec823"

B = "\x1b[0m\x1b[1m"


def colour_rustc(line):
    """rustc's colours for one diagnostic line (as `cargo miri` shows them)."""
    m = re.match(r"^(\s*)(error|warning)(\[E\d+\])?: (.*)$", line)
    if m and not m.group(1):
        col = "9" if m.group(2) == "error" else "11"
        return f"{B}\x1b[38;5;{col}m{m.group(2)}{m.group(3) or ''}\x1b[0m\x1b[0m\x1b[1m: {m.group(4)}\x1b[0m"
    m = re.match(r"^(test \S+ \.\.\. )(error|warning): (.*)$", line)
    if m:
        return f"{m.group(1)}{B}\x1b[38;5;9m{m.group(2)}\x1b[0m\x1b[0m\x1b[1m: {m.group(3)}\x1b[0m"
    m = re.match(r"^(\s*)--> (.*)$", line)
    if m:
        return f"\x1b[0m{m.group(1)}\x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m--> \x1b[0m\x1b[0m{m.group(2)}"
    m = re.match(r"^(\s*)= (help|note): (.*)$", line)
    if m:
        return (f"\x1b[0m{m.group(1)}\x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m= \x1b[0m\x1b[0m\x1b[1m"
                f"{m.group(2)}\x1b[0m\x1b[0m: {m.group(3)}")
    m = re.match(r"^(help|note): (.*)$", line)
    if m:
        col = "14" if m.group(1) == "help" else "10"
        return f"{B}\x1b[38;5;{col}m{m.group(1)}\x1b[0m\x1b[0m: {m.group(2)}"
    m = re.match(r"^(\s*)(\d+|LL)?(\s*)\|(.*)$", line)
    if m and (m.group(2) or m.group(1)):
        num = f"\x1b[1m\x1b[38;5;12m{m.group(2)}\x1b[0m" if m.group(2) else ""
        return f"\x1b[0m{m.group(1)}{num}{m.group(3)}\x1b[0m\x1b[0m\x1b[1m\x1b[38;5;12m|\x1b[0m{m.group(4)}"
    return line


def colour_cargo(line):
    m = re.match(r"^(\s*)(Compiling|Finished|Running|Doc-tests|Checking)( .*)$", line)
    if m:
        return f"\x1b[1m\x1b[92m{m.group(1)}{m.group(2)}\x1b[0m{m.group(3)}"
    m = re.match(r"^error: (test failed.*)$", line)
    if m:
        return f"\x1b[1m\x1b[91merror\x1b[0m: {m.group(1)}"
    if line.endswith(" ... ok"):
        return line[:-2] + "\x1b[32mok\x1b[0m"
    if line.endswith(" ... FAILED"):
        return line[:-6] + "\x1b[31mFAILED\x1b[0m"
    return None


def colour_asan(line):
    if "==ERROR: AddressSanitizer:" in line:
        return f"\x1b[1m\x1b[31m{line}\x1b[1m\x1b[0m"
    if re.match(r"^(READ|WRITE) of size", line):
        return f"\x1b[1m\x1b[34m{line}\x1b[1m\x1b[0m"
    if re.match(r"^(freed by|previously allocated by|allocated by) thread", line):
        return f"\x1b[1m\x1b[35m{line}\x1b[1m\x1b[0m"
    if re.match(r"^0x[0-9a-f]+ is located", line):
        return f"\x1b[1m\x1b[32m{line}\x1b[1m\x1b[0m"
    return line


def render(text, asan=False):
    out = []
    for line in text.split("\n"):
        cargo = colour_cargo(line)
        if cargo is not None:
            out.append(cargo)
        elif asan:
            out.append(colour_asan(line))
        elif line.startswith(("thread '", "stack backtrace:", "  ", "note: run with", "note: Some details")) and not re.match(
                r"^\s*(-->|= |\d+ +\||\|)", line):
            out.append(line)  # panics and std backtraces are not coloured
        else:
            out.append(colour_rustc(line))
    return "\r\n".join(out).encode()


CARGO_MIRI = """\
   Compiling {crate} v{version} (/build)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 1.52s
     Running unittests src/lib.rs (target/miri/x86_64-unknown-linux-gnu/debug/deps/{ident}-5b6e4c5d8e2f1a3b)

running 4 tests
test tests::empty ... ok
"""

CARGO_TEST = """\
   Compiling {crate} v{version} (/build)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 3.07s
     Running unittests src/lib.rs (target/debug/deps/{ident}-0f1e2d3c4b5a6978)

running 3 tests
test tests::empty ... ok
"""

MIRI_FAILED = """\
error: test failed, to rerun pass `--lib`

Caused by:
  process didn't exit successfully: `/root/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/bin/cargo-miri runner /build/target/miri/x86_64-unknown-linux-gnu/debug/deps/{ident}-5b6e4c5d8e2f1a3b` (exit status: 1)
note: test exited abnormally; to see the full output pass --no-capture to the harness.
"""

ABORTED = """\
error: test failed, to rerun pass `--lib`

Caused by:
  process didn't exit successfully: `/build/target/debug/deps/{ident}-0f1e2d3c4b5a6978` (signal: 6, SIGABRT: process abort signal)
"""

SB_HELP = """\
    = help: this indicates a potential bug in the program: it performed an invalid operation, but the Stacked Borrows rules it violated are still experimental
    = help: see https://github.com/rust-lang/unsafe-code-guidelines/blob/master/wip/stacked-borrows.md for further information"""

UB_HELP = """\
    = help: this indicates a bug in the program: it performed an invalid operation, and caused Undefined Behavior
    = help: see https://doc.rust-lang.org/nightly/reference/behavior-considered-undefined.html for further information"""

# Old Miri's libtest frames below the crate's own ones.
OLD_HARNESS = f"""\
    = note: inside closure at {RUSTUP}/library/core/src/ops/function.rs:227:5
    = note: inside `<[closure@src/lib.rs:48:5: 52:6] as std::ops::FnOnce<()>>::call_once - shim` at {RUSTUP}/library/core/src/ops/function.rs:227:5
    = note: inside `test::__rust_begin_short_backtrace::<fn()>` at {RUSTUP}/library/test/src/lib.rs:585:5
    = note: inside `test::run_test` at {RUSTUP}/library/test/src/lib.rs:572:28
    = note: inside `test::test_main` at {RUSTUP}/library/test/src/lib.rs:124:15
    = note: inside `main`"""

CASES = []


def case(name, url, causes, body, crate="mycrate", version="0.1.0", asan=False):
    CASES.append((name, url, causes, body, crate, version, asan))


# ---------------------------------------------------------------- Miri, current

case("miri-2024-data-race-own-span",
     "https://github.com/rust-lang/miri/blob/master/tests/fail/both_borrows/retag_data_race_write.stack.stderr",
     ["miri | data race | mycrate 0.1.0"],
     CARGO_MIRI + """\
test tests::race ... error: Undefined Behavior: Data race detected between (1) implicit write from the aliasing model on thread `unnamed-2` and (2) non-atomic write on thread `unnamed-1` at alloc1707. (2) just happened here
  --> src/lib.rs:24:9
   |
24 |         *p = 5;
   |         ^^^^^^ Data race detected between (1) implicit write from the aliasing model on thread `unnamed-2` and (2) non-atomic write on thread `unnamed-1` at alloc1707. (2) just happened here
   |
help: and (1) occurred earlier here
  --> src/lib.rs:30:18
   |
30 |         let _r = &mut *p;
   |                  ^^^^^^^
   = help: implicit reads/writes happen on all (re)borrows, as well as when references are copied or moved
""" + UB_HELP[1:] + """
   = note: BACKTRACE (of the first span) on thread `unnamed-1`:
   = note: inside `tests::thread_2` at src/lib.rs:24:9: 24:15
note: inside closure
  --> src/lib.rs:36:41
   |
36 |     let t2 = std::thread::spawn(move || thread_2(p));
   |                                         ^^^^^^^^^^^

note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a verbose backtrace

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-2025-dependency-span",
     "https://github.com/rust-lang/rust/pull/142170 (saethlin's arrayvec run)",
     ["miri | Stacked Borrows: write | arrayvec 0.7.6"],
     CARGO_MIRI + f"""\
test test_arraystring_const_constructible ... error: Undefined Behavior: attempting a write access using <296827> at alloc124998[0x4], but that tag does not exist in the borrow stack for this location
   --> {REG}/arrayvec-0.7.6/src/array_string.rs:291:13
    |
291 |             ptr::copy_nonoverlapping(src, dst, s.len());
    |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    |             |
    |             attempting a write access using <296827> at alloc124998[0x4], but that tag does not exist in the borrow stack for this location
    |             this error occurs as part of an access at alloc124998[0x4..0x9]
    |
""" + SB_HELP + f"""
help: <296827> was created by a Unique retag at offsets [0x0..0x4]
   --> src/lib.rs:41:22
    |
41  |         let mut s = ArrayString::<4>::new_const();
    |                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    = note: BACKTRACE (of the first span) on thread `test_arraystri`:
    = note: inside `arrayvec::ArrayString::<4>::try_push_str` at {REG}/arrayvec-0.7.6/src/array_string.rs:291:13: 291:56
note: inside `test_arraystring_const_constructible`
   --> src/lib.rs:43:9
    |
43  |         s.try_push_str("hello").unwrap();
    |         ^^^^^^^^^^^^^^^^^^^^^^^

note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a verbose backtrace

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-2025-std-span-own-frame",
     "https://github.com/eclipse-iceoryx/iceoryx2/issues/682",
     ["miri | Stacked Borrows: retag | iceoryx2-bb-container 0.5.0"],
     CARGO_MIRI + f"""\
test tests::integration_1 ... error: Undefined Behavior: trying to retag from <271014> for SharedReadOnly permission at alloc113135[0x8], but that tag does not exist in the borrow stack for this location
   --> {RUSTUP}/library/core/src/slice/raw.rs:138:9
    |
138 |         &*ptr::slice_from_raw_parts(data, len)
    |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    |         |
    |         trying to retag from <271014> for SharedReadOnly permission at alloc113135[0x8], but that tag does not exist in the borrow stack for this location
    |         this error occurs as part of retag at alloc113135[0x0..0x18]
    |
""" + SB_HELP + f"""
help: <271014> was created by a SharedReadWrite retag at offsets [0x0..0x8]
   --> /registry/iceoryx2-bb-container-0.5.0/src/vec.rs:391:9
    |
391 |         self.data_ptr.as_mut_ptr()
    |         ^^^^^^^^^^^^^^^^^^^^^^^^^^
    = note: BACKTRACE (of the first span) on thread `tests::integra`:
    = note: inside `std::slice::from_raw_parts::<'_, u64>` at {RUSTUP}/library/core/src/slice/raw.rs:138:9: 138:47
    = note: inside `iceoryx2_bb_container::vec::MetaVec::<u64, iceoryx2_bb_elementary::owning_pointer::GenericOwningPointer>::as_slice` at /registry/iceoryx2-bb-container-0.5.0/src/vec.rs:407:18: 407:67
note: inside `tests::integration_1`
   --> src/lib.rs:20:17
    |
20  |         let _ = v.as_slice();
    |                 ^^^^^^^^^^^^

note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a verbose backtrace

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-2026-stack-backtrace-dependency",
     "std-style Miri backtrace as printed since 2025, e.g. https://github.com/rust-lang/miri/pull/4416",
     ["miri | out-of-bounds access | smallvec 1.11.0"],
     CARGO_MIRI + f"""\
test tests::spill ... error: Undefined Behavior: memory access failed: attempting to access 8 bytes, but got alloc4196+0x20 which is at or beyond the end of the allocation of size 32 bytes
    --> {RUSTUP}/library/core/src/ptr/mod.rs:1645:9
     |
1645 |         crate::intrinsics::read_via_copy(src)
     |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ Undefined Behavior occurred here
     |
""" + UB_HELP + f"""
help: alloc4196 was allocated here:
    --> src/lib.rs:14:21
     |
14   |         let mut v = SmallVec::<[u64; 4]>::new();
     |                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^
     = note: this is on thread `tests::spill`
     = note: stack backtrace:
             0: std::ptr::read::<u64>
                 at {RUSTUP}/library/core/src/ptr/mod.rs:1645:9: 1645:46
             1: smallvec::SmallVec::<[u64; 4]>::pop
                 at {REG}/smallvec-1.11.0/src/lib.rs:1125:28: 1125:60
             2: tests::spill
                 at src/lib.rs:19:17: 19:24
             3: tests::spill::{{closure#0}}
                 at src/lib.rs:12:15: 12:15

note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a verbose backtrace

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-2026-stack-backtrace-own",
     "std-style Miri backtrace, as quoted in https://github.com/oven-sh/bun/issues (SystemErrno transmute)",
     ["miri | invalid value | mycrate 0.1.0"],
     CARGO_MIRI + f"""\
test tests::errno ... error: Undefined Behavior: constructing invalid value of type SystemErrno:
       at .<enum-tag>, encountered 0x0086, but expected a valid enum tag
    --> {RUSTUP}/library/core/src/intrinsics/mod.rs:2392:9
     |
2392 |         transmute_unchecked(src)
     |         ^^^^^^^^^^^^^^^^^^^^^^^^ Undefined Behavior occurred here
     |
""" + UB_HELP + f"""
     = note: this is on thread `tests::errno`
     = note: stack backtrace:
             0: std::mem::transmute::<u16, SystemErrno>
                 at {RUSTUP}/library/core/src/intrinsics/mod.rs:2392:9: 2392:33
             1: from_raw_buggy
                 at src/errno.rs:26:14: 26:57
             2: tests::errno
                 at src/lib.rs:40:18: 40:44

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-2024-tree-borrows-help-spans",
     "https://github.com/rust-lang/miri/blob/master/tests/fail/both_borrows/alias_through_mutation.tree.stderr",
     ["miri | Tree Borrows: read | mycrate 0.1.0"],
     CARGO_MIRI + """\
test tests::alias ... error: Undefined Behavior: read access through <2561> at alloc1337[0x0] is forbidden
  --> src/lib.rs:31:16
   |
31 |     let _val = *target_alias;
   |                ^^^^^^^^^^^^^ read access through <2561> at alloc1337[0x0] is forbidden
   |
   = help: this indicates a potential bug in the program: it performed an invalid operation, but the Tree Borrows rules it violated are still experimental
   = help: the accessed tag <2561> is a child of the conflicting tag <2549>
   = help: the conflicting tag <2549> has state Disabled which forbids this child read access
help: the accessed tag <2561> was created here
  --> /registry/decoy-1.0.0/src/lib.rs:14:14
   |
14 |         *x = &mut *(target as *mut _);
   |              ^^^^^^^^^^^^^^^^^^^^^^^^
help: the conflicting tag <2549> later transitioned to Disabled due to a foreign write access at offsets [0x0..0x4]
  --> src/lib.rs:30:5
   |
30 |     *target = 13;
   |     ^^^^^^^^^^^^
   = help: this transition corresponds to a loss of read and write permissions
   = note: BACKTRACE (of the first span) on thread `tests::alias`:
   = note: inside `tests::alias` at src/lib.rs:31:16: 31:29

note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a verbose backtrace

error: aborting due to 1 previous error

""" + MIRI_FAILED)

# ---------------------------------------------------------- Miri, 2020 to 2022

case("miri-2020-dependency-span-windows-era",
     "https://github.com/rust-lang/backtrace-rs/issues/388",
     ["miri | bad declaration of miri_resolve_frame - should return a struct with fields | backtrace 0.3.54"],
     CARGO_MIRI + f"""\
test tests::trace ... error: Undefined Behavior: bad declaration of miri_resolve_frame - should return a struct with 4 fields
   --> {OLDREG}/backtrace-0.3.54/src/backtrace/miri.rs:57:37
    |
57  |     let frame: MiriFrame = unsafe {{ miri_resolve_frame(ptr as *mut (), 0) }};
    |                                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ bad declaration of miri_resolve_frame - should return a struct with 4 fields
    |
""" + UB_HELP + f"""

    = note: inside `backtrace::backtrace::miri::resolve_addr` at {OLDREG}/backtrace-0.3.54/src/backtrace/miri.rs:57:37
    = note: inside `backtrace::backtrace::miri::trace_unsynchronized::<&mut [closure@src/lib.rs:133:26: 141:10]>` at {OLDREG}/backtrace-0.3.54/src/backtrace/miri.rs:67:21
note: inside `tests::trace` at src/lib.rs:12:9
   --> src/lib.rs:12:9
    |
12  |         backtrace::trace(|_| true);
    |         ^^^^^^^^^^^^^^^^^^^^^^^^^^
""" + OLD_HARNESS + """

error: aborting due to previous error

""" + MIRI_FAILED)

case("miri-2021-blank-line-then-own-frame",
     "https://github.com/rust-lang/unsafe-code-guidelines/issues/272",
     ["miri | Stacked Borrows: retag | mycrate 0.1.0"],
     CARGO_MIRI + f"""\
test tests::prev ... error: Undefined Behavior: trying to reborrow for SharedReadOnly at alloc73309, but parent tag <untagged> does not have an appropriate item in the borrow stack
   --> {RUSTUP}/library/core/src/option.rs:487:29
    |
487 |             Some(x) => Some(f(x)),
    |                             ^^^^ trying to reborrow for SharedReadOnly at alloc73309, but parent tag <untagged> does not have an appropriate item in the borrow stack
    |
    = help: this indicates a potential bug in the program: it performed an invalid operation, but the rules it violated are still experimental
    = help: see https://github.com/rust-lang/unsafe-code-guidelines/blob/master/wip/stacked-borrows.md for further information

    = note: inside `std::option::Option::<std::ptr::NonNull<Foo>>::map::<&Foo, [closure@src/lib.rs:239:18: 239:38]>` at {RUSTUP}/library/core/src/option.rs:487:29
note: inside `Foo::prev` at src/lib.rs:237:9
   --> src/lib.rs:237:9
    |
237 | /         self.link
238 | |             .prev_from(Foo::fields().link)
239 | |             .map(|foo| &*foo.as_ptr())
    | |______________________________________^
""" + OLD_HARNESS + """

error: aborting due to previous error

""" + MIRI_FAILED)

case("miri-2021-blank-line-then-dependency-frame",
     "https://github.com/shepmaster/sxd-document/issues/84",
     ["miri | Stacked Borrows: retag | typed-arena 1.7.0"],
     CARGO_MIRI + f"""\
test tests::arena ... error: Undefined Behavior: trying to reborrow for Unique at alloc91811, but parent tag <224079> does not have an appropriate item in the borrow stack
    --> {RUSTUP}/library/core/src/slice/raw.rs:131:14
     |
131  |     unsafe {{ &mut *ptr::slice_from_raw_parts_mut(data, len) }}
     |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ trying to reborrow for Unique at alloc91811, but parent tag <224079> does not have an appropriate item in the borrow stack
     |
     = help: this indicates a potential bug in the program: it performed an invalid operation, but the rules it violated are still experimental
     = help: see https://github.com/rust-lang/unsafe-code-guidelines/blob/master/wip/stacked-borrows.md for further information
             
     = note: inside `std::slice::from_raw_parts_mut::<std::mem::MaybeUninit<std::string::String>>` at {RUSTUP}/library/core/src/slice/raw.rs:131:14
     = note: inside `typed_arena::Arena::<std::string::String>::alloc_uninitialized` at {OLDREG}/typed-arena-1.7.0/src/lib.rs:330:13
     = note: inside `typed_arena::Arena::<std::string::String>::alloc_extend::<std::iter::Once<std::string::String>>` at {OLDREG}/typed-arena-1.7.0/src/lib.rs:221:17
note: inside `tests::arena` at src/lib.rs:88:9
    --> src/lib.rs:88:9
     |
88   |         arena.alloc(String::new());
     |         ^^^^^^^^^^^^^^^^^^^^^^^^^^
""" + OLD_HARNESS + """

error: aborting due to previous error

""" + MIRI_FAILED)

case("miri-2022-blank-help-line",
     "https://github.com/rust-lang/miri/issues/1936 (dtolnay's case studies)",
     ["miri | Stacked Borrows: read | mycrate 0.1.0"],
     CARGO_MIRI + f"""\
test tests::read ... error: Undefined Behavior: attempting a read access using <2357> at alloc1029[0x0], but that tag does not exist in the borrow stack for this location
    --> {RUSTUP}/library/core/src/intrinsics.rs:2103:14
     |
2103 |     unsafe {{ copy_nonoverlapping(src, dst, count) }}
     |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
     |              |
     |              attempting a read access using <2357> at alloc1029[0x0], but that tag does not exist in the borrow stack for this location
     |              this error occurs as part of an access at alloc1029[0x0..0x4]
     |
     = help: this indicates a potential bug in the program: it performed an invalid operation, but the Stacked Borrows rules it violated are still experimental
     = help: see https://github.com/rust-lang/unsafe-code-guidelines/blob/master/wip/stacked-borrows.md for further information
     = help: 
     = note: inside `std::intrinsics::copy_nonoverlapping::<i32>` at {RUSTUP}/library/core/src/intrinsics.rs:2103:14
     = note: inside `std::ptr::read::<i32>` at {RUSTUP}/library/core/src/ptr/mod.rs:1100:9
note: inside `tests::read` at src/lib.rs:61:17
    --> src/lib.rs:61:17
     |
61   |         let x = ptr::read(p);
     |                 ^^^^^^^^^^^^
""" + OLD_HARNESS + """

error: aborting due to previous error

""" + MIRI_FAILED)

case("miri-2022-blank-lines-closure-frame",
     "https://github.com/rust-lang/miri/issues/1800",
     ["miri | Stacked Borrows: protector | mycrate 0.1.0"],
     CARGO_MIRI + f"""\
test tests::ffi ... error: Undefined Behavior: not granting access to tag <92733> because incompatible item is protected: [Unique for <92706> (call 27394)]
   --> {RUSTUP}/library/alloc/src/alloc.rs:105:14
    |
105 |     unsafe {{ __rust_dealloc(ptr, layout.size(), layout.align()) }}
    |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ not granting access to tag <92733> because incompatible item is protected: [Unique for <92706> (call 27394)]
    |
    = help: this indicates a potential bug in the program: it performed an invalid operation, but the rules it violated are still experimental
    = help: see https://github.com/rust-lang/unsafe-code-guidelines/blob/master/wip/stacked-borrows.md for further information

            
    = note: inside `std::alloc::dealloc` at {RUSTUP}/library/alloc/src/alloc.rs:105:14
    = note: inside `<std::alloc::Global as std::alloc::Allocator>::deallocate` at {RUSTUP}/library/alloc/src/alloc.rs:242:22
note: inside closure at tests/ffi.rs:9:9
   --> tests/ffi.rs:9:9
    |
9   |         drop(unsafe {{ Box::from_raw(raw) }});
    |         ^^^^
""" + OLD_HARNESS + """

error: aborting due to previous error

""" + MIRI_FAILED)

case("miri-2020-inside-call-to",
     "https://github.com/spacejam/sled/pull/937",
     ["miri | dangling pointer | crossbeam-epoch 0.8.2"],
     CARGO_MIRI + f"""\
test tests::epoch ... error: Undefined Behavior: pointer to alloc71242 was dereferenced after this allocation got freed
   --> {RUSTUP}/src/libcore/ptr/mod.rs:177:1
    |
177 | / pub unsafe fn drop_in_place<T: ?Sized>(to_drop: *mut T) {{
178 | |     // Code here does not matter - this is replaced by the
179 | |     // real drop glue by the compiler.
180 | |     drop_in_place(to_drop)
181 | | }}
    | |_^ pointer to alloc71242 was dereferenced after this allocation got freed
    |
    = help: this indicates a bug in the program: it performed an invalid operation, and caused Undefined Behavior
    = help: see https://doc.rust-lang.org/nightly/reference/behavior-considered-undefined.html for further information

    = note: inside call to `std::ptr::drop_in_place::<crossbeam_epoch::internal::Local> - shim(Some(crossbeam_epoch::internal::Local))` at {RUSTUP}/src/libcore/ptr/mod.rs:177:1
    = note: inside call to `crossbeam_epoch::internal::Local::finalize` at {OLDREG}/crossbeam-epoch-0.8.2/src/internal.rs:547:17
note: inside call to `tests::epoch` at src/lib.rs:30:5
   --> src/lib.rs:30:5
    |
30  |     drop(handle);
    |     ^^^^^^^^^^^^
    = note: inside call to closure at {RUSTUP}/src/libcore/ops/function.rs:232:5

error: aborting due to previous error

""" + MIRI_FAILED)

# ------------------------------------------------------------- Miri, help spans

case("miri-help-span-only-data-race-in-std",
     "help span shape of https://github.com/rust-lang/miri/blob/master/tests/fail/both_borrows/retag_data_race_write.stack.stderr",
     ["miri | data race | mycrate 0.1.0"],
     CARGO_MIRI + f"""\
test tests::drop_race ... error: Undefined Behavior: Data race detected between (1) non-atomic write on thread `unnamed-1` and (2) deallocation on thread `unnamed-2` at alloc8121. (2) just happened here
   --> {RUSTUP}/library/alloc/src/alloc.rs:117:14
    |
117 |     unsafe {{ __rust_dealloc(ptr, layout.size(), layout.align()) }}
    |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ Data race detected between (1) non-atomic write on thread `unnamed-1` and (2) deallocation on thread `unnamed-2` at alloc8121. (2) just happened here
    |
help: and (1) occurred earlier here
   --> src/lib.rs:12:5
    |
12  |     unsafe {{ *SHARED.0 = 1 }};
    |     ^^^^^^^^^^^^^^^^^^^^^^^^^^
""" + UB_HELP + f"""
    = note: BACKTRACE (of the first span) on thread `unnamed-2`:
    = note: inside `std::alloc::dealloc` at {RUSTUP}/library/alloc/src/alloc.rs:117:14: 117:64
    = note: inside `<std::alloc::Global as std::alloc::Allocator>::deallocate` at {RUSTUP}/library/alloc/src/alloc.rs:254:22: 254:51
    = note: inside `std::ptr::drop_in_place::<std::boxed::Box<i32>> - shim(Some(std::boxed::Box<i32>))` at {RUSTUP}/library/core/src/ptr/mod.rs:521:1: 521:56
    = note: inside `std::thread::Builder::spawn_unchecked_::<{{closure@std::sys::thread_local::guard::key::enable::run}}, ()>::{{closure#1}}` at {RUSTUP}/library/std/src/thread/mod.rs:559:30: 559:31

note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a verbose backtrace

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-help-span-only-log-cut-off",
     "https://github.com/MaterializeInc/materialize/issues/19980 (log ending inside the report)",
     ["miri | Stacked Borrows: retag | mycrate 0.1.0"],
     CARGO_MIRI + f"""\
test tests::push ... error: Undefined Behavior: trying to retag from <33421630> for SharedReadWrite permission at alloc12779458[0x0], but that tag does not exist in the borrow stack for this location
   --> {RUSTUP}/library/core/src/ptr/non_null.rs:375:18
    |
375 |         unsafe {{ &*self.as_ptr().cast_const() }}
    |                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    |                  |
    |                  trying to retag from <33421630> for SharedReadWrite permission at alloc12779458[0x0], but that tag does not exist in the borrow stack for this location
    |                  this error occurs as part of two-phase retag at alloc12779458[0x0..0x50]
    |
""" + SB_HELP + """
help: <33421630> was created by a SharedReadWrite retag at offsets [0x0..0x50]
   --> src/handles.rs:240:9
    |
240 |         self.push_buffer.cease();
    |         ^^^^^^^^^^^^^^^^^^^^^^^^""")

# ----------------------------------------------------------------- Miri, paths

case("miri-vendored-deps-folder",
     "https://github.com/rust-lang/miri/issues/1364 (frames), vendored sources under /deps",
     ["miri | dangling pointer | smallvec 1.11.0"],
     CARGO_MIRI + f"""\
test tests::grow ... error: Undefined Behavior: memory access failed: alloc232 has been freed, so this pointer is dangling
   --> {RUSTUP}/library/core/src/ptr/mod.rs:1297:9
    |
1297 |         crate::intrinsics::read_via_copy(src)
    |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ memory access failed: alloc232 has been freed, so this pointer is dangling
    |
""" + UB_HELP + f"""
    = note: BACKTRACE (of the first span) on thread `tests::grow`:
    = note: inside `std::ptr::read::<u8>` at {RUSTUP}/library/core/src/ptr/mod.rs:1297:9: 1297:46
    = note: inside `smallvec::SmallVec::<[u8; 8]>::grow` at /deps/smallvec-1.11.0/src/lib.rs:1156:17: 1156:39
note: inside `tests::grow`
   --> src/lib.rs:55:9
    |
55  |         v.grow(64);
    |         ^^^^^^^^^^

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-directory-registry",
     "https://github.com/rust-lang/rust/pull/142170; dependency from a directory registry (/registry)",
     ["miri | invalid pointer offset | bytes 1.5.0"],
     CARGO_MIRI + f"""\
test tests::split ... error: Undefined Behavior: in-bounds pointer arithmetic failed: attempting to offset pointer by 16 bytes, but got alloc2841 which is only 8 bytes from the end of the allocation
   --> /registry/bytes-1.5.0/src/bytes.rs:384:22
    |
384 |             self.ptr.add(at)
    |             ^^^^^^^^^^^^^^^^ Undefined Behavior occurred here
    |
""" + UB_HELP + f"""
    = note: BACKTRACE (of the first span) on thread `tests::split`:
    = note: inside `bytes::Bytes::split_off` at /registry/bytes-1.5.0/src/bytes.rs:384:22: 384:38
note: inside `tests::split`
   --> src/lib.rs:9:9
    |
9   |         b.split_off(16);
    |         ^^^^^^^^^^^^^^^

error: aborting due to 1 previous error

""" + MIRI_FAILED)

case("miri-unpacked-in-tmp",
     "https://github.com/rust-lang/rust/pull/142170 (saethlin's /tmp/arrayvec-0.7.6 paths)",
     ["miri | Stacked Borrows: write | arrayvec 0.7.6"],
     CARGO_MIRI + f"""\
test test_arraystring ... error: Undefined Behavior: attempting a write access using <296827> at alloc124998[0x4], but that tag does not exist in the borrow stack for this location
   --> {RUSTUP}/library/core/src/intrinsics/mod.rs:3325:9
    |
3325 |         copy_nonoverlapping(src, dst, count)
    |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    |
""" + SB_HELP + f"""
    = note: BACKTRACE (of the first span) on thread `test_arraystri`:
    = note: inside `std::intrinsics::copy_nonoverlapping::<u8>` at {RUSTUP}/library/core/src/intrinsics/mod.rs:3325:9: 3325:45
    = note: inside `arrayvec::ArrayString::<4>::try_push_str` at /tmp/arrayvec-0.7.6/src/array_string.rs:291:13: 291:56
note: inside `test_arraystring`
   --> tests/tests.rs:43:9
    |
43  |         s.try_push_str("hello").unwrap();
    |         ^^^^^^^^^^^^^^^^^^^^^^^

error: aborting due to 1 previous error

""" + MIRI_FAILED)

# ------------------------------------------------------------------------ ASan

ASAN_TAIL = """\

SUMMARY: AddressSanitizer: {kind} {loc} in {fn}
Shadow bytes around the buggy address:
  0x0c047fff7fb0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
=>0x0c047fff8000: fa fa fd fd fa fa fd fd fa fa[fd]fd fa fa fa fa
==4217==ABORTING
""" + ABORTED


def asan_tail(kind, loc, fn):
    return ASAN_TAIL.replace("{kind}", kind).replace("{loc}", loc).replace("{fn}", fn)


case("asan-use-after-free-dependency",
     "https://github.com/foyer-rs/foyer/issues/1139 (report layout); frames of https://github.com/servo/rust-smallvec/issues/ (smallvec 1.6.0 insert_many)",
     ["asan | use-after-free | smallvec 1.6.0"],
     CARGO_TEST + f"""\
=================================================================
==4217==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000058 at pc 0x55d5c1b8e029 bp 0x7ffd9c2a1f30 sp 0x7ffd9c2a1f28
READ of size 8 at 0x602000000058 thread T1
    #0 0x55d5c1b8e028 in core::ptr::read::<u64> {RUSTC}/library/core/src/ptr/mod.rs:1297:9
    #1 0x55d5c1b8cccc in smallvec::SmallVec<A>::insert_many::<core::iter::Map<..>> {OLDREG}/smallvec-1.6.0/src/lib.rs:1123:9
    #2 0x55d5c1b8e0b6 in mycrate::tests::insert_many {{closure}} /build/src/lib.rs:36:30
    #3 0x55d5c1b5a113 in core::ops::function::FnOnce::call_once {RUSTC}/library/core/src/ops/function.rs:250:5

0x602000000058 is located 8 bytes inside of 16-byte region [0x602000000050,0x602000000060)
freed by thread T1 here:
    #0 0x55d5c1b5e1f6 in free /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp:52:3
    #1 0x55d5c1b8d0aa in smallvec::SmallVec<A>::grow {OLDREG}/smallvec-1.6.0/src/lib.rs:851:17

previously allocated by thread T1 here:
    #0 0x55d5c1b5df84 in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp:67:3
""" + asan_tail("heap-use-after-free", f"{RUSTC}/library/core/src/ptr/mod.rs:1297:9",
                       "core::ptr::read::<u64>"),
     asan=True)

case("asan-heap-buffer-overflow-own",
     "captured from tests/crates/cah-heap-overflow (src/diagnosis/testdata/asan-heap-overflow.raw)",
     ["asan | heap-buffer-overflow | mycrate 0.1.0"],
     CARGO_TEST + f"""\
=================================================================
==4217==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000018 at pc 0x55d5c1b8e029 bp 0x7ffd4a0 sp 0x7ffd498
READ of size 1 at 0x602000000018 thread T1
    #0 0x55d5c1b8e028 in core::ptr::read_volatile::<u8> {RUSTC}/library/core/src/ptr/mod.rs:2107:9
    #1 0x55d5c1b8cccc in mycrate::tests::t /build/src/lib.rs:35:26
    #2 0x55d5c1b8e0b6 in mycrate::tests::t::{{closure#0}} /build/src/lib.rs:36:30

0x602000000018 is located 0 bytes after 8-byte region [0x602000000010,0x602000000018)
allocated by thread T1 here:
    #0 0x55d5c1b5df84 in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp:67:3
""" + asan_tail("heap-buffer-overflow", "/build/src/lib.rs:35:26", "mycrate::tests::t"),
     asan=True)

case("asan-stack-frames-without-source-first",
     "https://github.com/foyer-rs/foyer/issues/1139 (frames with only a module and offset)",
     ["asan | stack-buffer-overflow | memchr 2.7.4"],
     CARGO_TEST + f"""\
=================================================================
==4217==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffd4a0 at pc 0x55d5c1b8e029 bp 0x7ffd4a0 sp 0x7ffd498
READ of size 32 at 0x7ffd4a0 thread T1
    #0 0x558a43078b08  (/build/target/x86_64-unknown-linux-gnu/debug/deps/mycrate-e0932dfd3ff48a30+0xdc4b08) (BuildId: a1bf35a058700f1e22c6beaef0f94b8d3b8617e0)
    #1 0x55d5c1b8cccc in memchr::arch::x86_64::avx2::memchr::One::find_raw {REG}/memchr-2.7.4/src/arch/x86_64/avx2/memchr.rs:187:25
    #2 0x55d5c1b8e0b6 in mycrate::tests::find /build/src/lib.rs:52:13

Address 0x7ffd4a0 is located in stack of thread T1
""" + asan_tail("stack-buffer-overflow", "/build/src/lib.rs:52:13", "mycrate::tests::find"),
     asan=True)

case("asan-crate-under-test-with-runtime-frames",
     "https://github.com/gtk-rs/gtk-rs-core/pull/1111 (found by saethlin's ASan run of glib 0.17.9); frame shapes of https://github.com/google/autocxx/issues/844",
     ["asan | heap-buffer-overflow | glib 0.17.9"],
     CARGO_TEST + f"""\
=================================================================
==31337==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020000003f1 at pc 0x5581d4e8f2a9 bp 0x7f1c5c8fd3d0 sp 0x7f1c5c8fcb98
READ of size 9 at 0x6020000003f1 thread T3
    #0 0x5581d4e8f2a8 in __asan_memcpy /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_interceptors_memintrinsics.cpp:63:3
    #1 0x5581d4f7a1c2 in core::intrinsics::copy_nonoverlapping::<u8> {RUSTC}/library/core/src/intrinsics/mod.rs:3325:9
    #2 0x5581d4f6b0de in glib::gstring::GString::from_utf8_checked /build/src/gstring.rs:1412:17
    #3 0x5581d4f6c31a in glib::gstring::tests::gstring_from_utf8 /build/src/gstring.rs:2034:19
    #4 0x5581d4ea9b9a in __rust_try std.a87d9858-cgu.8
    #5 0x7fdb625437fc in __libc_start_main csu/../csu/libc-start.c:332:16

0x6020000003f1 is located 0 bytes after 1-byte region [0x6020000003f0,0x6020000003f1)
allocated by thread T3 here:
    #0 0x5581d4e90d5e in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp:69:3
""" + asan_tail("heap-buffer-overflow", "/rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_interceptors_memintrinsics.cpp:63:3",
                 "__asan_memcpy"),
     crate="glib", version="0.17.9", asan=True)

case("asan-dependency-through-stdarch",
     "https://github.com/shepmaster/jetscii/pull/55 (buffer overflows in find, found with ASan)",
     ["asan | heap-buffer-overflow | jetscii 0.5.2"],
     CARGO_TEST + f"""\
=================================================================
==2217==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x603000000a3c at pc 0x55f0c3b2e1d7 bp 0x7ffc1a6f2a10 sp 0x7ffc1a6f2a08
READ of size 16 at 0x603000000a3c thread T1
    #0 0x55f0c3b2e1d6 in core::core_arch::x86::sse2::_mm_loadu_si128 {RUSTC}/library/core/src/../../stdarch/crates/core_arch/src/x86/sse2.rs:1213:5
    #1 0x55f0c3b2e1d6 in jetscii::simd::Bytes::find /root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/jetscii-0.5.2/src/simd.rs:109:20
    #2 0x55f0c3b29a61 in mycrate::tests::split /build/src/lib.rs:64:22

0x603000000a3c is located 12 bytes inside of 28-byte region [0x603000000a30,0x603000000a4c)
allocated by thread T1 here:
    #0 0x55f0c3a9cd5e in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp:69:3
""" + asan_tail("heap-buffer-overflow", f"{RUSTC}/library/core/src/../../stdarch/crates/core_arch/src/x86/sse2.rs:1213:5",
                 "core::core_arch::x86::sse2::_mm_loadu_si128"),
     asan=True)

# ------------------------------------------------------- Rust's runtime checks

SHORT_BT_HEAD = f"""\
stack backtrace:
   0: rust_begin_unwind
             at {RUSTC}/library/std/src/panicking.rs:665:5
   1: core::panicking::panic_nounwind_fmt::runtime
             at {RUSTC}/library/core/src/panicking.rs:119:22
   2: core::panicking::panic_nounwind_fmt
             at {RUSTC}/library/core/src/intrinsics/mod.rs:3535:9
   3: core::panicking::panic_nounwind
             at {RUSTC}/library/core/src/panicking.rs:223:5"""

case("rust-precondition-backtrace-own",
     "https://github.com/mbrubeck/mediumvec/pull/16",
     ["rust | unsafe precondition violated: slice::get_unchecked | mediumvec 1.3.0"],
     CARGO_TEST.replace("running 3", "running 2") + """\
thread 'vec32::tests::it_works' panicked at library/core/src/panicking.rs:223:5:
unsafe precondition(s) violated: slice::get_unchecked requires that the index is within the slice

This indicates a bug in the program. This Undefined Behavior check is optional, and cannot be relied on for safety.
""" + SHORT_BT_HEAD + f"""
   4: core::slice::<impl [T]>::get_unchecked::precondition_check
             at {RUSTC}/library/core/src/ub_checks.rs:68:21
   5: core::slice::<impl [T]>::get_unchecked
             at {RUSTC}/library/core/src/slice/mod.rs:661:18
   6: mediumvec::vec32::Vec32<T>::pop
             at ./src/vec32.rs:113:22
   7: mediumvec::vec32::tests::it_works
             at ./src/vec32.rs:301:9
   8: mediumvec::vec32::tests::it_works::{{{{closure}}}}
             at ./src/vec32.rs:295:18
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
thread caused non-unwinding panic. aborting.
""" + ABORTED, crate="mediumvec", version="1.3.0")

case("rust-precondition-backtrace-dependency",
     "https://github.com/mbrubeck/mediumvec/pull/16 (backtrace), in a dependency from the registry",
     ["rust | unsafe precondition violated: ptr::copy_nonoverlapping | half 1.8.2"],
     CARGO_TEST + """\
thread 'tests::convert' panicked at library/core/src/panicking.rs:223:5:
unsafe precondition(s) violated: ptr::copy_nonoverlapping requires that both pointer arguments are aligned and non-null and the specified memory ranges do not overlap

This indicates a bug in the program. This Undefined Behavior check is optional, and cannot be relied on for safety.
""" + SHORT_BT_HEAD + f"""
   4: core::ptr::copy_nonoverlapping::precondition_check
             at {RUSTC}/library/core/src/ub_checks.rs:68:21
   5: core::ptr::copy_nonoverlapping
             at {RUSTC}/library/core/src/ub_checks.rs:75:17
   6: half::slice::convert_f32_slice
             at {REG}/half-1.8.2/src/slice.rs:131:14
   7: mycrate::tests::convert
             at ./src/lib.rs:20:9
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
thread caused non-unwinding panic. aborting.
""" + ABORTED)

case("rust-uninitialized-backtrace-dependency",
     "https://github.com/ggez/ggez/issues/832 and https://github.com/rust-lang/rust/issues/80485",
     ["rust | invalid mem::uninitialized | winit 0.24.0"],
     CARGO_TEST + f"""\
thread 'tests::window' panicked at 'attempted to leave type `platform::platform::x11::util::input::PointerState` uninitialized, which is invalid', {RUSTUP}/library/core/src/mem/mod.rs:659:9
stack backtrace:
   0: rust_begin_unwind
             at {RUSTC}/library/std/src/panicking.rs:493:5
   1: core::panicking::panic_fmt
             at {RUSTC}/library/core/src/panicking.rs:92:14
   2: core::panicking::panic
             at {RUSTC}/library/core/src/panicking.rs:50:5
   3: core::mem::uninitialized
             at {RUSTUP}/library/core/src/mem/mod.rs:659:9
   4: winit::platform_impl::platform::x11::util::input::<impl winit::platform_impl::platform::x11::xdisplay::XConnection>::query_pointer
             at {OLDREG}/winit-0.24.0/src/platform_impl/linux/x11/util/input.rs:96:46
   5: winit::platform_impl::platform::x11::EventProcessor<T>::process_event
             at {OLDREG}/winit-0.24.0/src/platform_impl/linux/x11/event_processor.rs:1194:43
   6: mycrate::tests::window
             at ./src/lib.rs:77:9
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
test tests::window ... FAILED
""" + ABORTED)

case("rust-zeroed-full-backtrace-own",
     "https://github.com/rust-lang/rust/pull/66059 (the check), full backtrace shape of https://github.com/PistonDevelopers/piston/issues/1361",
     ["rust | invalid mem::zeroed | mycrate 0.1.0"],
     CARGO_TEST + f"""\
thread 'tests::zeroed' panicked at library/core/src/panicking.rs:221:5:
attempted to zero-initialize type `std::ptr::NonNull<u8>`, which is invalid
stack backtrace:
   0:     0x560deea39f50 - std::backtrace_rs::backtrace::libunwind::trace::h3244117ea50123fe
                               at {RUSTC}/library/std/src/../../backtrace/src/backtrace/libunwind.rs:116:5
   1:     0x560deea39f50 - std::backtrace_rs::backtrace::trace_unsynchronized::h68c610493487144f
                               at {RUSTC}/library/std/src/../../backtrace/src/backtrace/mod.rs:66:5
   2:     0x560deea5b9bc - core::panicking::panic_nounwind::h2b7b0fc1ef2e7a3a
                               at {RUSTC}/library/core/src/panicking.rs:221:5
   3:     0x560deea0c1d2 - core::mem::zeroed::h9a5b4b70d56e1f2c
                               at {RUSTC}/library/core/src/mem/mod.rs:646:9
   4:     0x560deea0c2e5 - mycrate::Node::empty::h0c1f8d0a1b2c3d4e
                               at /build/src/node.rs:18:25
   5:     0x560deea0c3a1 - mycrate::tests::zeroed::h5f6e7d8c9b0a1f2e
                               at /build/src/lib.rs:90:17
   6:     0x560deea0c4b7 - core::ops::function::FnOnce::call_once::h1a2b3c4d5e6f7a8b
                               at {RUSTC}/library/core/src/ops/function.rs:250:5
thread caused non-unwinding panic. aborting.
""" + ABORTED)

case("rust-misaligned-in-std-backtrace-debian-registry",
     "https://github.com/facebookexperimental/hermit/issues/41 and https://github.com/ogham/rust-users/issues/55",
     ["rust | misaligned pointer dereference | users 0.11.0"],
     CARGO_TEST + f"""\
thread 'tests::groups' panicked at {RUSTC}/library/core/src/ptr/mod.rs:1287:9:
misaligned pointer dereference: address must be a multiple of 0x8 but is 0x562ad21b1269
stack backtrace:
   0: rust_begin_unwind
             at {RUSTC}/library/std/src/panicking.rs:597:5
   1: core::panicking::panic_fmt
             at {RUSTC}/library/core/src/panicking.rs:72:14
   2: core::panicking::panic_misaligned_pointer_dereference
             at {RUSTC}/library/core/src/panicking.rs:174:5
   3: core::ptr::read
             at {RUSTC}/library/core/src/ptr/mod.rs:1287:9
   4: users::base::members
             at /usr/share/cargo/registry/users-0.11.0/src/base.rs:922:21
   5: users::base::get_user_groups
             at /usr/share/cargo/registry/users-0.11.0/src/base.rs:780:5
   6: mycrate::tests::groups
             at ./src/lib.rs:15:20
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
thread caused non-unwinding panic. aborting.
""" + ABORTED)

case("rust-misaligned-direct-git-dependency",
     "https://github.com/facebookexperimental/hermit/issues/41",
     ["rust | misaligned pointer dereference | reverie"],
     CARGO_TEST + """\
thread 'tests::vdso' panicked at /cargo/git/checkouts/reverie-9a587e40a0d7d3be/e3c9782/safeptrace/src/memory.rs:171:34:
misaligned pointer dereference: address must be a multiple of 0x8 but is 0x562ad21b1269
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
thread caused non-unwinding panic. aborting.
""" + ABORTED)

case("rust-precondition-under-miri-abnormal-termination",
     "Miri running a crate whose precondition check fails: https://github.com/rust-lang/miri/issues/3497 shape",
     ["rust | unsafe precondition violated: slice::from_raw_parts | bytemuck 1.14.0"],
     CARGO_MIRI + f"""\
test tests::cast ... 
thread 'tests::cast' panicked at {RUSTUP}/library/core/src/panicking.rs:223:5:
unsafe precondition(s) violated: slice::from_raw_parts requires the pointer to be aligned and non-null, and the total size of the slice not to exceed `isize::MAX`

This indicates a bug in the program. This Undefined Behavior check is optional, and cannot be relied on for safety.
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
thread caused non-unwinding panic. aborting.
error: abnormal termination: the program aborted execution
   --> {RUSTUP}/library/std/src/sys/pal/unix/mod.rs:397:14
    |
397 |     unsafe {{ libc::abort() }}
    |              ^^^^^^^^^^^^^ the program aborted execution
    |
    = note: BACKTRACE:
    = note: inside `std::sys::pal::unix::abort_internal` at {RUSTUP}/library/std/src/sys/pal/unix/mod.rs:397:14: 397:27
    = note: inside `std::process::abort` at {RUSTUP}/library/std/src/process.rs:2394:5: 2394:36
    = note: inside `core::panicking::panic_nounwind` at {RUSTUP}/library/core/src/panicking.rs:223:5: 223:58
    = note: inside `std::slice::from_raw_parts::precondition_check` at {RUSTUP}/library/core/src/ub_checks.rs:68:21: 68:103
    = note: inside `std::slice::from_raw_parts::<'_, u32>` at {RUSTUP}/library/core/src/ub_checks.rs:75:17: 75:28
    = note: inside `bytemuck::cast_slice::<u8, u32>` at /registry/bytemuck-1.14.0/src/internal.rs:381:7: 381:62
note: inside `tests::cast`
   --> src/lib.rs:11:17
    |
11  |         let _ = bytemuck::cast_slice::<u8, u32>(&bytes[1..]);
    |                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

note: some details are omitted, run with `MIRIFLAGS=-Zmiri-backtrace=full` for a verbose backtrace

error: aborting due to 1 previous error

""" + MIRI_FAILED)


def main():
    for name, url, causes, body, crate, version, asan in CASES:
        ident = crate.replace("-", "_")
        text = body.replace("{crate}", crate).replace("{version}", version).replace("{ident}", ident)
        with open(f"{name}.log", "wb") as f:
            f.write(render(text, asan))
        with open(f"{name}.expect", "w") as f:
            f.write(f"# from {url}\n")
            f.write(f"crate {crate} {version}\n")
            for c in causes:
                f.write(f"cause {c}\n")
    print(f"{len(CASES)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
