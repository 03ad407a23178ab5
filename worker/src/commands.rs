//! The operator commands. Each parses its arguments, calls the application layer
//! (`chaser_app`), and prints a readable answer (or JSON with `--json`). Errors come back as
//! clear messages.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use chaser_activities::mail::SesMailer;
use chaser_activities::suppression;
use chaser_app::invoices::StateFilter;
use chaser_app::sending::Switched;
use chaser_app::{AppError, Chaser, Decided, Outcome, Request, StatusSource, sheet};
use chaser_domain::schedule::{PlannedStep, StepState};
use chaser_domain::{Command, Email, InvoiceNumber, Resolution, Rules};
use chaser_intake::{self as intake, DateFormat, PresetName};
use jiff::Timestamp;

use crate::context::Context;

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

/// `chaser search-attributes`: the workflows' own list, for the scripts and operators that
/// register it, so that none of them keeps a copy.
pub fn search_attributes() -> ExitCode {
    for (name, kind) in chaser_workflows::names::search_attribute::REGISTRATION {
        println!("{name}={kind}");
    }
    ExitCode::SUCCESS
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

/// How `chaser import` reads a file.
pub struct ImportArgs<'a> {
    pub file: &'a Path,
    pub preset: Option<PresetName>,
    pub date_format: Option<DateFormat>,
    pub source: Option<&'a str>,
    pub dry_run: bool,
}

/// Reads an export, with a progress bar on big files when stderr is a terminal.
fn read_with_progress(
    bytes: &[u8],
    name: &str,
    options: &intake::Options,
) -> anyhow::Result<intake::Export> {
    let bar = indicatif::ProgressBar::hidden();
    let mut progress = |done: usize, total: usize| {
        if done == 1 && total >= 5_000 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            bar.set_message("rows read");
        }
        bar.set_position(done as u64);
    };
    let export = intake::read_export_with_progress(bytes, name, options, &mut progress)?;
    bar.finish_and_clear();
    Ok(export)
}

pub async fn import(app: &Context, args: ImportArgs<'_>, by: &str) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let bytes = std::fs::read(args.file).with_context(|| format!("cannot read {name}"))?;
    let options = app.config.intake_options(args.preset, args.date_format)?;
    let export = read_with_progress(&bytes, &name, &options)?;
    eprintln!(
        "{name}: read as {} ({} invoices)",
        export.layout,
        export.rows.len()
    );
    if !export.unmapped_columns.is_empty() {
        eprintln!("  ignored columns: {}", export.unmapped_columns.join(", "));
    }
    let chaser = chaser(app);
    if args.dry_run {
        let preview = sheet::preview(&chaser, args.source, &export).await?;
        print_preview(&name, args.source, &preview);
        return Ok(if preview.has_rejected() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let report = sheet::apply(&chaser, args.source, &export, by).await?;
    println!("{name}: {}", report.counts());
    for p in &report.problems {
        println!("  {p}");
    }
    for p in &report.pending {
        println!("  pending: {p}");
    }
    for f in &report.flagged {
        println!("  flagged for review: {f}");
    }
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A dry run's answer: the counts, then every line of the file with its state after the
/// import, then what vanished from a named source.
fn print_preview(name: &str, source: Option<&str>, preview: &sheet::Preview) {
    println!("{name} (dry run, nothing changed): {}", preview.counts());
    for line in &preview.lines {
        println!("  {line}");
    }
    for v in &preview.vanished {
        println!(
            "  vanished: {} · {} · {}: open in the last `{}` export and missing from this one; would be flagged for review, not closed",
            v.invoice.number,
            v.invoice.customer.name,
            v.invoice.balance.grouped(),
            source.unwrap_or_default()
        );
    }
}

/// `chaser import FILE --suggest-mapping`: an `[intake.custom]` block for the file, from the
/// file alone (no store, no Temporal).
pub fn suggest_mapping(
    config: &crate::config::Config,
    file: &Path,
    date_format: Option<DateFormat>,
) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let options = intake::Options {
        date_format: date_format.or(config.intake.date_format),
        ..intake::Options::default()
    };
    print!("{}", intake::suggest_mapping(&bytes, &name, &options)?);
    Ok(ExitCode::SUCCESS)
}

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
        Ok(Outcome::Done { detail, .. }) if done == "rescheduled" => {
            println!("{number}: rescheduled: {}", detail.unwrap_or_default());
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

pub async fn hold_sending(app: &Context, reason: &str, by: &str) -> anyhow::Result<ExitCode> {
    match chaser(app).hold_sending(reason, by).await? {
        Switched::Done(hold) => println!(
            "sending held: no reminder or thank-you leaves until `chaser sending resume` ({})",
            hold.reason
        ),
        Switched::Already(hold) => println!(
            "sending was already held{}",
            hold.map_or_else(String::new, |h| format!(
                " since {} by {} ({})",
                when(h.since),
                h.by,
                h.reason
            ))
        ),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn release_sending(app: &Context, by: &str) -> anyhow::Result<ExitCode> {
    match chaser(app).release_sending(by).await? {
        Switched::Done(hold) => println!(
            "sending resumed (held since {}); held messages go out as their chases ask again",
            when(hold.since)
        ),
        Switched::Already(_) => println!("sending was not held"),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn sending_status(app: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let hold = chaser(app).sending_hold().await?;
    // The global switches are audited apart from any invoice.
    let switches = app.store.audit_for("").await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "held": hold, "switches": switches })
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    match hold {
        Some(h) => println!("held since {} by {}: {}", when(h.since), h.by, h.reason),
        None => println!("sending"),
    }
    for r in switches.iter().rev().take(10) {
        println!(
            "  {}  {}  by {}  {}",
            when(r.at),
            r.action,
            r.actor,
            r.detail.as_deref().unwrap_or("")
        );
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

pub async fn void(
    app: &Context,
    invoice: &str,
    reason: String,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let void = command(Command::Void { reason });
    execute(app, invoice, void, by, "void; the chase ends").await
}

pub async fn review(app: &Context, all: bool, json: bool) -> anyhow::Result<ExitCode> {
    let items = app.store.review_items(all).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        println!("nothing to review");
    }
    for i in &items {
        let state = match (&i.resolved_at, &i.resolution) {
            (Some(at), Some(note)) => format!("resolved {} ({note})", when(*at)),
            _ => "open".to_owned(),
        };
        println!(
            "#{:<5} {}  {:<22} {}\n       {}",
            i.id,
            when(i.created_at),
            i.item.kind,
            state,
            i.item.summary
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn resolve_review(
    app: &Context,
    id: i64,
    note: &str,
    by: &str,
) -> anyhow::Result<ExitCode> {
    if app
        .store
        .resolve_review(id, by, note, Timestamp::now())
        .await?
    {
        println!("#{id}: resolved");
        Ok(ExitCode::SUCCESS)
    } else if app.store.review_item(id).await?.is_some() {
        anyhow::bail!("#{id} is already resolved")
    } else {
        anyhow::bail!("there is no review item #{id} (see `chaser review`)")
    }
}

pub async fn inbound(app: &Context, file: &Path, by: &str) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let handed = chaser_api::inbound::hand_in(&chaser(app), &name, &bytes, by)
        .await
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    for doc in &handed {
        if doc.started {
            println!(
                "{}: document {} received; the owner gets an approval link (see `chaser proposals`)",
                doc.filename, doc.document_id
            );
        } else {
            println!(
                "{}: document {} was handed in before; nothing new started",
                doc.filename, doc.document_id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn proposals(app: &Context, all: bool, json: bool) -> anyhow::Result<ExitCode> {
    let documents = app.store.documents(all).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&documents)?);
        return Ok(ExitCode::SUCCESS);
    }
    if documents.is_empty() {
        println!("no documents awaiting approval");
    }
    for d in &documents {
        let p = d.proposal.clone().unwrap_or_default();
        let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        println!(
            "{}  {:<9} {}  {} · {} · {} {} · due {}",
            d.id,
            d.state,
            d.filename,
            field(&p.number),
            field(&p.customer_name),
            field(&p.currency),
            field(&p.amount),
            field(&p.due_date)
        );
        for problem in &d.problems {
            println!("    to fix: {problem}");
        }
        for warning in &d.warnings {
            println!("    note:   {warning}");
        }
        // Where each value was read: label, place, page position, confidence.
        for evidence in &p.evidence {
            println!("    read:   {}: {evidence}", evidence.field);
        }
        if let Some(issuer) = &p.template {
            println!("    read with the template learned for {issuer}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn decide_proposal(
    app: &Context,
    id: &str,
    approve: bool,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let Some(doc) = app
        .store
        .documents(true)
        .await?
        .into_iter()
        .find(|d| d.id.starts_with(id) && !id.is_empty())
    else {
        anyhow::bail!("there is no document {id} (see `chaser proposals --all`)");
    };
    anyhow::ensure!(
        doc.is_open(),
        "document {} was {} already",
        doc.id,
        doc.state
    );
    if approve {
        anyhow::ensure!(
            doc.problems.is_empty(),
            "document {} cannot be approved as read:\n  {}\nCorrect the fields on the approval page the owner was e-mailed",
            doc.id,
            doc.problems.join("\n  ")
        );
    }
    app.store.set_document_decider(&doc.id, by).await?;
    chaser(app).decide_proposal(&doc.id, approve, by).await?;
    println!(
        "document {}: {}",
        doc.id,
        if approve {
            "approved; the chase starts"
        } else {
            "rejected"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn payments(
    app: &Context,
    file: &Path,
    date_format: Option<DateFormat>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let options = intake::StatementOptions {
        date_format: date_format.or(app.config.intake.date_format),
        default_currency: app.config.default_currency()?,
    };
    let statement = intake::read_statement(&name, &bytes, &options)?;
    let report = chaser_app::payments::apply(&chaser(app), &statement.payments, &name, by).await?;
    println!(
        "{name}: {} payments, {} debits skipped: {}",
        statement.payments.len(),
        statement.debits,
        report.counts()
    );
    for a in &report.applied {
        println!("  applied   {a}");
    }
    for p in &report.pending {
        println!("  pending   {p}");
    }
    for f in &report.flagged {
        println!("  review    {f}");
    }
    for p in report.problems.iter().chain(
        statement
            .rejected
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .iter(),
    ) {
        println!("  problem   {p}");
    }
    Ok(
        if report.problems.is_empty() && statement.rejected.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

pub async fn audit(app: &Context, invoice: &str, json: bool) -> anyhow::Result<ExitCode> {
    let number = number(invoice)?;
    let trail = app.store.audit_for(&number.normalized()).await?;
    anyhow::ensure!(
        !trail.is_empty(),
        "no audit trail for `{number}`: no chase has been started for it"
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&trail)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{number}: {} events", trail.len());
    for r in &trail {
        let change = match (&r.before, &r.after) {
            (Some(b), Some(a)) => {
                let field = |v: &serde_json::Value, k: &str| {
                    v.get(k).map(ToString::to_string).unwrap_or_default()
                };
                let (sb, sa) = (field(b, "state"), field(a, "state"));
                let (bb, ba) = (field(b, "balance"), field(a, "balance"));
                let mut parts = vec![];
                if sb != sa {
                    parts.push(format!("state {sb} -> {sa}"));
                }
                if bb != ba {
                    parts.push(format!("balance {bb} -> {ba}"));
                }
                parts.join(", ").replace('"', "")
            }
            _ => String::new(),
        };
        println!(
            "  {}  {:<20} {:<28} {}{}",
            when(r.at),
            r.action,
            r.actor,
            r.detail.as_deref().unwrap_or(""),
            if change.is_empty() {
                String::new()
            } else {
                format!("  [{change}]")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn audit_verify(app: &Context) -> anyhow::Result<ExitCode> {
    let report = app.store.verify_audit().await?;
    if report.breaks.is_empty() {
        println!(
            "audit log: {} rows, chain intact; head {}",
            report.rows, report.head
        );
        println!(
            "(keep the head: a later verify that ends elsewhere means rows were removed from the end)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "audit log: {} rows, {} broken",
        report.rows,
        report.breaks.len()
    );
    for b in &report.breaks {
        println!("  row {} ({} {}): {}", b.id, b.invoice, b.action, b.problem);
    }
    Ok(ExitCode::FAILURE)
}

fn today() -> jiff::civil::Date {
    Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

pub async fn report_aging(
    app: &Context,
    as_of: Option<jiff::civil::Date>,
    csv: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let view = chaser_app::reports::aging(&chaser(app), as_of.unwrap_or_else(today)).await?;
    if csv {
        print!("{}", chaser_app::reports::aging_csv(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("aging as of {}", view.aging.as_of);
    if view.aging.currencies.is_empty() {
        println!("  nothing open");
    }
    for c in &view.aging.currencies {
        println!(
            "  {}: {} open, {}",
            c.currency.code(),
            c.count,
            c.total.grouped()
        );
        for line in &c.buckets {
            println!(
                "    {:<8} {:>4}  {:>16}",
                line.bucket.label(),
                line.count,
                line.total.grouped()
            );
        }
    }
    for (currency, dso) in &view.dso {
        let value = dso.map_or_else(|| "-".to_owned(), |d| format!("{d} days"));
        println!(
            "  DSO ({} days of sales) {}: {value}",
            chaser_app::reports::DSO_PERIOD_DAYS,
            currency.code()
        );
    }
    for m in &view.collected_last_30_days {
        println!("  collected in the last 30 days: {}", m.grouped());
    }
    if !view.top_late_payers.is_empty() {
        println!("  top late payers:");
        for p in &view.top_late_payers {
            println!(
                "    {:<28} {:>16}  {} invoice(s), oldest {} days late",
                p.customer,
                p.overdue.grouped(),
                p.invoices,
                p.oldest_days_late
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn report_monthly(
    app: &Context,
    month: Option<&str>,
    csv: bool,
    send: bool,
) -> anyhow::Result<ExitCode> {
    let chaser = std::sync::Arc::new(chaser(app));
    let mailer: std::sync::Arc<dyn chaser_activities::mail::Mailer> =
        crate::serve::mailer(&app.config).await?;
    let desk = crate::serve::summary_desk(app, chaser.clone(), mailer).await?;
    if send {
        let outcome = desk.send(month, Timestamp::now()).await?;
        println!(
            "summary of {} sent to {} ({} narrative)",
            outcome.month,
            outcome.sent_to.join(", "),
            outcome.narrative_by
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (year, month) = match month {
        Some(text) => chaser_app::reports::parse_month(text)?,
        None => desk.last_month(Timestamp::now()),
    };
    let summary = chaser_app::reports::monthly(&chaser, year, month).await?;
    if csv {
        print!("{}", chaser_domain::reports::summary_csv(&summary)?);
    } else {
        println!("{}\n", summary.aggregates_text());
        println!("{}", summary.deterministic_narrative());
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn digest(app: &Context, owner: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let secret = app
        .config
        .links
        .secret
        .clone()
        .context("links.secret is required: it signs the review's one-tap links")?;
    let reviewer = chaser_api::review::Reviewer {
        chaser: std::sync::Arc::new(chaser(app)),
        links: chaser_activities::links::Links::new(
            secrecy::ExposeSecret::expose_secret(&secret),
            &app.config.base_url(),
        ),
        action_ttl: app.config.links.action_link_ttl.as_duration(),
        approval_ttl: app.config.links.approval_ttl.as_duration(),
        zone: app.rules.company.time_zone.clone(),
    };
    let owner = owner.map(address).transpose()?;
    let digest = reviewer.digest(owner.as_ref(), Timestamp::now()).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&digest)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "review for {}: {} item(s)",
        digest.date,
        digest.item_count()
    );
    for (title, lines) in digest.sections() {
        println!("\n{title}");
        for l in lines {
            println!(
                "  {} · {} · {} · {}",
                l.subject, l.customer, l.balance, l.note
            );
        }
    }
    Ok(ExitCode::SUCCESS)
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

/// `chaser reconcile [--dry-run]`: what drifted between the store and Temporal, repaired now
/// (or only shown).
pub async fn reconcile(app: &Context, dry_run: bool, json: bool) -> anyhow::Result<ExitCode> {
    let grace = app.config.reconcile.grace()?;
    let chaser = chaser(app);
    let repairs = if dry_run {
        chaser.reconcile_plan(grace).await?
    } else {
        chaser.reconcile(grace).await?
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&repairs)?);
        return Ok(ExitCode::SUCCESS);
    }
    let verb = if dry_run { "would repair" } else { "repaired" };
    if repairs.is_empty() {
        println!("nothing to repair: the store and Temporal agree");
    } else {
        println!("{verb} {} difference(s):", repairs.len());
    }
    for r in &repairs {
        println!("  {}: {}", r.invoice(), r.describe());
    }
    Ok(ExitCode::SUCCESS)
}
