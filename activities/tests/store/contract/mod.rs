//! What every backend must do, by part of the store.

mod audit;
mod commands;
mod guardrails;
mod invoices;
mod outbox;
