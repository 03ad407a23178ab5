//! The operator commands. Each parses its arguments, calls `chaser_api::ops`, and prints a
//! readable answer (or JSON with `--json`). Errors come back as clear messages.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use chaser_activities::mail::SesMailer;
use chaser_activities::suppression;
use chaser_api::import::{Defaults, read_csv};
use chaser_api::ops::{Action, Chaser, Decided, Ingested};
use chaser_domain::schedule::{PlannedStep, StepState};
use chaser_domain::{Currency, Email, InvoiceNumber, Money, Rules};
use chaser_workflows::contracts::{
    DisputeSignal, PaidSignal, PauseReply, PauseSignal, PaymentSignal, Resolution, ResolveSignal,
    ResumeSignal, WriteoffSignal,
};
use jiff::Timestamp;

use crate::Context;

fn chaser(app: &Context) -> Chaser {
    Chaser::new(
        app.client.clone(),
        app.store.clone(),
        Arc::new(app.rules.clone()),
        app.config.temporal.task_queue.clone(),
    )
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
        StepState::Skipped { reason } => format!(
            "skipped ({})",
            serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
    }
}

pub fn rules_check(file: &Path) -> anyhow::Result<ExitCode> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    match Rules::from_toml(&source, &file.display().to_string()) {
        Ok(rules) => {
            let c = &rules.company;
            let mut out = format!(
                "{}: ok\ncompany: {} · send {} · quiet {} · min gap {} · catch-up {}\n",
                file.display(),
                c.time_zone,
                c.send_hour,
                c.quiet_hours.map_or("none".to_owned(), |q| q.to_string()),
                c.min_gap,
                c.catch_up.as_str(),
            );
            for cadence in std::iter::once(&rules.default_cadence).chain(rules.cadences.values()) {
                out.push_str(&format!("cadence {}:\n", cadence.name));
                for step in &cadence.steps {
                    out.push_str(&format!(
                        "  {:<14} {:<36} {:<12} {:<8} {}\n",
                        step.id,
                        step.trigger.to_string(),
                        step.action.as_str(),
                        step.tone.as_str(),
                        step.template
                    ));
                }
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} problem(s) in {}", errors.0.len(), file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn import(app: &Context, file: &Path, by: &str) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let input = std::fs::File::open(file).with_context(|| format!("cannot read {name}"))?;
    let email = &app.config.email;
    let defaults = Defaults {
        currency: email
            .default_currency
            .as_deref()
            .map(Currency::parse)
            .transpose()
            .context("email.default_currency")?,
        owner_email: email
            .default_owner
            .as_deref()
            .map(Email::parse)
            .transpose()
            .context("email.default_owner")?,
    };
    let (rows, rejected) = read_csv(input, &name, &defaults)?;
    let chaser = chaser(app);
    let (mut started, mut updated, mut paid, mut unchanged) = (0, 0, 0, 0);
    let mut problems: Vec<String> = rejected.iter().map(ToString::to_string).collect();
    for row in rows {
        let number = row.incoming.invoice.number.clone();
        match chaser.ingest(row.incoming, by).await {
            Ok(Ingested::Started) => started += 1,
            Ok(Ingested::Updated(_)) => updated += 1,
            Ok(Ingested::Paid) => paid += 1,
            Ok(Ingested::Unchanged) => unchanged += 1,
            Ok(Ingested::Conflict(why)) => {
                problems.push(format!("line {}: {number}: flagged: {why}", row.line))
            }
            Err(e) => problems.push(format!("line {}: {number}: {e}", row.line)),
        }
    }
    println!(
        "{name}: {started} started, {updated} updated, {paid} paid, {unchanged} unchanged, {} rejected",
        problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub async fn status(app: &Context, invoice: &str, json: bool) -> anyhow::Result<ExitCode> {
    let status = chaser(app).status(&number(invoice)?).await?;
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
            println!(
                "  {}  {:<14} {:<24} {}  {}",
                when(s.at),
                s.step_id,
                state_text(&s.state),
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

async fn act(app: &Context, invoice: &str, action: Action, done: &str) -> anyhow::Result<ExitCode> {
    let number = number(invoice)?;
    chaser(app).act(&number, action).await?;
    println!("{number}: {done}");
    Ok(ExitCode::SUCCESS)
}

pub async fn paid(
    app: &Context,
    invoice: &str,
    reference: Option<String>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let signal = PaidSignal {
        paid_at: Some(Timestamp::now()),
        reference,
        by: by.to_owned(),
    };
    act(
        app,
        invoice,
        Action::Paid(signal),
        "marked paid; the chase stops",
    )
    .await
}

pub async fn payment(
    app: &Context,
    invoice: &str,
    amount: &str,
    reference: Option<String>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let number = number(invoice)?;
    let stored = app
        .store
        .invoice(&number.normalized())
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("unknown invoice `{number}`: no chase has been started for it")
        })?;
    let amount = Money::parse(amount, stored.invoice.amount.currency())
        .map_err(|e| anyhow::anyhow!("amount: {e}"))?;
    let signal = PaymentSignal {
        amount,
        paid_at: Some(Timestamp::now()),
        reference,
        by: by.to_owned(),
    };
    act(
        app,
        invoice,
        Action::Payment(signal),
        &format!("payment of {} recorded", amount.grouped()),
    )
    .await
}

pub async fn pause(
    app: &Context,
    invoice: &str,
    days: Option<u32>,
    until: Option<&str>,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let until = until
        .map(|text| {
            text.parse::<Timestamp>()
                .or_else(|_| {
                    text.parse::<jiff::civil::Date>()
                        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
                        .map(|z| z.timestamp())
                })
                .map_err(|_| {
                    anyhow::anyhow!(
                        "--until `{text}` is not a date (YYYY-MM-DD) or an instant (RFC 3339)"
                    )
                })
        })
        .transpose()?;
    let number = number(invoice)?;
    let request = PauseSignal {
        until,
        days,
        reason,
        by: by.to_owned(),
    };
    match chaser(app).pause(&number, request).await? {
        PauseReply::Paused { until, pauses_used } => {
            println!(
                "{number}: paused until {} ({pauses_used} pause(s) used)",
                when(until)
            );
            Ok(ExitCode::SUCCESS)
        }
        PauseReply::Refused { reason } => {
            eprintln!("{number}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn resume(app: &Context, invoice: &str, by: &str) -> anyhow::Result<ExitCode> {
    act(
        app,
        invoice,
        Action::Resume(ResumeSignal { by: by.to_owned() }),
        "resumed",
    )
    .await
}

pub async fn dispute(
    app: &Context,
    invoice: &str,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    act(
        app,
        invoice,
        Action::Dispute(DisputeSignal {
            reason,
            by: by.to_owned(),
        }),
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
    act(
        app,
        invoice,
        Action::Resolve(ResolveSignal {
            resolution,
            reason,
            by: by.to_owned(),
        }),
        done,
    )
    .await
}

pub async fn writeoff(
    app: &Context,
    invoice: &str,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    act(
        app,
        invoice,
        Action::Writeoff(WriteoffSignal {
            reason,
            by: by.to_owned(),
        }),
        "written off; the chase ends",
    )
    .await
}

pub async fn resend(
    app: &Context,
    invoice: &str,
    step: &str,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let number = number(invoice)?;
    chaser(app).resend(&number, step, by).await?;
    println!("{number}: {step} will be sent again at the next opening of the send window");
    Ok(ExitCode::SUCCESS)
}

pub async fn approvals(app: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let waiting = app.store.pending_approvals().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&waiting)?);
        return Ok(ExitCode::SUCCESS);
    }
    if waiting.is_empty() {
        println!("no message waits for approval");
    }
    for a in &waiting {
        println!(
            "{:<16} {:<14} to {:<32} expires {}  {}",
            a.invoice,
            a.message_key,
            recipients_text(&a.recipients),
            when(a.expires_at),
            a.subject
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn decide(
    app: &Context,
    invoice: &str,
    message: Option<&str>,
    approved: bool,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let number = number(invoice)?;
    let waiting: Vec<_> = app
        .store
        .pending_approvals()
        .await?
        .into_iter()
        .filter(|a| a.invoice == number.normalized())
        .filter(|a| message.is_none_or(|m| a.message_key == m))
        .collect();
    let approval = match waiting.as_slice() {
        [one] => one,
        [] => anyhow::bail!(
            "{number}: no message{} waits for approval (see `chaser approvals`)",
            message.map(|m| format!(" `{m}`")).unwrap_or_default()
        ),
        several => {
            let keys: Vec<&str> = several.iter().map(|a| a.message_key.as_str()).collect();
            anyhow::bail!(
                "{number}: several messages wait ({}): name one, e.g. `chaser approve {number} {}`",
                keys.join(", "),
                keys[0]
            )
        }
    };
    match chaser(app).decide(&approval.id, approved, by).await? {
        Decided::Done if approved => println!(
            "{number}: {} approved; it goes out at the next opening of the send window",
            approval.message_key
        ),
        Decided::Done => println!(
            "{number}: {} rejected; it will not be sent",
            approval.message_key
        ),
        Decided::NotWaiting(status) => {
            anyhow::bail!(
                "{number}: {} is no longer waiting: it is {status}",
                approval.message_key
            )
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn address(text: &str) -> anyhow::Result<Email> {
    Email::parse(text).map_err(|e| anyhow::anyhow!("`{text}` is not an e-mail address: {e}"))
}

pub async fn suppress(
    app: &Context,
    text: &str,
    reason: &str,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let email = address(text)?;
    if app
        .store
        .suppress(email.as_str(), reason, by, None, Timestamp::now())
        .await?
    {
        println!("{email}: suppressed; nothing will be sent to it");
    } else {
        println!("{email}: already suppressed");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn unsuppress(app: &Context, text: &str) -> anyhow::Result<ExitCode> {
    let email = address(text)?;
    if app.store.unsuppress(email.as_str()).await? {
        println!("{email}: no longer suppressed");
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!("{email} is not suppressed")
    }
}

pub async fn suppressions(app: &Context, sync: bool, json: bool) -> anyhow::Result<ExitCode> {
    if sync {
        let ses = SesMailer::from_env(
            app.config.aws.region.as_deref(),
            app.config.aws.ses_endpoint_url.as_deref(),
        )
        .await;
        let listed = suppression::ses_list(ses.client())
            .await
            .map_err(|e| anyhow::anyhow!("reading the SES suppression list: {e}"))?;
        let added = suppression::record(&app.store, &listed, "ses-list", Timestamp::now()).await?;
        eprintln!("SES lists {} address(es); {added} new", listed.len());
    }
    let all = app.store.suppressions().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        println!("no address is suppressed");
    }
    for s in &all {
        println!(
            "{:<36} {:<10} {:<14} {}  {}",
            s.address,
            s.reason,
            s.source,
            when(s.created_at),
            s.detail.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn outbox(
    app: &Context,
    invoice: &str,
    show: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let number = number(invoice)?;
    let rows = app
        .store
        .outbox_for(&chaser_workflows::names::workflow_id(&number))
        .await?;
    if let Some(key) = show {
        let Some(row) = rows.iter().find(|r| r.step_id == key) else {
            let keys: Vec<&str> = rows.iter().map(|r| r.step_id.as_str()).collect();
            anyhow::bail!(
                "{number} has no message `{key}` in the outbox (it has: {})",
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.join(", ")
                }
            );
        };
        println!("To: {}", recipients_text(&row.recipients));
        println!("Subject: {}\n", row.subject);
        println!("{}", row.text_body.as_deref().unwrap_or("(not rendered)"));
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("{number}: the outbox is empty");
    }
    for row in &rows {
        let why = row
            .reason
            .as_deref()
            .or(row.error.as_deref())
            .or(row.message_id.as_deref())
            .unwrap_or("");
        println!(
            "{:<20} {:<18} {:<32} {}  {}",
            row.step_id,
            row.status.as_str(),
            recipients_text(&row.recipients),
            row.subject,
            why
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn recipients_text(recipients: &serde_json::Value) -> String {
    ["to", "cc"]
        .iter()
        .flat_map(|k| recipients[*k].as_array().into_iter().flatten())
        .filter_map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
