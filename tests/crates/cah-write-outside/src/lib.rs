//! Nothing here: the build script is the test (it always fails the build).

pub fn unreachable_in_the_sandbox() -> u32 {
    42
}
