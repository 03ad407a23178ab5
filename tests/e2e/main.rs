//! Chases end to end: the `chaser` binary, a real Temporal dev server, the SES emulator, and
//! SQLite or Postgres. Cadences run in seconds.

#![allow(clippy::unwrap_used)]

mod chase;
mod delivery;
mod import;
mod links;
mod modes;
mod startup;
mod support;
mod webhook;
mod window;
mod worker_kill;
