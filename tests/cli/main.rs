//! The `chaser` binary, end to end.

#![allow(clippy::unwrap_used)]

mod logs;
mod rules;
mod search_attributes;
