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
pub mod signature;
pub mod sync;
pub mod webhook;
