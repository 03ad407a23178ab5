//! The command journal: every command a door accepted, kept until its chase has it.
//!
//! A door writes the command here before it asks Temporal, so a command survives a Temporal
//! outage or a missing worker: the reconciler delivers what is still pending, under the same
//! id, which the chase does once however often it arrives.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Result, Store, StoreError, parse_timestamp, timestamp_text};

/// Where a journaled command stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    /// Accepted by a door; the chase may not have it yet.
    Pending,
    /// The chase has it (answered, or queued in its history as a signal).
    Delivered,
    /// The chase refused it; the reason is the outcome.
    Refused,
    /// It can never be delivered (the chase ended meanwhile); the outcome says why.
    Dropped,
}

impl CommandStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandStatus::Pending => "pending",
            CommandStatus::Delivered => "delivered",
            CommandStatus::Refused => "refused",
            CommandStatus::Dropped => "dropped",
        }
    }

    fn parse(text: &str) -> Result<CommandStatus> {
        [
            CommandStatus::Pending,
            CommandStatus::Delivered,
            CommandStatus::Refused,
            CommandStatus::Dropped,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt {
            what: "command status",
            detail: text.to_owned(),
        })
    }
}

/// One journaled command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: String,
    /// The normalised invoice number.
    pub invoice: String,
    pub workflow_id: String,
    /// The request as the chase takes it (`CommandRequest`, JSON).
    pub request: serde_json::Value,
    pub status: CommandStatus,
    pub outcome: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLUMNS: &str = "id, invoice, workflow_id, request, status, outcome, created_at, updated_at";

impl Store {
    /// Journals a command as pending; `false` when this id was journaled before (a repeated
    /// delivery), which changes nothing.
    pub async fn journal_command(
        &self,
        id: &str,
        invoice: &str,
        workflow_id: &str,
        request: &serde_json::Value,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "insert into commands (id, invoice, workflow_id, request, status, created_at, updated_at)
             values ($1, $2, $3, $4, 'pending', $5, $5)
             on conflict (id) do nothing",
        )
        .bind(id.to_owned())
        .bind(invoice.to_owned())
        .bind(workflow_id.to_owned())
        .bind(request.to_string())
        .bind(timestamp_text(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records where a journaled command ended up.
    pub async fn settle_command(
        &self,
        id: &str,
        status: CommandStatus,
        outcome: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("update commands set status = $1, outcome = $2, updated_at = $3 where id = $4")
            .bind(status.as_str())
            .bind(outcome.to_owned())
            .bind(timestamp_text(now))
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn journaled_command(&self, id: &str) -> Result<Option<JournalEntry>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from commands where id = $1"
        )))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    /// The oldest command still pending for `invoice` (normalised), if any.
    pub async fn pending_command_for(&self, invoice: &str) -> Result<Option<JournalEntry>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from commands where status = 'pending' and invoice = $1
             order by created_at, id limit 1"
        )))
        .bind(invoice.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    /// How many commands were journaled under ids starting with `prefix` (`bank:<payment>:`).
    pub async fn journaled_with_prefix(&self, prefix: &str) -> Result<usize> {
        let row = sqlx::query("select count(*) as n from commands where id like $1 escape '\\'")
            .bind(like_prefix(prefix))
            .fetch_one(&self.pool)
            .await?;
        Ok(usize::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    /// The commands journaled under ids starting with `prefix`, oldest first: where a bank
    /// payment went, and whether the chase took it.
    pub async fn commands_with_prefix(&self, prefix: &str) -> Result<Vec<JournalEntry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from commands where id like $1 escape '\\' order by created_at, id"
        )))
        .bind(like_prefix(prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Commands still pending that were accepted at or before `before`, oldest first.
    pub async fn pending_commands(&self, before: Timestamp) -> Result<Vec<JournalEntry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from commands where status = 'pending' and created_at <= $1
             order by created_at, id"
        )))
        .bind(timestamp_text(before))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<JournalEntry> {
    Ok(JournalEntry {
        id: r.try_get("id")?,
        invoice: r.try_get("invoice")?,
        workflow_id: r.try_get("workflow_id")?,
        request: super::parse_json("journaled command", &r.try_get::<String, _>("request")?)?,
        status: CommandStatus::parse(&r.try_get::<String, _>("status")?)?,
        outcome: r.try_get("outcome")?,
        created_at: parse_timestamp(&r.try_get::<String, _>("created_at")?)?,
        updated_at: parse_timestamp(&r.try_get::<String, _>("updated_at")?)?,
    })
}

/// A `like` pattern for ids starting with `prefix`. Ids are ours
/// (`<source>:<event>:<invoice>`); `%` and `_` in them match themselves once escaped.
fn like_prefix(prefix: &str) -> String {
    format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}
