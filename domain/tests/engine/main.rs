//! The domain engine, end to end: worked examples, properties, and rules-doc errors.

#![allow(clippy::unwrap_used)]

mod classify;
mod delivery;
mod examples;
mod fixtures;
mod properties;
mod reports;
mod rules_errors;
