//! Support for the end-to-end tests: a real Temporal dev server and SES emulator (started
//! once per test binary, on free ports), and per-test chasers (config, rules doc, database and
//! a `chaser worker` process) driven through the real binary.
//!
//! Services run in their own process groups with a watchdog that kills them when the test
//! process exits, so nothing outlives `cargo test`, and free ports mean tests never collide
//! with a running `make demo`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

pub mod aws_fake;
mod harness;
mod histories;
mod http;
mod mail;
mod process;
mod stack;

pub use harness::*;
pub use histories::*;
pub use http::*;
pub use mail::*;
pub use process::*;
pub use stack::*;
