//! The operator commands. Each parses its arguments, calls the application layer
//! (`chaser_app`), and prints a readable answer (or JSON with `--json`). Errors come back as
//! clear messages.

use std::process::ExitCode;
use std::sync::Arc;

use chaser_app::{AppError, Chaser, Outcome, Request};
use chaser_domain::schedule::StepState;
use chaser_domain::{Command, Email, InvoiceNumber};
use jiff::Timestamp;

use crate::context::Context;

mod imports;
mod invoices;
mod reports;
mod review;
mod rules;
mod sending;

pub use self::imports::*;
pub use self::invoices::*;
pub use self::reports::*;
pub use self::review::*;
pub use self::rules::*;
pub use self::sending::*;

fn chaser(app: &Context) -> Chaser {
    Chaser::new(
        app.temporal.clone(),
        app.store.clone(),
        Arc::new(app.rules.clone()),
        app.config.temporal.task_queue.clone(),
    )
    .with_policy(app.policy())
}

fn number(text: &str) -> anyhow::Result<InvoiceNumber> {
    InvoiceNumber::parse(text)
        .map_err(|e| anyhow::anyhow!("`{text}` is not an invoice number: {e}"))
}

fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn state_text(state: &StepState) -> String {
    match state {
        StepState::Pending => "pending".to_owned(),
        StepState::Done => "done".to_owned(),
        StepState::Failed { error } => format!("failed: {error}"),
        StepState::Uncertain { reason } => format!("uncertain: {reason}"),
        StepState::Skipped { reason } => format!(
            "skipped ({})",
            serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
    }
}

/// Runs one command through the application layer and says what became of it: done, or
/// accepted for later (exit 0); refused, with the reason (exit 1).
async fn execute(
    app: &Context,
    invoice: &str,
    request: Request,
    by: &str,
    done: &str,
) -> anyhow::Result<ExitCode> {
    let number = number(invoice)?;
    match chaser(app).execute(&number, request, by, None).await {
        Ok(Outcome::Accepted { why }) => {
            println!("{number}: {why}");
            Ok(ExitCode::SUCCESS)
        }
        Ok(Outcome::Done {
            paused_until: Some(until),
            pauses_used,
            state,
            ..
        }) if state == chaser_domain::ChaseState::Paused && done == "paused" => {
            println!(
                "{number}: paused until {} ({pauses_used} pause(s) used)",
                when(until)
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(Outcome::Done { detail, .. }) if done == "rescheduled" || done == "held" => {
            println!("{number}: {done}: {}", detail.unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Ok(Outcome::Done {
            detail, balance, ..
        }) if done == "payment recorded" => {
            println!(
                "{number}: payment recorded: {}; balance {}",
                detail.unwrap_or_default(),
                balance.grouped()
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(_) => {
            println!("{number}: {done}");
            Ok(ExitCode::SUCCESS)
        }
        Err(AppError::Refused(reason)) => {
            eprintln!("{number}: {reason}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

fn command(c: Command) -> Request {
    Request::Command(c)
}

fn address(text: &str) -> anyhow::Result<Email> {
    Email::parse(text).map_err(|e| anyhow::anyhow!("`{text}` is not an e-mail address: {e}"))
}
