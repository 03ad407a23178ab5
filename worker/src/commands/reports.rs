//! Reports and the books: `audit`, `report aging|monthly`, `reconcile`.

use std::process::ExitCode;

use jiff::Timestamp;

use super::{chaser, number, when};
use crate::context::Context;

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
