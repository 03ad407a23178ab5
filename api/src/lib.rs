//! The HTTP doors: webhooks, the owner's API, one-tap links, the review page and the inbound
//! lane. Each handler translates its input and calls `chaser_app`, so an action behaves the
//! same whichever door it comes through.

pub mod codec;
mod error;
pub mod hooks;
pub mod http;
pub mod inbound;
pub mod inbound_gate;
pub mod one_tap;
pub mod owner_api;
pub mod pages;
pub mod review;
pub mod sending;
pub mod server;
pub mod session;
mod signed;
pub mod state;
pub mod summary;
