//! Tries to write outside /build from a build script. In the sandbox every
//! attempt must fail with "Read-only file system" (or "No such file or
//! directory" where the parent is not there). The build fails either way; the
//! panic message says which case happened. cargo prints the script's stdout
//! (the `escape ...` lines) under `--- stdout` when the script fails.
use std::fs;

const TARGETS: &[&str] = &[
    "/etc/cah-escape",
    "/usr/cah-escape",
    "/opt/rustup/cah-escape",
    "/usr/share/cargo/registry/cah-escape",
    "/cah-escape",
    "/var/tmp/cah-escape",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut escaped = Vec::new();
    for path in TARGETS {
        match fs::write(path, b"written by the cah-write-outside build script\n") {
            Ok(()) => {
                println!("escape {path}: written");
                println!("ESCAPED {path}");
                escaped.push(*path);
                // Do not leave litter behind (think of a run outside the sandbox).
                let _ = fs::remove_file(path);
            }
            Err(error) => println!("escape {path}: {error}"),
        }
    }
    if !escaped.is_empty() {
        panic!("build script wrote outside /build: {}", escaped.join(", "));
    }
    panic!("all writes outside /build were refused");
}
