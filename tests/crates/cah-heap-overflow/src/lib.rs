//! Reads one byte past the end of an 8-byte heap buffer. Without a sanitizer
//! the test passes (the byte is malloc padding). With AddressSanitizer:
//!   RUSTFLAGS=-Zsanitizer=address cargo +nightly test --target x86_64-unknown-linux-gnu
//! it must abort with `ERROR: AddressSanitizer: heap-buffer-overflow`.

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
    #[allow(clippy::useless_vec)] // the buffer must be on the heap
    fn heap_buffer_overflow() {
        let v = vec![1u8; 8];
        let p = v.as_ptr();
        say("reading 1 byte past the end of an 8-byte heap buffer");
        let x = unsafe { std::ptr::read_volatile(p.add(8)) };
        say(&format!("read past the end: {x} (no sanitizer caught it)"));
    }
}
