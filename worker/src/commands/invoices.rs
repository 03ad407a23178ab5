//! One invoice's chase: `invoices`, `status`, `schedule`, and every command on a chase.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chaser_app::invoices::StateFilter;
use chaser_app::{Request, StatusSource};
use chaser_domain::schedule::PlannedStep;
use chaser_domain::{Command, Email, Resolution};
use jiff::Timestamp;

use super::{address, chaser, command, execute, number, state_text, when};
use crate::context::Context;

/// `chaser invoices [--state S] [--json]`: what the store holds.
pub async fn invoices(
    app: &Context,
    state: Option<StateFilter>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let invoices = chaser(app).invoices(state).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&invoices)?);
        return Ok(ExitCode::SUCCESS);
    }
    if invoices.is_empty() {
        println!("no invoices");
    }
    for i in &invoices {
        let next = i.next_touch.as_ref().map_or_else(String::new, |n| {
            format!("  next: {} at {}", n.step_id, when(n.at))
        });
        let overrides = if i.overrides.is_empty() {
            String::new()
        } else {
            format!("  owner overrides: {}", i.overrides.join(", "))
        };
        println!(
            "{:<16} {:<12} {:>18}  due {}  {}{next}{overrides}",
            i.number,
            i.state.as_str(),
            i.balance.grouped(),
            i.due_date,
            i.customer
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn status(app: &Context, invoice: &str, json: bool) -> anyhow::Result<ExitCode> {
    let (status, source) = chaser(app).status(&number(invoice)?).await?;
    if let StatusSource::Store(why) = &source {
        eprintln!("note: from the store, as the chase last wrote it ({why})");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} · {} · balance {}",
        status.invoice,
        status.state,
        status.balance.grouped()
    );
    match &status.next_touch {
        Some(next) => println!(
            "next: {} ({}) at {}",
            next.step_id,
            next.action.as_str(),
            when(next.at)
        ),
        None => println!("next: nothing planned"),
    }
    if let Some(until) = status.paused_until {
        println!("paused until {}", when(until));
    }
    if status.chasing_disabled {
        println!("reminders to the customer: off (escalations to the owner continue)");
    }
    if !status.overrides.is_empty() {
        println!(
            "owner overrides (kept whatever the source says): {}",
            status.overrides.fields().join(", ")
        );
    }
    println!(
        "pauses: {} used, {} days paused",
        status.pauses_used, status.paused_days_used
    );
    if let Some(last) = status.pay_clicks.last() {
        println!(
            "pay link opened {} time(s), last at {}",
            status.pay_clicks.len(),
            when(*last)
        );
    }
    if status.sends.is_empty() {
        println!("sends: none yet");
    } else {
        println!("sends:");
        for s in &status.sends {
            let to: Vec<&str> = s.recipients.iter().map(Email::as_str).collect();
            let extra = s.message_id.as_deref().or(s.note.as_deref()).unwrap_or("");
            let mut state = state_text(&s.state);
            if s.dismissed {
                state.push_str(" (dismissed)");
            }
            println!(
                "  {}  {:<14} {:<24} {}  {}",
                when(s.at),
                s.step_id,
                state,
                to.join(", "),
                extra
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn step_line(step: &PlannedStep) -> String {
    let local = step
        .zone
        .tz()
        .to_datetime(step.at)
        .strftime("%Y-%m-%d %H:%M");
    format!(
        "  {:<14} {:<12} {:<8} {} {:<20} {}",
        step.id,
        step.action.as_str(),
        step.tone.as_str(),
        local,
        step.zone.name(),
        state_text(&step.state)
    )
}

pub async fn schedule(app: &Context, invoice: &str, json: bool) -> anyhow::Result<ExitCode> {
    let schedule = chaser(app).schedule(&number(invoice)?).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&schedule)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{invoice}: {} steps", schedule.steps.len());
    for step in &schedule.steps {
        println!("{}", step_line(step));
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn paid(
    app: &Context,
    invoice: &str,
    reference: Option<String>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let paid = command(Command::Paid {
        paid_at: Some(Timestamp::now()),
        reference,
    });
    execute(app, invoice, paid, by, "marked paid; the chase stops").await
}

pub async fn payment(
    app: &Context,
    invoice: &str,
    amount: &str,
    reference: Option<String>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let request = Request::Payment {
        amount: amount.to_owned(),
        reference,
    };
    execute(app, invoice, request, by, "payment recorded").await
}

pub async fn pause(
    app: &Context,
    invoice: &str,
    days: Option<u32>,
    until: Option<&str>,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let request = Request::Pause {
        days,
        until: until.map(str::to_owned),
        reason,
    };
    execute(app, invoice, request, by, "paused").await
}

pub async fn resume(app: &Context, invoice: &str, by: &str) -> anyhow::Result<ExitCode> {
    execute(app, invoice, command(Command::Resume), by, "resumed").await
}

pub async fn dispute(
    app: &Context,
    invoice: &str,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let dispute = command(Command::Dispute { reason });
    execute(
        app,
        invoice,
        dispute,
        by,
        "disputed; sending stops until resolved",
    )
    .await
}

pub async fn resolve(
    app: &Context,
    invoice: &str,
    resolution: Resolution,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let done = match resolution {
        Resolution::Resume => "dispute resolved; the chase resumes",
        Resolution::Writeoff => "dispute resolved; written off",
    };
    let resolve = command(Command::Resolve { resolution, reason });
    execute(app, invoice, resolve, by, done).await
}

pub async fn writeoff(
    app: &Context,
    invoice: &str,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let writeoff = command(Command::Writeoff { reason });
    execute(app, invoice, writeoff, by, "written off; the chase ends").await
}

pub async fn resend(
    app: &Context,
    invoice: &str,
    step: &str,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let resend = command(Command::Resend {
        step_id: step.to_owned(),
    });
    let done = format!("{step} will be sent again at the next opening of the send window");
    execute(app, invoice, resend, by, &done).await
}

/// `chaser hold INV [STEP] [--until DAY|INSTANT]`: the defaults are the chase's next step and
/// the same time tomorrow.
pub async fn hold(
    app: &Context,
    invoice: &str,
    step: Option<String>,
    until: Option<&str>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let until = until.map(|u| chaser(app).hold_until(u)).transpose()?;
    execute(app, invoice, Request::Hold { step, until }, by, "held").await
}

pub async fn dismiss(
    app: &Context,
    invoice: &str,
    step: &str,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let dismiss = command(Command::Dismiss {
        step_id: step.to_owned(),
    });
    let done = format!("{step} dismissed: it is not sent again, and the chase goes on");
    execute(app, invoice, dismiss, by, &done).await
}

/// `chaser contacts INV [ADDRESS...]`: reminders go to these addresses instead of the
/// contacts' roles; with none, back to the roles.
pub async fn contacts(
    app: &Context,
    invoice: &str,
    to: &[String],
    by: &str,
) -> anyhow::Result<ExitCode> {
    let to: Vec<Email> = to.iter().map(|a| address(a)).collect::<Result<_, _>>()?;
    let done = if to.is_empty() {
        "reminders go to the contacts' roles again".to_owned()
    } else {
        let list: Vec<&str> = to.iter().map(Email::as_str).collect();
        format!(
            "reminders go to {}; an import or sync never changes this",
            list.join(", ")
        )
    };
    execute(app, invoice, command(Command::Contacts { to }), by, &done).await
}

pub async fn void(
    app: &Context,
    invoice: &str,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let void = command(Command::Void { reason });
    execute(app, invoice, void, by, "void; the chase ends").await
}

pub async fn promise(
    app: &Context,
    invoice: &str,
    pay_by: jiff::civil::Date,
    note: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let request = Request::Promise {
        pay_by: Some(pay_by),
        within_days: None,
        until: None,
        note,
    };
    let done = format!(
        "promised by {pay_by}; the chase waits, and resumes one rung firmer if the day passes unpaid"
    );
    execute(app, invoice, request, by, &done).await
}

pub async fn reschedule(
    app: &Context,
    invoice: &str,
    file: &Path,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let steps = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    let request = Request::Reschedule {
        steps,
        source: name,
    };
    execute(app, invoice, request, by, "rescheduled").await
}

pub async fn set_chasing(
    app: &Context,
    invoice: &str,
    on: bool,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let (request, done) = if on {
        (command(Command::Enable), "chasing enabled")
    } else {
        (
            command(Command::Disable),
            "chasing disabled: no reminders reach the customer; escalations to you continue",
        )
    };
    execute(app, invoice, request, by, done).await
}
