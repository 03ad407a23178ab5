//! What goes out: approvals, the outbox, suppressions and the global stop (`sending`).

use std::process::ExitCode;

use chaser_activities::mail::SesMailer;
use chaser_activities::suppression;
use chaser_app::Decided;
use chaser_app::sending::Switched;
use jiff::Timestamp;

use super::{address, chaser, number, when};
use crate::context::Context;

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
