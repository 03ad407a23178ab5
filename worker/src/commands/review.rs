//! The owner's review: `review`, `review resolve`, `review apply`, `review vanished`,
//! `digest`.

use std::process::ExitCode;

use anyhow::Context as _;
use chaser_app::{AppError, Resolved, VanishedResolution};
use jiff::Timestamp;

use super::{address, chaser, number, when};
use crate::cli::Vanished;
use crate::context::Context;

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

/// `chaser review apply ID INVOICE`: the item's payment, applied once to the invoice.
pub async fn apply_review_payment(
    app: &Context,
    id: i64,
    invoice: &str,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let resolved = chaser(app)
        .apply_review_payment(id, &number(invoice)?, by)
        .await;
    answer(id, resolved)
}

/// `chaser review vanished ID --as paid|void|renumbered|keep [--new-number N]`.
pub async fn resolve_vanished(
    app: &Context,
    id: i64,
    resolution: Vanished,
    new_number: Option<&str>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let resolution = match (resolution, new_number) {
        (Vanished::Paid, _) => VanishedResolution::Paid,
        (Vanished::Void, _) => VanishedResolution::Void,
        (Vanished::Keep, _) => VanishedResolution::KeepChasing,
        (Vanished::Renumbered, Some(new)) => VanishedResolution::Renumbered {
            new_number: number(new)?,
        },
        (Vanished::Renumbered, None) => anyhow::bail!("--as renumbered needs --new-number"),
    };
    let resolved = chaser(app).resolve_vanished(id, resolution, by).await;
    answer(id, resolved)
}

/// A resolved item's note (exit 0), or why it was not resolved (exit 1).
fn answer(id: i64, resolved: Result<Resolved, AppError>) -> anyhow::Result<ExitCode> {
    match resolved {
        Ok(resolved) => {
            println!("#{id}: resolved: {}", resolved.note);
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (AppError::Temporal(_) | AppError::Store(_))) => Err(e.into()),
        Err(e) => {
            eprintln!("#{id}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
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
    for t in digest.week.iter().filter(|t| t.week > 0) {
        println!("  {} {} today, {} this week", t.today, t.label, t.week);
    }
    for part in digest.parts(usize::MAX) {
        println!("\n== {} ==", part.title);
        if part.key == "money" {
            let (currencies, payers) = digest.money.lines();
            currencies.iter().for_each(|l| println!("{l}"));
            payers.iter().for_each(|l| println!("  {l}"));
        }
        for section in part.sections {
            println!("\n{}", section.title);
            for l in section.lines {
                println!(
                    "  {} · {} · {} · {}",
                    l.subject, l.customer, l.balance, l.note
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
