//! The store's contract, run against SQLite and Postgres alike.

#![allow(clippy::unwrap_used)]

mod backends;
mod contract;
#[path = "../fixtures/mod.rs"]
mod fixtures;
mod sqlite;
