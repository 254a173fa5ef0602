//! Tries to change a tool's setup (mounted read-only at /opt/setup) from a
//! build script: overwrite the marker, add a file, remove the marker. In the
//! sandbox every attempt must fail with "Read-only file system". The build
//! fails either way, so that cargo prints these lines (under `--- stdout`).
use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut changed = Vec::new();
    let attempts: [(&str, fn() -> std::io::Result<()>); 3] = [
        ("overwrite /opt/setup/marker", || fs::write("/opt/setup/marker", b"changed by a crate\n")),
        ("create /opt/setup/cah-planted", || fs::write("/opt/setup/cah-planted", b"planted\n")),
        ("remove /opt/setup/marker", || fs::remove_file("/opt/setup/marker")),
    ];
    for (what, attempt) in attempts {
        match attempt() {
            Ok(()) => {
                println!("write-setup {what}: done");
                println!("SETUP CHANGED {what}");
                changed.push(what);
            }
            Err(error) => println!("write-setup {what}: {error}"),
        }
    }
    if !changed.is_empty() {
        panic!("build script changed the tool setup: {}", changed.join(", "));
    }
    panic!("all writes to /opt/setup were refused");
}
