//! Allocates 1.5 GiB (`CAH_BIG_ALLOC_MIB`, default 1536), touches every
//! page, holds it for a second, then frees it and passes. The job's peak
//! memory must show it; the next job in the same worker must not.

#[cfg(test)]
mod tests {
    /// Writes `line` and a newline straight to fd 2 with write(2), so it is
    /// live in the pty log (libtest captures print!/eprint!). The first
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

    const PAGE: usize = 4096;

    #[test]
    fn big_alloc() {
        let mib: usize = std::env::var("CAH_BIG_ALLOC_MIB")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(1536);
        let size = mib << 20;
        let mut block: Vec<u8> = Vec::with_capacity(size);
        let p = block.as_mut_ptr();
        for offset in (0..size).step_by(PAGE) {
            unsafe { p.add(offset).write_volatile(1) };
        }
        say(&format!("big-alloc: touched {mib} MiB"));
        std::thread::sleep(std::time::Duration::from_secs(1));
        std::hint::black_box(&block);
        drop(block);
        say("big-alloc: freed");
    }
}
