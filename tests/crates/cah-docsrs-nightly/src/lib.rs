//! A crate whose docs.rs metadata (all-features) only builds on nightly.
#![cfg_attr(feature = "nightly", feature(allocator_api))]

/// The allocator collections use, named through the unstable allocator API.
#[cfg(feature = "nightly")]
pub type Allocator = std::alloc::Global;

pub fn answer() -> u32 {
    42
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers() {
        assert_eq!(super::answer(), 42);
    }
}
