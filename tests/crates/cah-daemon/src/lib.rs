//! Starts a daemon that outlives the test: fork, setsid, fork again, stdio to
//! /dev/null, and exec of this test binary with CAH_DAEMON_MODE=1 and argv[0]
//! `cah-daemon-daemon`, running only the ignored test `tests::daemon_loop`.
//! The daemon rewrites its pid into /tmp/cah-daemon-marker and
//! /build/cah-daemon-marker every 200 ms (for at most 10 minutes, so a run
//! outside the sandbox does not leak it forever). The test prints
//! `daemon started: pid N` and passes. `cah-daemon-check`, run next in the
//! same worker, fails if the daemon or its markers are still there.

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

    use std::ffi::{c_char, CString};
    use std::os::unix::ffi::OsStrExt;
    use std::time::{Duration, Instant};

    const MARKERS: &[&str] = &["/tmp/cah-daemon-marker", "/build/cah-daemon-marker"];
    const DAEMON_ARGV0: &str = "cah-daemon-daemon";
    const DAEMON_ENV: &str = "CAH_DAEMON_MODE";
    const DAEMON_LIFETIME: Duration = Duration::from_secs(600);

    extern "C" {
        fn fork() -> i32;
        fn setsid() -> i32;
        fn _exit(status: i32) -> !;
        fn execve(
            path: *const c_char,
            argv: *const *const c_char,
            envp: *const *const c_char,
        ) -> i32;
        fn open(path: *const c_char, flags: i32, ...) -> i32;
        fn dup2(oldfd: i32, newfd: i32) -> i32;
        fn close(fd: i32) -> i32;
        fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    }
    const O_RDWR: i32 = 2;

    /// (ppid, process group, session) from /proc/PID/stat.
    fn ids(pid: u32) -> Option<(u32, u32, u32)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
        Some((
            fields[1].parse().ok()?,
            fields[2].parse().ok()?,
            fields[3].parse().ok()?,
        ))
    }

    #[test]
    fn start_daemon() {
        for marker in MARKERS {
            let _ = std::fs::remove_file(marker);
        }
        // Everything the child needs is built before fork: after it, only
        // async-signal-safe calls (setsid, fork, open, dup2, close, execve, _exit).
        let exe = CString::new(std::env::current_exe().unwrap().as_os_str().as_bytes()).unwrap();
        let args: Vec<CString> = [
            DAEMON_ARGV0,
            "tests::daemon_loop",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ]
        .iter()
        .map(|a| CString::new(*a).unwrap())
        .collect();
        let mut env: Vec<CString> = std::env::vars_os()
            .filter(|(k, _)| k != DAEMON_ENV)
            .map(|(k, v)| {
                let mut kv = k.as_bytes().to_vec();
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                CString::new(kv).unwrap()
            })
            .collect();
        env.push(CString::new(format!("{DAEMON_ENV}=1")).unwrap());
        let mut argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        let mut envp: Vec<*const c_char> = env.iter().map(|e| e.as_ptr()).collect();
        envp.push(std::ptr::null());
        let dev_null = CString::new("/dev/null").unwrap();

        let child = unsafe { fork() };
        assert!(
            child >= 0,
            "fork failed: {}",
            std::io::Error::last_os_error()
        );
        if child == 0 {
            unsafe {
                setsid();
                if fork() != 0 {
                    _exit(0);
                }
                let fd = open(dev_null.as_ptr(), O_RDWR);
                if fd >= 0 {
                    dup2(fd, 0);
                    dup2(fd, 1);
                    dup2(fd, 2);
                    if fd > 2 {
                        close(fd);
                    }
                }
                execve(exe.as_ptr(), argv.as_ptr(), envp.as_ptr());
                _exit(127);
            }
        }
        let mut status = 0;
        unsafe { waitpid(child, &mut status, 0) };

        let deadline = Instant::now() + Duration::from_secs(10);
        let pid: u32 = loop {
            if let Ok(text) = std::fs::read_to_string(MARKERS[0]) {
                if let Ok(pid) = text.trim().parse() {
                    break pid;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not write {} within 10 s",
                MARKERS[0]
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        say(&format!("daemon started: pid {pid}"));
        let me = std::process::id();
        if let (Some((ppid, pgrp, sid)), Some((_, my_pgrp, my_sid))) = (ids(pid), ids(me)) {
            say(&format!(
                "daemon pid {pid}: parent {ppid}, process group {pgrp}, session {sid} \
                 (test pid {me}: process group {my_pgrp}, session {my_sid})"
            ));
            assert_ne!(sid, my_sid, "the daemon did not leave the test's session");
        }
    }

    /// The daemon's body; runs only in the re-executed binary.
    #[test]
    #[ignore = "the body of the daemon started by start_daemon"]
    fn daemon_loop() {
        if std::env::var_os(DAEMON_ENV).is_none() {
            return;
        }
        let pid = std::process::id().to_string() + "\n";
        let start = Instant::now();
        while start.elapsed() < DAEMON_LIFETIME {
            for marker in MARKERS {
                let _ = std::fs::write(marker, &pid);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
