//! What operators and integrations can do to chases. The CLI and the HTTP server share
//! `ops::Chaser`, so an action behaves the same whichever door it comes through.

pub mod hooks;
pub mod http;
pub mod inbound;
pub mod one_tap;
pub mod ops;
pub mod owner_api;
pub mod pages;
pub mod payments;
pub mod reports;
pub mod review;
pub mod sheet;
pub mod sync;

// The webhook bodies and signatures are read in `chaser-intake` (pure, so they are fuzzed);
// these keep the paths `chaser_api::signature` and `crate::webhook` working.
pub use chaser_intake::{signature, webhook};
