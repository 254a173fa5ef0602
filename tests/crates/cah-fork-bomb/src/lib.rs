//! Spawns `sleep 1000` children until spawning fails (the pids limit), prints
//! `fork failed after N processes: <error>` (EAGAIN: "Resource temporarily
//! unavailable (os error 11)") and fails with the panic `pids limit reached`.
//! The children ignore SIGHUP (so the end of the pty session does not take
//! them down) and are left running for the sandbox to kill. Safety valve for
//! runs without a pids limit: after MAX_CHILDREN it kills its children and
//! fails with `no pids limit`.

#[cfg(test)]
mod tests {
    /// Writes `line` and a newline straight to fd 2 with write(2). libtest
    /// captures only print!/eprint! output (and panic messages), so this
    /// appears live in the terminal log of a plain `cargo test`. The first
    /// call starts with a newline: libtest has already printed
    /// "test tests::NAME ... " without one.
    fn say(line: &str) {
        extern "C" {
            fn write(fd: i32, buf: *const u8, count: usize) -> isize;
        }
        static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let lead = if SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
            ""
        } else {
            "\n"
        };
        let text = format!("{lead}{line}\n");
        let mut rest = text.as_bytes();
        while !rest.is_empty() {
            let n = unsafe { write(2, rest.as_ptr(), rest.len()) };
            if n <= 0 {
                return;
            }
            rest = &rest[n as usize..];
        }
    }

    const MAX_CHILDREN: usize = 5000;

    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGHUP: i32 = 1;
    const SIG_IGN: usize = 1;

    #[test]
    fn fork_bomb() {
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};
        say("spawning `sleep 1000` children until the pids limit");
        let mut children: Vec<std::process::Child> = Vec::new();
        loop {
            if children.len() >= MAX_CHILDREN {
                for child in &mut children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                say(&format!("no pids limit: spawned {MAX_CHILDREN} processes"));
                panic!("no pids limit: spawned {MAX_CHILDREN} processes without an error");
            }
            let mut command = Command::new("sleep");
            command
                .arg("1000")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SIG_IGN survives exec. signal() is async-signal-safe.
            unsafe {
                command.pre_exec(|| {
                    signal(SIGHUP, SIG_IGN);
                    Ok(())
                });
            }
            let spawned = command.spawn();
            match spawned {
                Ok(child) => {
                    children.push(child);
                    if children.len() % 50 == 0 {
                        say(&format!("spawned {} processes", children.len()));
                    }
                }
                Err(error) => {
                    say(&format!(
                        "fork failed after {} processes: {error}",
                        children.len()
                    ));
                    // Leave the children running: cleaning up is the sandbox's job.
                    std::mem::forget(children);
                    panic!("pids limit reached");
                }
            }
        }
    }
}
