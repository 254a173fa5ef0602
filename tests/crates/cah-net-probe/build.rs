//! Tries to reach the address in CAH_PROBE (the registry lookalike's
//! host:port) while the crate builds; says what happened as a cargo warning.
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

fn main() {
    println!("cargo:rerun-if-env-changed=CAH_PROBE");
    let target = std::env::var("CAH_PROBE").unwrap_or_else(|_| "127.0.0.1:9".to_string());
    let said = match target.to_socket_addrs().ok().and_then(|mut a| a.next()) {
        None => format!("probe {target}: cannot resolve"),
        Some(addr) => match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(mut stream) => {
                let _ = stream.write_all(b"GET /probe-from-build-script HTTP/1.0\r\n\r\n");
                format!("probe {target}: CONNECTED from build.rs")
            }
            Err(error) => format!("probe {target}: connection failed from build.rs: {error}"),
        },
    };
    println!("cargo:warning={said}");
}
