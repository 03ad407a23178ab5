//! The guardrails' tables: touches per contact, suppressed addresses, approvals, spent
//! one-tap links and seen webhook deliveries.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Result, Store, StoreError, parse_json, parse_timestamp, timestamp_text};

/// Where a message that needs a human's approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    /// Nobody decided in time: dropped, never sent.
    Expired,
    /// Approved, and sent.
    Sent,
}

impl ApprovalStatus {
    const ALL: [ApprovalStatus; 5] = [
        ApprovalStatus::Pending,
        ApprovalStatus::Approved,
        ApprovalStatus::Rejected,
        ApprovalStatus::Expired,
        ApprovalStatus::Sent,
    ];

    /// The name stored in the approvals table.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Expired => "expired",
            ApprovalStatus::Sent => "sent",
        }
    }

    fn parse(name: &str) -> Result<ApprovalStatus> {
        ApprovalStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| StoreError::Corrupt {
                what: "approval status",
                detail: name.to_owned(),
            })
    }
}

impl std::fmt::Display for ApprovalStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message waiting for (or past) a human's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub id: String,
    pub workflow_id: String,
    pub invoice: String,
    pub message_key: String,
    pub recipients: serde_json::Value,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub status: ApprovalStatus,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub decided_by: Option<String>,
}

/// An address that must not be mailed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub address: String,
    pub reason: String,
    pub source: String,
    pub detail: Option<String>,
    pub created_at: Timestamp,
}

impl Store {
    /// Remembers that a message reached these addresses.
    pub async fn record_touches(
        &self,
        addresses: &[String],
        workflow_id: &str,
        message_key: &str,
        now: Timestamp,
    ) -> Result<()> {
        for address in addresses {
            sqlx::query(
                "insert into touches (address, sent_at, workflow_id, message_key) values ($1, $2, $3, $4)
                 on conflict (address, workflow_id, message_key) do nothing",
            )
            .bind(address.to_ascii_lowercase())
            .bind(timestamp_text(now))
            .bind(workflow_id.to_owned())
            .bind(message_key.to_owned())
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// When messages reached `address` at or after `since`, oldest first.
    pub async fn touches_since(&self, address: &str, since: Timestamp) -> Result<Vec<Timestamp>> {
        let rows = sqlx::query(
            "select sent_at from touches where address = $1 and sent_at >= $2 order by sent_at",
        )
        .bind(address.to_ascii_lowercase())
        .bind(timestamp_text(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| parse_timestamp(&r.try_get::<String, _>("sent_at")?))
            .collect()
    }

    /// Suppresses an address; `false` if it already was.
    pub async fn suppress(
        &self,
        address: &str,
        reason: &str,
        source: &str,
        detail: Option<&str>,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "insert into suppressions (address, reason, source, detail, created_at) values ($1, $2, $3, $4, $5)
             on conflict (address) do nothing",
        )
        .bind(address.to_ascii_lowercase())
        .bind(reason.to_owned())
        .bind(source.to_owned())
        .bind(detail.map(str::to_owned))
        .bind(timestamp_text(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Lifts a suppression; `false` if there was none.
    pub async fn unsuppress(&self, address: &str) -> Result<bool> {
        let done = sqlx::query("delete from suppressions where address = $1")
            .bind(address.to_ascii_lowercase())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn suppression(&self, address: &str) -> Result<Option<Suppression>> {
        let row = sqlx::query("select address, reason, source, detail, created_at from suppressions where address = $1")
            .bind(address.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| suppression_from_row(&r)).transpose()
    }

    pub async fn suppressions(&self) -> Result<Vec<Suppression>> {
        let rows = sqlx::query(
            "select address, reason, source, detail, created_at from suppressions order by address",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(suppression_from_row).collect()
    }

    /// Stores a message for approval (once: a second request for the same id is ignored).
    pub async fn create_approval(&self, approval: &Approval) -> Result<()> {
        sqlx::query(
            "insert into approvals (id, workflow_id, invoice, message_key, recipients, subject, text_body, html_body,
               status, created_at, expires_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             on conflict (id) do nothing",
        )
        .bind(approval.id.clone())
        .bind(approval.workflow_id.clone())
        .bind(approval.invoice.clone())
        .bind(approval.message_key.clone())
        .bind(approval.recipients.to_string())
        .bind(approval.subject.clone())
        .bind(approval.text_body.clone())
        .bind(approval.html_body.clone())
        .bind(approval.status.as_str())
        .bind(timestamp_text(approval.created_at))
        .bind(timestamp_text(approval.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn approval(&self, id: &str) -> Result<Option<Approval>> {
        let row = sqlx::query(
            "select id, workflow_id, invoice, message_key, recipients, subject, text_body, html_body, status,
               created_at, expires_at, decided_by from approvals where id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| approval_from_row(&r)).transpose()
    }

    /// Approvals still waiting, soonest to expire first.
    pub async fn pending_approvals(&self) -> Result<Vec<Approval>> {
        let rows = sqlx::query(
            "select id, workflow_id, invoice, message_key, recipients, subject, text_body, html_body, status,
               created_at, expires_at, decided_by from approvals where status = 'pending' order by expires_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(approval_from_row).collect()
    }

    /// Moves an approval from `from` to `to`; `false` if it was not in `from` any more.
    pub async fn decide_approval(
        &self,
        id: &str,
        from: ApprovalStatus,
        to: ApprovalStatus,
        by: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update approvals set status = $1, decided_by = $2, decided_at = $3 where id = $4 and status = $5",
        )
        .bind(to.as_str())
        .bind(by.to_owned())
        .bind(timestamp_text(now))
        .bind(id.to_owned())
        .bind(from.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Spends a single-use link; `false` if it was used before.
    pub async fn use_link(&self, nonce: &str, purpose: &str, now: Timestamp) -> Result<bool> {
        let done = sqlx::query("insert into used_links (nonce, used_at, purpose) values ($1, $2, $3) on conflict (nonce) do nothing")
            .bind(nonce.to_owned())
            .bind(timestamp_text(now))
            .bind(purpose.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets a delivery whose processing failed, so the sender's retry is handled.
    pub async fn delivery_seen(&self, event_id: &str) -> Result<bool> {
        let row = sqlx::query("select 1 as seen from webhook_events where event_id = $1")
            .bind(event_id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

fn suppression_from_row(r: &sqlx::any::AnyRow) -> Result<Suppression> {
    Ok(Suppression {
        address: r.try_get("address")?,
        reason: r.try_get("reason")?,
        source: r.try_get("source")?,
        detail: r.try_get("detail")?,
        created_at: parse_timestamp(&r.try_get::<String, _>("created_at")?)?,
    })
}

fn approval_from_row(r: &sqlx::any::AnyRow) -> Result<Approval> {
    Ok(Approval {
        id: r.try_get("id")?,
        workflow_id: r.try_get("workflow_id")?,
        invoice: r.try_get("invoice")?,
        message_key: r.try_get("message_key")?,
        recipients: parse_json(
            "approval recipients",
            &r.try_get::<String, _>("recipients")?,
        )?,
        subject: r.try_get("subject")?,
        text_body: r.try_get("text_body")?,
        html_body: r.try_get("html_body")?,
        status: ApprovalStatus::parse(&r.try_get::<String, _>("status")?)?,
        created_at: parse_timestamp(&r.try_get::<String, _>("created_at")?)?,
        expires_at: parse_timestamp(&r.try_get::<String, _>("expires_at")?)?,
        decided_by: r.try_get("decided_by")?,
    })
}
