//! Tries to reach the address in CAH_PROBE (the registry lookalike's
//! host:port) from a test; fails the test if it connects.

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Duration;

    /// Straight to fd 2: libtest captures eprintln! of passing tests.
    fn say(line: &str) {
        extern "C" {
            fn write(fd: i32, buf: *const u8, count: usize) -> isize;
        }
        let text = format!("\n{line}\n");
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
    fn probe() {
        let target = std::env::var("CAH_PROBE").unwrap_or_else(|_| "127.0.0.1:9".to_string());
        let addr = target.to_socket_addrs().unwrap().next().unwrap();
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(mut stream) => {
                let _ = stream.write_all(b"GET /probe-from-test HTTP/1.0\r\n\r\n");
                panic!("probe {target}: CONNECTED from a test");
            }
            Err(error) => say(&format!("probe {target}: connection failed from a test: {error}")),
        }
    }
}
