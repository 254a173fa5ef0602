//! Nothing to build: build.rs is the test.
