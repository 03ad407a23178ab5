//! The audit log: append-only and hash-chained. Each row stores the previous row's hash and
//! its own, a SHA-256 over the previous hash and its content as stored, so `verify` finds any
//! row edited or deleted after the fact. The store keeps the record for years; Temporal's
//! history is kept only for the namespace's retention period.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use chaser_domain::AuditAction;
use jiff::Timestamp;

use super::{AuditRecord, Result, Store, StoreError, parse_json, parse_timestamp, timestamp_text};

/// A retry budget for writers racing for the same place in the chain.
const APPEND_ATTEMPTS: usize = 20;

/// Where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The row id.
    pub id: i64,
    pub invoice: String,
    pub action: String,
    pub problem: String,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub rows: usize,
    /// The last row's hash: note it down, and a later `verify` that ends elsewhere shows rows
    /// removed from the end.
    pub head: String,
    pub breaks: Vec<ChainBreak>,
}

/// The stored text of a row, as hashed.
struct Stored {
    at: String,
    invoice: String,
    workflow_id: String,
    action: String,
    actor: String,
    before: Option<String>,
    after: Option<String>,
    detail: Option<String>,
    dedup_key: String,
}

impl Stored {
    fn of(record: &AuditRecord) -> Stored {
        Stored {
            at: timestamp_text(record.at),
            invoice: record.invoice.clone(),
            workflow_id: record.workflow_id.clone(),
            action: record.action.as_str().to_owned(),
            actor: record.actor.clone(),
            before: record.before.as_ref().map(ToString::to_string),
            after: record.after.as_ref().map(ToString::to_string),
            detail: record.detail.clone(),
            dedup_key: record.dedup_key.clone(),
        }
    }

    fn read(r: &sqlx::any::AnyRow) -> Result<Stored> {
        Ok(Stored {
            at: r.try_get("at")?,
            invoice: r.try_get("invoice")?,
            workflow_id: r.try_get("workflow_id")?,
            action: r.try_get("action")?,
            actor: r.try_get("actor")?,
            before: r.try_get("before")?,
            after: r.try_get("after")?,
            detail: r.try_get("detail")?,
            dedup_key: r.try_get("dedup_key")?,
        })
    }

    /// SHA-256 over the previous hash and every field, each length-prefixed so that no two
    /// different rows can hash the same input.
    fn hash(&self, prev: &str) -> String {
        let mut digest = Sha256::new();
        let fields: [Option<&str>; 10] = [
            Some(prev),
            Some(&self.at),
            Some(&self.invoice),
            Some(&self.workflow_id),
            Some(&self.action),
            Some(&self.actor),
            self.before.as_deref(),
            self.after.as_deref(),
            self.detail.as_deref(),
            Some(&self.dedup_key),
        ];
        for field in fields {
            match field {
                None => digest.update(b"-"),
                Some(text) => {
                    digest.update(format!("{}:", text.len()).as_bytes());
                    digest.update(text.as_bytes());
                }
            }
        }
        hex::encode(digest.finalize())
    }
}

const COLUMNS: &str = "id, at, invoice, workflow_id, action, actor, before, after, detail, dedup_key, prev_hash, hash";

impl Store {
    /// Appends an audit event; `false` if this `dedup_key` was already written.
    pub async fn append_audit(&self, record: &AuditRecord) -> Result<bool> {
        let row = Stored::of(record);
        // The lock keeps this process's appends in line and remembers the chain's head, so an
        // append is one insert; another process's append shows as a conflict, and a re-read.
        let mut head = self.chain.lock().await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let prev = match head.as_ref() {
                Some(hash) => hash.clone(),
                None => self.audit_head().await?,
            };
            let hash = row.hash(&prev);
            let done = sqlx::query(
                "insert into audit_log (at, invoice, workflow_id, action, actor, before, after, detail, dedup_key, prev_hash, hash)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 on conflict (dedup_key) do nothing",
            )
            .bind(row.at.clone())
            .bind(row.invoice.clone())
            .bind(row.workflow_id.clone())
            .bind(row.action.clone())
            .bind(row.actor.clone())
            .bind(row.before.clone())
            .bind(row.after.clone())
            .bind(row.detail.clone())
            .bind(row.dedup_key.clone())
            .bind(prev.clone())
            .bind(hash.clone())
            .execute(&self.pool)
            .await;
            match done {
                Ok(done) => {
                    let appended = done.rows_affected() == 1;
                    *head = Some(if appended { hash } else { prev });
                    return Ok(appended);
                }
                // Another writer took this place in the chain first: link to its row instead.
                Err(sqlx::Error::Database(e))
                    if e.is_unique_violation() && attempt < APPEND_ATTEMPTS =>
                {
                    *head = None;
                    let pause =
                        std::time::Duration::from_millis(5 * u64::try_from(attempt).unwrap_or(1));
                    tokio::time::sleep(pause).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The hash the next row links to: the last row's, or empty for the first.
    async fn audit_head(&self) -> Result<String> {
        let row = sqlx::query(
            "select hash from audit_log where hash is not null order by id desc limit 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| r.try_get::<String, _>("hash"))
            .transpose()?
            .unwrap_or_default())
    }

    /// Links rows written before the chain existed, in order, after the last linked one.
    pub async fn seal_audit(&self) -> Result<usize> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from audit_log where hash is null order by id"
        )))
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let prev = self.audit_head().await?;
            let hash = Stored::read(r)?.hash(&prev);
            sqlx::query(
                "update audit_log set prev_hash = $1, hash = $2 where id = $3 and hash is null",
            )
            .bind(prev)
            .bind(hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        Ok(rows.len())
    }

    /// Walks the whole chain: every row's content must hash to its stored hash, and link to
    /// the row before it.
    pub async fn verify_audit(&self) -> Result<ChainReport> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from audit_log order by id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut prev = String::new();
        let mut breaks = vec![];
        for r in &rows {
            let stored = Stored::read(r)?;
            let id: i64 = r.try_get("id")?;
            let linked: Option<String> = r.try_get("prev_hash")?;
            let hash: Option<String> = r.try_get("hash")?;
            let mut problem = |text: String| {
                breaks.push(ChainBreak {
                    id,
                    invoice: stored.invoice.clone(),
                    action: stored.action.clone(),
                    problem: text,
                });
            };
            match (linked, hash) {
                (Some(linked), Some(hash)) => {
                    if linked != prev {
                        problem("it does not follow the row before it: a row was deleted or inserted here".into());
                    }
                    if stored.hash(&linked) != hash {
                        problem("its content does not match its hash: it was edited".into());
                    }
                    prev = hash;
                }
                _ => problem("it is not in the chain (written without a hash)".into()),
            }
        }
        Ok(ChainReport {
            rows: rows.len(),
            head: prev,
            breaks,
        })
    }

    /// The audit trail of one invoice, in the order it was written.
    pub async fn audit_for(&self, invoice: &str) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from audit_log where invoice = $1 order by id"
        )))
        .bind(invoice.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Every audit event with one of `actions`, in the order written (the reports' ledger).
    pub async fn audit_with_actions(&self, actions: &[AuditAction]) -> Result<Vec<AuditRecord>> {
        self.audit_since(Timestamp::MIN, actions).await
    }

    /// The audit events with one of `actions` written at or after `since`, in the order
    /// written (the cockpit's "since yesterday"; `audit_log_at` keeps it off the whole log).
    pub async fn audit_since(
        &self,
        since: Timestamp,
        actions: &[AuditAction],
    ) -> Result<Vec<AuditRecord>> {
        if actions.is_empty() {
            return Ok(vec![]);
        }
        // The names are our own constants, never input.
        let names: Vec<String> = actions
            .iter()
            .map(|a| format!("'{}'", a.as_str()))
            .collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from audit_log where at >= $1 and action in ({}) order by id",
            names.join(", ")
        )))
        .bind(timestamp_text(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }
}

fn record_from_row(r: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    let json = |col: &str| -> Result<Option<serde_json::Value>> {
        r.try_get::<Option<String>, _>(col)?
            .map(|s| parse_json("audit snapshot", &s))
            .transpose()
    };
    Ok(AuditRecord {
        at: parse_timestamp(&r.try_get::<String, _>("at")?)?,
        invoice: r.try_get("invoice")?,
        workflow_id: r.try_get("workflow_id")?,
        action: {
            let name: String = r.try_get("action")?;
            AuditAction::parse(&name).ok_or_else(|| StoreError::Corrupt {
                what: "audit action",
                detail: name,
            })?
        },
        actor: r.try_get("actor")?,
        before: json("before")?,
        after: json("after")?,
        detail: r.try_get("detail")?,
        dedup_key: r.try_get("dedup_key")?,
    })
}
