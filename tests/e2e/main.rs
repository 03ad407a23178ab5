//! Chases end to end: the `chaser` binary, a real Temporal dev server, the SES emulator, and
//! SQLite or Postgres. Cadences run in seconds.

#![allow(clippy::unwrap_used)]

mod actions;
mod calendar;
mod chase;
mod cockpit;
mod codec;
mod delivery;
mod demo;
mod doors;
mod import;
mod inbound;
mod layouts;
mod links;
mod metrics;
mod modes;
mod one_writer;
mod payments;
mod promise;
mod restart;
mod review;
mod security;
mod sending;
mod startup;
mod stripe;
mod summary;
mod support;
mod sync;
mod webhook;
mod window;
mod worker_kill;
