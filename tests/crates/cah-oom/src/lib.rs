//! Allocates memory in 64 MiB chunks, touching every page, printing
//! `allocated N MiB` after each chunk, up to 64 GiB. Under a cgroup memory
//! limit the kernel OOM killer must SIGKILL it (cargo then reports
//! "signal: 9, SIGKILL: kill"). Reaching 64 GiB fails the test.

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

    const CHUNK: usize = 64 << 20;
    const LIMIT: usize = 64 << 30;
    const PAGE: usize = 4096;

    #[test]
    fn oom() {
        say("allocating 64 MiB chunks until OOM-killed");
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        let mut total = 0usize;
        while total < LIMIT {
            let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK);
            let p = chunk.as_mut_ptr();
            for offset in (0..CHUNK).step_by(PAGE) {
                unsafe { p.add(offset).write_volatile(1) };
            }
            chunks.push(chunk);
            total += CHUNK;
            say(&format!("allocated {} MiB", total >> 20));
        }
        std::hint::black_box(&chunks);
        panic!("allocated {} GiB without being OOM-killed", total >> 30);
    }
}
