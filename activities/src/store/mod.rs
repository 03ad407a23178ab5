//! The store: latest invoice states, the outbox, the audit log, the guardrails' tables, intake
//! snapshots and the review queue, in SQLite or Postgres.
//!
//! A SQLite file is the embedded default; a `postgres://` URL selects Postgres. Both run the
//! same queries through sqlx's `Any` driver (text timestamps, `$n` placeholders, upserts with
//! `ON CONFLICT`), and both pass the same store tests.

mod audit;
mod commands;
mod documents;
mod review;
mod sending;

pub use audit::{ChainBreak, ChainReport};
pub use commands::{CommandStatus, JournalEntry};
pub use documents::{ProposalRecord, StoredDocument, document_id};
pub use review::{NewReviewItem, ReviewItem};
pub use sending::{MailEventKind, SendingHold};

use std::str::FromStr;

use chaser_domain::{AuditAction, ChaseState, Invoice};
use chaser_workflows::contracts::StatusView;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt ({what}): {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Appends to the audit chain one at a time within this process, remembering the head
    /// hash; other processes are kept in line by the chain's unique index.
    chain: std::sync::Arc<tokio::sync::Mutex<Option<String>>>,
}

/// An invoice as last recorded, with its chase state.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInvoice {
    pub invoice: Invoice,
    pub workflow_id: String,
    pub state: ChaseState,
    pub updated_at: Timestamp,
    /// The chase as it last wrote itself here; `None` for an invoice never chased, or one
    /// whose chase has not written since this column exists.
    pub chase: Option<StatusView>,
}

impl StoredInvoice {
    /// The chase as the store shows it: its last written copy with the store's state, or,
    /// for one that never wrote a copy, what the invoice row alone says. Every page, report
    /// and digest reads this; none asks the chase.
    pub fn status_view(&self) -> StatusView {
        match &self.chase {
            Some(view) => StatusView {
                state: self.state,
                ..view.clone()
            },
            None => StatusView {
                invoice: self.invoice.number.to_string(),
                state: self.state,
                balance: self.invoice.balance,
                next_touch: None,
                paused_until: None,
                pauses_used: 0,
                paused_days_used: 0,
                sends: vec![],
                pay_clicks: vec![],
                chasing_disabled: self.invoice.do_not_chase,
                overrides: Default::default(),
            },
        }
    }
}

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

/// One audit event. `dedup_key` makes a retried write a no-op.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: Timestamp,
    pub invoice: String,
    pub workflow_id: String,
    pub action: AuditAction,
    pub actor: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub detail: Option<String>,
    pub dedup_key: String,
}

/// Fixed-width UTC text, so timestamps sort the same as instants in both databases.
/// `'sent', 'failed', ...`: the final outbox statuses, for `status not in (...)`.
fn final_statuses_sql() -> String {
    OUTBOX_STATUSES
        .iter()
        .filter(|(s, _)| s.is_final())
        .map(|(_, n)| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn timestamp_text(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn parse_timestamp(s: &str) -> Result<Timestamp> {
    s.parse().map_err(|e: jiff::Error| StoreError::Corrupt {
        what: "timestamp",
        detail: e.to_string(),
    })
}

fn parse_json<T: for<'de> Deserialize<'de>>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

const INVOICE_COLUMNS: &str = "snapshot, workflow_id, state, updated_at, chase";

fn stored_invoice(row: &sqlx::any::AnyRow) -> Result<StoredInvoice> {
    Ok(StoredInvoice {
        invoice: parse_json("invoice snapshot", &row.try_get::<String, _>("snapshot")?)?,
        workflow_id: row.try_get("workflow_id")?,
        state: parse_state(&row.try_get::<String, _>("state")?)?,
        updated_at: parse_timestamp(&row.try_get::<String, _>("updated_at")?)?,
        chase: row
            .try_get::<Option<String>, _>("chase")?
            .map(|json| parse_json("chase projection", &json))
            .transpose()?,
    })
}

fn parse_state(s: &str) -> Result<ChaseState> {
    parse_json("chase state", &format!("\"{s}\""))
}

impl Store {
    /// Connects and brings the schema up to date. `sqlite://` files are created if missing.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        // SQLite allows one writer; a small pool avoids lock contention between connections.
        let max = if backend == Backend::Sqlite { 1 } else { 10 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        match backend {
            Backend::Sqlite => {
                // WAL lets the worker and the command line use one file at the same time.
                sqlx::query("pragma journal_mode = wal")
                    .execute(&pool)
                    .await?;
                sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
            }
            Backend::Postgres => sqlx::migrate!("../migrations/postgres").run(&pool).await?,
        }
        let store = Store {
            pool,
            backend,
            chain: std::sync::Arc::default(),
        };
        store.seal_audit().await?;
        Ok(store)
    }

    /// The connection pool, for raw SQL in tests and maintenance tools.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Records an invoice's latest facts and state (insert or replace).
    pub async fn upsert_invoice(
        &self,
        invoice: &Invoice,
        workflow_id: &str,
        state: ChaseState,
        now: Timestamp,
    ) -> Result<()> {
        let snapshot = serde_json::to_string(invoice).map_err(|e| StoreError::Corrupt {
            what: "invoice",
            detail: e.to_string(),
        })?;
        sqlx::query(
            "insert into invoices (number_key, number, workflow_id, customer_id, customer_name, state, balance, due_date, snapshot, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             on conflict (number_key) do update set
               number = excluded.number, workflow_id = excluded.workflow_id,
               customer_id = excluded.customer_id, customer_name = excluded.customer_name,
               state = excluded.state, balance = excluded.balance, due_date = excluded.due_date,
               snapshot = excluded.snapshot, updated_at = excluded.updated_at",
        )
        .bind(invoice.number.normalized())
        .bind(invoice.number.as_str().to_owned())
        .bind(workflow_id.to_owned())
        .bind(invoice.customer.id.clone())
        .bind(invoice.customer.name.clone())
        .bind(state.as_str())
        .bind(invoice.balance.to_string())
        .bind(invoice.due_date.to_string())
        .bind(snapshot)
        .bind(timestamp_text(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Writes the chase's own view of its invoice: the projection whose only writer is the
    /// running chase. A closed state is never reopened by a late write.
    pub async fn project_chase(
        &self,
        invoice: &Invoice,
        workflow_id: &str,
        state: ChaseState,
        chase: Option<&StatusView>,
        now: Timestamp,
    ) -> Result<()> {
        let state = match self.invoice(&invoice.number.normalized()).await? {
            Some(stored) if stored.state.is_closed() && !state.is_closed() => stored.state,
            _ => state,
        };
        self.upsert_invoice(invoice, workflow_id, state, now)
            .await?;
        if let Some(chase) = chase {
            let json = serde_json::to_string(chase).map_err(|e| StoreError::Corrupt {
                what: "chase projection",
                detail: e.to_string(),
            })?;
            sqlx::query("update invoices set chase = $1 where number_key = $2")
                .bind(json)
                .bind(invoice.number.normalized())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn invoice(&self, number_key: &str) -> Result<Option<StoredInvoice>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {INVOICE_COLUMNS} from invoices where number_key = $1"
        )))
        .bind(number_key.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_invoice).transpose()
    }

    /// Every invoice the store knows, open or closed (for reports).
    pub async fn all_invoices(&self) -> Result<Vec<StoredInvoice>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {INVOICE_COLUMNS} from invoices order by number_key"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_invoice).collect()
    }

    /// Every invoice whose chase is still open (for matching payments, aging).
    pub async fn open_invoices(&self) -> Result<Vec<StoredInvoice>> {
        let mut all = self.all_invoices().await?;
        all.retain(|s| !s.state.is_closed());
        Ok(all)
    }

    /// Sets the state of an invoice whose chase ended without writing it here (the
    /// reconciler's repair). A closed state is only ever replaced by another closing one.
    pub async fn set_state(
        &self,
        number_key: &str,
        state: ChaseState,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update invoices set state = $1, updated_at = $2
             where number_key = $3 and (state not in ('paid', 'written_off', 'void') or $4 = 1)",
        )
        .bind(state.as_str())
        .bind(timestamp_text(now))
        .bind(number_key.to_owned())
        .bind(i64::from(state.is_closed()))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

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

    async fn handed_over(&self, workflow_id: &str, step_id: &str) -> Result<bool> {
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
}

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
