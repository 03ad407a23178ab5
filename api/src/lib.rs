//! What operators and integrations can do to chases. The CLI and the HTTP server share
//! `ops::Chaser`, so an action behaves the same whichever door it comes through.

pub mod http;
pub mod import;
pub mod one_tap;
pub mod ops;
pub mod pages;
pub mod signature;
pub mod webhook;
