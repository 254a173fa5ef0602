//! Checks there is no network: /sys/class/net holds only `lo`, and a TCP
//! connect to 1.1.1.1:80 fails (with `--network none`: "Network is
//! unreachable (os error 101)").

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

    #[test]
    fn no_network() {
        let mut names: Vec<String> = match std::fs::read_dir("/sys/class/net") {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(error) => {
                say(&format!("interfaces: cannot read /sys/class/net: {error}"));
                Vec::new()
            }
        };
        names.sort();
        say(&format!("interfaces: {}", names.join(",")));

        let addr: std::net::SocketAddr = "1.1.1.1:80".parse().unwrap();
        let connect =
            std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2));
        match &connect {
            Ok(_) => say("connect 1.1.1.1:80: CONNECTED"),
            Err(error) => say(&format!("connect 1.1.1.1:80: {error}")),
        }

        assert_eq!(names, ["lo"], "network interfaces other than lo");
        assert!(
            connect.is_err(),
            "connected to 1.1.1.1:80: the network is reachable"
        );
        say("no network");
    }
}
