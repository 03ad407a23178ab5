//! The real `InvoiceChase`, run by an in-process SDK worker against a Temporal dev server,
//! with fake activities bound to its activity definitions. The SDK has no time-skipping test
//! server, so cadences run in seconds: each signal and update's effect, continue-as-new
//! carrying everything, and the timers a re-plan cancels.

#![allow(clippy::unwrap_used)]

mod clock;
mod fakes;
mod harness;
mod server;

mod commands;
mod continue_as_new;
mod sending;
mod signals;
mod timers;
