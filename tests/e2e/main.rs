//! Chases end to end: the `chaser` binary, a real Temporal dev server, the SES emulator, and
//! SQLite or Postgres. Cadences run in seconds.

#![allow(clippy::unwrap_used)]

mod chase;
mod import;
mod startup;
mod support;
mod webhook;
mod worker_kill;
