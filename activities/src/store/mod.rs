//! The store: latest invoice states, the outbox, the audit log, the guardrails' tables, intake
//! snapshots and the review queue, in SQLite or Postgres.
//!
//! A SQLite file is the embedded default; a `postgres://` URL selects Postgres. Both run the
//! same queries through sqlx's `Any` driver (text timestamps, `$n` placeholders, upserts with
//! `ON CONFLICT`), and both pass the same store tests.

mod audit;
mod commands;
mod documents;
mod guardrails;
mod outbox;
mod review;
mod sending;

pub use audit::{ChainBreak, ChainReport};
pub use commands::{CommandStatus, JournalEntry};
pub use documents::{ProposalRecord, StoredDocument, document_id};
pub use guardrails::{Approval, ApprovalStatus, Suppression};
pub use outbox::{Claim, OutboxRow, OutboxStatus};
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
    #[error("locking the SQLite file for its migrations: {0}")]
    MigrationLock(std::io::Error),
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

/// An exclusive lock on `<file>.lock` beside a SQLite file, held while its schema is brought
/// up to date; `None` for an in-memory database, which no other process can open.
async fn migration_lock(url: &str) -> Result<Option<std::fs::File>> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Ok(None);
    }
    let lock = std::path::PathBuf::from(format!("{path}.lock"));
    let file = tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|locked| locked)
    .map_err(StoreError::MigrationLock)?;
    Ok(Some(file))
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
                // SQLite has no advisory lock: two processes opening a new file at once (the
                // worker and a command) would both apply a migration, and one would fail.
                let _migrating = migration_lock(&url).await?;
                // WAL lets the worker and the command line use one file at the same time. Set
                // under the lock too: switching a new file's journal needs it to itself.
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
        self.write_invoice(invoice, workflow_id, state, None, None, now)
            .await
    }

    /// Writes the chase's own view of its invoice: the projection whose only writer is the
    /// running chase, as of its audit number `as_of`. A closed state is never reopened by a
    /// late write, and an older projection never replaces a newer one (a send writes the chase
    /// as it will be after its message, and can land after the chase's own next write).
    pub async fn project_chase(
        &self,
        invoice: &Invoice,
        workflow_id: &str,
        state: ChaseState,
        chase: Option<&StatusView>,
        as_of: u64,
        now: Timestamp,
    ) -> Result<()> {
        let state = match self.invoice(&invoice.number.normalized()).await? {
            Some(stored) if stored.state.is_closed() && !state.is_closed() => stored.state,
            _ => state,
        };
        let chase =
            chase
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| StoreError::Corrupt {
                    what: "chase projection",
                    detail: e.to_string(),
                })?;
        let as_of = i64::try_from(as_of).unwrap_or(i64::MAX);
        self.write_invoice(invoice, workflow_id, state, chase, Some(as_of), now)
            .await
    }

    /// Inserts or replaces an invoice's row; a chase's projection (`chase`, `as_of`) replaces
    /// only an older one, and a write without one keeps the row's.
    async fn write_invoice(
        &self,
        invoice: &Invoice,
        workflow_id: &str,
        state: ChaseState,
        chase: Option<String>,
        as_of: Option<i64>,
        now: Timestamp,
    ) -> Result<()> {
        let snapshot = serde_json::to_string(invoice).map_err(|e| StoreError::Corrupt {
            what: "invoice",
            detail: e.to_string(),
        })?;
        sqlx::query(
            "insert into invoices (number_key, number, workflow_id, customer_id, customer_name, state, balance, due_date, snapshot, updated_at, chase, chase_as_of)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             on conflict (number_key) do update set
               number = excluded.number, workflow_id = excluded.workflow_id,
               customer_id = excluded.customer_id, customer_name = excluded.customer_name,
               state = excluded.state, balance = excluded.balance, due_date = excluded.due_date,
               snapshot = excluded.snapshot, updated_at = excluded.updated_at,
               chase = coalesce(excluded.chase, invoices.chase),
               chase_as_of = coalesce(excluded.chase_as_of, invoices.chase_as_of)
             where excluded.chase_as_of is null or invoices.chase_as_of is null
               or invoices.chase_as_of <= excluded.chase_as_of",
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
        .bind(chase)
        .bind(as_of)
        .execute(&self.pool)
        .await?;
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
}
