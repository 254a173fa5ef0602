//! Run as the next job after `cah-daemon` in the same worker: checks that the
//! daemon is gone. Fails (listing what it found) if /tmp/cah-daemon-marker or
//! /build/cah-daemon-marker exists, now or 1 s later (the daemon rewrites them
//! every 200 ms), or if any process other than this one and its ancestors
//! has CAH_DAEMON_MODE=1 in its environment, argv[0] `cah-daemon-daemon`, or
//! the daemon's comm (`cah_daemon-<hash>`). Prints `no daemon left` and
//! passes otherwise.

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

    use std::collections::HashSet;
    use std::time::Duration;

    const MARKERS: &[&str] = &["/tmp/cah-daemon-marker", "/build/cah-daemon-marker"];

    fn check_markers(found: &mut Vec<String>) {
        for marker in MARKERS {
            if let Ok(text) = std::fs::read_to_string(marker) {
                found.push(format!(
                    "marker {marker} exists (daemon pid {})",
                    text.trim()
                ));
            } else if std::path::Path::new(marker).exists() {
                found.push(format!("marker {marker} exists"));
            }
        }
    }

    /// (comm, state, ppid) from /proc/PID/stat.
    fn stat(pid: u32) -> Option<(String, char, u32)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let comm = stat[open + 1..close].to_string();
        let mut fields = stat[close + 2..].split(' ');
        let state = fields.next()?.chars().next()?;
        let ppid = fields.next()?.parse().ok()?;
        Some((comm, state, ppid))
    }

    fn self_and_ancestors() -> HashSet<u32> {
        let mut set = HashSet::new();
        let mut pid = std::process::id();
        while pid != 0 && set.insert(pid) {
            pid = match stat(pid) {
                Some((_, _, ppid)) => ppid,
                None => break,
            };
        }
        set
    }

    fn scan_processes(found: &mut Vec<String>) {
        let skip = self_and_ancestors();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            found.push("cannot read /proc".to_string());
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if skip.contains(&pid) {
                continue;
            }
            let Some((comm, state, _)) = stat(pid) else {
                continue;
            };
            if state == 'Z' || state == 'X' {
                continue; // dead, waiting to be reaped
            }
            let mut why = Vec::new();
            if let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) {
                if environ
                    .split(|b| *b == 0)
                    .any(|kv| kv == b"CAH_DAEMON_MODE=1")
                {
                    why.push("CAH_DAEMON_MODE=1 in environ");
                }
            }
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
            if argv0 == b"cah-daemon-daemon" {
                why.push("argv[0] cah-daemon-daemon");
            }
            if comm.starts_with("cah_daemon-") {
                why.push("comm cah_daemon-*");
            }
            if !why.is_empty() {
                found.push(format!("pid {pid} ({comm}): {}", why.join(", ")));
            }
        }
    }

    #[test]
    fn no_daemon_left() {
        let mut found = Vec::new();
        check_markers(&mut found);
        std::thread::sleep(Duration::from_secs(1));
        check_markers(&mut found);
        scan_processes(&mut found);
        let mut seen = HashSet::new();
        found.retain(|what| seen.insert(what.clone()));
        if found.is_empty() {
            say("no daemon left");
            return;
        }
        for what in &found {
            say(&format!("daemon left: {what}"));
        }
        panic!("the cah-daemon daemon survived: {}", found.join("; "));
    }
}
