//! Kills every process it can see except itself and PID 1: cargo, the agent,
//! anything else in the container. First prints `killing pid N (comm)` for
//! each and waits 1 s (so the lines reach the log), then SIGKILLs them all and
//! prints `killed N processes` (if anyone is still reading). In the sandbox
//! PID 1 is tini and the agent its child, so the container exits.
//!
//! Guard: refuses (fails without killing anything) unless it runs in the
//! crater-at-home worker: /etc/crater-at-home-worker exists (both worker
//! images write it) and PID 1 is tini. /.dockerenv alone is not enough: dev
//! machines and CI runners are often containers themselves.

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

    use std::time::Duration;

    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    const SIGKILL: i32 = 9;

    fn comm(pid: u32) -> String {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|c| c.trim_end().to_string())
            .unwrap_or_else(|_| "?".to_string())
    }

    fn in_worker() -> bool {
        std::path::Path::new("/etc/crater-at-home-worker").exists() && comm(1) == "tini"
    }

    #[test]
    fn kill_parents() {
        if !in_worker() {
            say("refusing to kill: not in a crater-at-home worker");
            panic!(
                "refusing to kill everything: not in a crater-at-home worker \
                 (/etc/crater-at-home-worker exists: {}, PID 1 is {:?}, not tini)",
                std::path::Path::new("/etc/crater-at-home-worker").exists(),
                comm(1)
            );
        }
        let me = std::process::id();
        let mut victims: Vec<u32> = std::fs::read_dir("/proc")
            .expect("read /proc")
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
            .filter(|&pid| pid != me && pid != 1)
            .collect();
        victims.sort();
        say(&format!(
            "pid {me} ({}) kills everything but itself and pid 1 ({})",
            comm(me),
            comm(1)
        ));
        for &pid in &victims {
            say(&format!("killing pid {pid} ({})", comm(pid)));
        }
        std::thread::sleep(Duration::from_secs(1));
        let mut killed = 0;
        let mut failures = Vec::new();
        for &pid in &victims {
            if unsafe { kill(pid as i32, SIGKILL) } == 0 {
                killed += 1;
            } else {
                failures.push(format!("pid {pid}: {}", std::io::Error::last_os_error()));
            }
        }
        say(&format!("killed {killed} processes"));
        for failure in &failures {
            say(&format!("could not kill {failure}"));
        }
    }
}
