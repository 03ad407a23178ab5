//! The outbox: one row per message key, claimed before a send and finished once, so a
//! message is never sent twice whatever the retries.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Result, Store, StoreError, parse_json, timestamp_text};

/// What an outbox claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody has sent this step yet: go ahead.
    Fresh,
    /// A previous attempt started but did not record its outcome. `handed` when it had
    /// already handed the message to the provider: whether the provider has it is unknown.
    Unfinished { handed: bool },
    /// This step already has an outcome; never send it again.
    Finished {
        status: OutboxStatus,
        message_id: Option<String>,
        error: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Sending,
    Sent,
    Failed,
    /// A guardrail said no, for good (its reason code is kept).
    Declined,
    /// A guardrail said "not yet" (window, gap, daily cap); a later attempt may send.
    Deferred,
    DryRun,
    /// Rendered and waiting for a human's approval.
    AwaitingApproval,
    /// The approval was refused, or it expired: never sent.
    Rejected,
    Expired,
    /// Handed to the provider with no answer (a cut-off attempt, a timeout): it may have gone.
    /// Never sent again under this key; the owner decides whether to send it again.
    Uncertain,
}

const OUTBOX_STATUSES: [(OutboxStatus, &str); 10] = [
    (OutboxStatus::Sending, "sending"),
    (OutboxStatus::Sent, "sent"),
    (OutboxStatus::Failed, "failed"),
    (OutboxStatus::Declined, "declined"),
    (OutboxStatus::Deferred, "deferred"),
    (OutboxStatus::DryRun, "dry_run"),
    (OutboxStatus::AwaitingApproval, "awaiting_approval"),
    (OutboxStatus::Rejected, "rejected"),
    (OutboxStatus::Expired, "expired"),
    (OutboxStatus::Uncertain, "uncertain"),
];

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        OUTBOX_STATUSES
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("sending", |(_, n)| n)
    }

    fn parse(s: &str) -> Result<Self> {
        OUTBOX_STATUSES
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(status, _)| *status)
            .ok_or_else(|| StoreError::Corrupt {
                what: "outbox status",
                detail: s.to_owned(),
            })
    }

    /// This message's fate is sealed: nothing may send it any more. A guardrail's decline is
    /// not: it is asked again whenever the message is.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OutboxStatus::Sent
                | OutboxStatus::Failed
                | OutboxStatus::DryRun
                | OutboxStatus::Rejected
                | OutboxStatus::Expired
                | OutboxStatus::Uncertain
        )
    }
}

/// One row of the outbox, as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRow {
    pub workflow_id: String,
    pub step_id: String,
    pub status: OutboxStatus,
    pub recipients: serde_json::Value,
    pub subject: String,
    pub message_id: Option<String>,
    pub error: Option<String>,
    /// The guardrail's reason code, when one decided.
    pub reason: Option<String>,
    /// The message as rendered, once it was claimed for sending.
    pub text_body: Option<String>,
    pub html_body: Option<String>,
}

/// `'sent', 'failed', ...`: the final outbox statuses, for `status not in (...)`.
fn final_statuses_sql() -> String {
    OUTBOX_STATUSES
        .iter()
        .filter(|(s, _)| s.is_final())
        .map(|(_, n)| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Claims `(workflow_id, step_id)` for the attempt named `attempt` before sending. Only
    /// one claim per key is ever fresh; a later attempt takes over an unfinished claim unless
    /// the message was handed to the provider, so an attempt Temporal gave up on but that
    /// still runs can no longer hand it over (see [`Store::hand_over`]).
    pub async fn claim_outbox(
        &self,
        workflow_id: &str,
        step_id: &str,
        attempt: &str,
        recipients: &serde_json::Value,
        subject: &str,
        now: Timestamp,
    ) -> Result<Claim> {
        let inserted = sqlx::query(
            "insert into outbox (workflow_id, step_id, status, recipients, subject, claim, created_at, updated_at)
             values ($1, $2, 'sending', $3, $4, $5, $6, $6)
             on conflict (workflow_id, step_id) do nothing",
        )
        .bind(workflow_id.to_owned())
        .bind(step_id.to_owned())
        .bind(recipients.to_string())
        .bind(subject.to_owned())
        .bind(attempt.to_owned())
        .bind(timestamp_text(now))
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Fresh);
        }
        // Another attempt at an unfinished message not yet handed over: it is this one's now.
        let sql = format!(
            "update outbox set status = 'sending', claim = $3, updated_at = $4
             where workflow_id = $1 and step_id = $2 and handed_at is null
               and status not in ({})",
            final_statuses_sql()
        );
        // The status names are our own constants, never input.
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workflow_id.to_owned())
            .bind(step_id.to_owned())
            .bind(attempt.to_owned())
            .bind(timestamp_text(now))
            .execute(&self.pool)
            .await?;
        let row = self
            .outbox_row(workflow_id, step_id)
            .await?
            .ok_or(StoreError::Corrupt {
                what: "outbox",
                detail: format!("{workflow_id}/{step_id} vanished"),
            })?;
        Ok(if row.status.is_final() {
            Claim::Finished {
                status: row.status,
                message_id: row.message_id,
                error: row.error,
            }
        } else {
            Claim::Unfinished {
                handed: self.handed_over(workflow_id, step_id).await?,
            }
        })
    }

    /// Records that `attempt` hands the message to the provider now; `false` when it may not:
    /// a later attempt took the claim over, or one handed it over already. The one
    /// conditional write is the fence that keeps two attempts from both sending.
    pub async fn hand_over(
        &self,
        workflow_id: &str,
        step_id: &str,
        attempt: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update outbox set handed_at = $1
             where workflow_id = $2 and step_id = $3 and claim = $4 and handed_at is null",
        )
        .bind(timestamp_text(now))
        .bind(workflow_id.to_owned())
        .bind(step_id.to_owned())
        .bind(attempt.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The provider refused `attempt`'s message for now (it does not have it): a retry may
    /// hand it over again.
    pub async fn take_back(&self, workflow_id: &str, step_id: &str, attempt: &str) -> Result<()> {
        sqlx::query(
            "update outbox set handed_at = null
             where workflow_id = $1 and step_id = $2 and claim = $3",
        )
        .bind(workflow_id.to_owned())
        .bind(step_id.to_owned())
        .bind(attempt.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Messages handed to the provider before `before` whose attempt never recorded an
    /// answer, as `(workflow_id, step_id)`: no attempt is still waiting on them by then.
    pub async fn handed_unfinished(&self, before: Timestamp) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "select workflow_id, step_id from outbox
             where status = 'sending' and handed_at is not null and handed_at < $1
             order by id",
        )
        .bind(timestamp_text(before))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("workflow_id")?, r.try_get("step_id")?)))
            .collect()
    }

    /// Records a message [`Store::handed_unfinished`] found as `uncertain`, unless an attempt
    /// recorded its answer meanwhile. `false` when one did.
    pub async fn settle_handed_uncertain(
        &self,
        workflow_id: &str,
        step_id: &str,
        why: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update outbox set status = 'uncertain', error = $1, updated_at = $2
             where workflow_id = $3 and step_id = $4 and status = 'sending' and handed_at is not null",
        )
        .bind(why.to_owned())
        .bind(timestamp_text(now))
        .bind(workflow_id.to_owned())
        .bind(step_id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether an attempt handed this message to the provider (and none finished it since).
    pub async fn handed_over(&self, workflow_id: &str, step_id: &str) -> Result<bool> {
        let row =
            sqlx::query("select handed_at from outbox where workflow_id = $1 and step_id = $2")
                .bind(workflow_id.to_owned())
                .bind(step_id.to_owned())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>("handed_at"))
            .transpose()?
            .flatten()
            .is_some())
    }

    /// Keeps the rendered message with its claimed outbox row.
    pub async fn keep_body(
        &self,
        workflow_id: &str,
        step_id: &str,
        text: &str,
        html: &str,
    ) -> Result<()> {
        sqlx::query("update outbox set text_body = $1, html_body = $2 where workflow_id = $3 and step_id = $4")
            .bind(text.to_owned())
            .bind(html.to_owned())
            .bind(workflow_id.to_owned())
            .bind(step_id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the outcome of a claimed send.
    pub async fn finish_outbox(
        &self,
        workflow_id: &str,
        step_id: &str,
        status: OutboxStatus,
        message_id: Option<&str>,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "update outbox set status = $1, message_id = $2, error = $3, updated_at = $4
             where workflow_id = $5 and step_id = $6",
        )
        .bind(status.as_str())
        .bind(message_id.map(str::to_owned))
        .bind(error.map(str::to_owned))
        .bind(timestamp_text(now))
        .bind(workflow_id.to_owned())
        .bind(step_id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn outbox_row(&self, workflow_id: &str, step_id: &str) -> Result<Option<OutboxRow>> {
        let row = sqlx::query(
            "select workflow_id, step_id, status, recipients, subject, message_id, error, reason, text_body, html_body
             from outbox where workflow_id = $1 and step_id = $2",
        )
        .bind(workflow_id.to_owned())
        .bind(step_id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| outbox_from_row(&r)).transpose()
    }

    /// Every outbox row of a chase, oldest first.
    pub async fn outbox_for(&self, workflow_id: &str) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(
            "select workflow_id, step_id, status, recipients, subject, message_id, error, reason, text_body, html_body
             from outbox where workflow_id = $1 order by id",
        )
        .bind(workflow_id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// Remembers a webhook delivery; `false` if it was seen before.
    pub async fn first_delivery(
        &self,
        event_id: &str,
        source: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "insert into webhook_events (event_id, source, received_at) values ($1, $2, $3)
             on conflict (event_id) do nothing",
        )
        .bind(event_id.to_owned())
        .bind(source.to_owned())
        .bind(timestamp_text(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a guardrail's verdict on a message without ever undoing a final outcome.
    pub async fn mark_outbox(
        &self,
        workflow_id: &str,
        message_key: &str,
        status: OutboxStatus,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        let finals = final_statuses_sql();
        let sql = format!(
            "insert into outbox (workflow_id, step_id, status, recipients, subject, reason, created_at, updated_at)
             values ($1, $2, $3, '{{}}', '', $4, $5, $5)
             on conflict (workflow_id, step_id) do update set status = excluded.status, reason = excluded.reason,
               updated_at = excluded.updated_at
             where outbox.status not in ({finals})"
        );
        // The status names are our own constants, never input.
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workflow_id.to_owned())
            .bind(message_key.to_owned())
            .bind(status.as_str())
            .bind(reason.to_owned())
            .bind(timestamp_text(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn outbox_from_row(r: &sqlx::any::AnyRow) -> Result<OutboxRow> {
    Ok(OutboxRow {
        workflow_id: r.try_get("workflow_id")?,
        step_id: r.try_get("step_id")?,
        status: OutboxStatus::parse(&r.try_get::<String, _>("status")?)?,
        recipients: parse_json("outbox recipients", &r.try_get::<String, _>("recipients")?)?,
        subject: r.try_get("subject")?,
        message_id: r.try_get("message_id")?,
        error: r.try_get("error")?,
        reason: r.try_get("reason")?,
        text_body: r.try_get("text_body")?,
        html_body: r.try_get("html_body")?,
    })
}
