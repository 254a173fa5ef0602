//! A test that prints a lot: CAH_CHATTY_MIB mebibytes (default 512) of
//! 128-byte lines straight to fd 1, uncaptured, then passes. The server must
//! stream such a log to the store without holding it in memory.

#[cfg(test)]
mod tests {
    extern "C" {
        fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    }

    fn write_all(mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = unsafe { write(1, bytes.as_ptr(), bytes.len()) };
            if n <= 0 {
                return;
            }
            bytes = &bytes[n as usize..];
        }
    }

    #[test]
    fn chatty() {
        let mib: usize = std::env::var("CAH_CHATTY_MIB")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512);
        let mut line = [b'x'; 128];
        line[127] = b'\n';
        let block: Vec<u8> = line.iter().copied().cycle().take(64 * 1024).collect();
        write_all(b"\nchatty: start\n");
        for _ in 0..mib * 16 {
            write_all(&block);
        }
        write_all(b"chatty: done\n");
    }
}
