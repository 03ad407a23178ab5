//! Forwarded documents and their proposals.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chaser_extract::Proposal;
use chaser_workflows::contracts::ProposalState;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Result, Store, StoreError, parse_json, parse_timestamp, timestamp_text};

/// A document and where its review stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDocument {
    pub id: String,
    pub filename: String,
    pub received_by: String,
    pub received_at: Timestamp,
    pub state: ProposalState,
    pub reader: Option<String>,
    pub proposer: Option<String>,
    pub proposal: Option<Proposal>,
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    pub invoice: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub reason: Option<String>,
}

impl StoredDocument {
    /// Still waiting for the owner.
    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }
}

/// What was read from a document, and by what. `text: None` keeps the text stored before.
pub struct ProposalRecord<'a> {
    pub reader: &'a str,
    pub proposer: &'a str,
    pub text: Option<&'a str>,
    pub proposal: &'a Proposal,
    pub problems: &'a [String],
    pub warnings: &'a [String],
}

/// The id of a document's content: the same PDF handed in twice is one document.
pub fn document_id(content: &[u8]) -> String {
    hex::encode(&Sha256::digest(content)[..16])
}

impl Store {
    /// Keeps a document; `false` if the same content was handed in before.
    pub async fn add_document(
        &self,
        filename: &str,
        content: &[u8],
        received_by: &str,
        now: Timestamp,
    ) -> Result<(String, bool)> {
        let id = document_id(content);
        let added = sqlx::query(
            "insert into documents (id, filename, received_by, received_at, content, state)
             values ($1, $2, $3, $4, $5, 'received') on conflict (id) do nothing",
        )
        .bind(id.clone())
        .bind(filename.to_owned())
        .bind(received_by.to_owned())
        .bind(timestamp_text(now))
        .bind(B64.encode(content))
        .execute(&self.pool)
        .await?;
        Ok((id, added.rows_affected() == 1))
    }

    /// How many documents `received_by` handed in since `since`: a sender's daily quota.
    pub async fn documents_received_since(
        &self,
        received_by: &str,
        since: Timestamp,
    ) -> Result<usize> {
        let row = sqlx::query(
            "select count(*) as n from documents where received_by = $1 and received_at >= $2",
        )
        .bind(received_by.to_owned())
        .bind(timestamp_text(since))
        .fetch_one(&self.pool)
        .await?;
        let n: i64 = row.try_get("n")?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    pub async fn document_content(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("select content from documents where id = $1")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let text: String = r.try_get("content")?;
            B64.decode(text).map_err(|e| StoreError::Corrupt {
                what: "document content",
                detail: e.to_string(),
            })
        })
        .transpose()
    }

    /// Records what was read from an open document (the owner's corrections, too).
    pub async fn save_proposal(&self, id: &str, record: &ProposalRecord<'_>) -> Result<bool> {
        let done = sqlx::query(
            "update documents set state = 'proposed', reader = $1, proposer = $2,
               text = coalesce($3, text), proposal = $4, problems = $5, warnings = $6
             where id = $7 and state in ('received', 'proposed')",
        )
        .bind(record.reader.to_owned())
        .bind(record.proposer.to_owned())
        .bind(record.text.map(str::to_owned))
        .bind(to_json(record.proposal))
        .bind(to_json(&record.problems))
        .bind(to_json(&record.warnings))
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Who decided an open document, before the decision reaches its workflow.
    pub async fn set_document_decider(&self, id: &str, by: &str) -> Result<()> {
        sqlx::query("update documents set decided_by = $1 where id = $2 and state in ('received', 'proposed')")
            .bind(by.to_owned())
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends an open document's review: `approved` (with its invoice), `rejected`, `expired`
    /// or `failed`. `false` if it had ended already.
    pub async fn close_document(
        &self,
        id: &str,
        state: ProposalState,
        invoice: Option<&str>,
        by: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update documents set state = $1, invoice = $2, decided_by = $3, decided_at = $4,
               reason = $5
             where id = $6 and state in ('received', 'proposed')",
        )
        .bind(state.as_str())
        .bind(invoice.map(str::to_owned))
        .bind(by.to_owned())
        .bind(timestamp_text(now))
        .bind(reason.to_owned())
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn document(&self, id: &str) -> Result<Option<StoredDocument>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from documents where id = $1"
        )))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    /// Documents newest first; only those awaiting the owner unless `all`.
    pub async fn documents(&self, all: bool) -> Result<Vec<StoredDocument>> {
        let filter = if all {
            ""
        } else {
            "where state in ('received', 'proposed')"
        };
        // Both parts are constants of this module.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from documents {filter} order by received_at desc, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from_row).collect()
    }
}

const COLUMNS: &str = "id, filename, received_by, received_at, state, reader, proposer, proposal, \
problems, warnings, invoice, decided_by, decided_at, reason";

/// The values this module stores hold only strings and lists, so serializing cannot fail.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn document_from_row(r: &sqlx::any::AnyRow) -> Result<StoredDocument> {
    let time = |col: &str| -> Result<Option<Timestamp>> {
        r.try_get::<Option<String>, _>(col)?
            .map(|s| parse_timestamp(&s))
            .transpose()
    };
    let list = |col: &str| -> Result<Vec<String>> {
        r.try_get::<Option<String>, _>(col)?
            .map_or(Ok(vec![]), |s| parse_json("document list", &s))
    };
    Ok(StoredDocument {
        id: r.try_get("id")?,
        filename: r.try_get("filename")?,
        received_by: r.try_get("received_by")?,
        received_at: parse_timestamp(&r.try_get::<String, _>("received_at")?)?,
        state: {
            let name: String = r.try_get("state")?;
            ProposalState::parse(&name).ok_or_else(|| StoreError::Corrupt {
                what: "document state",
                detail: name,
            })?
        },
        reader: r.try_get("reader")?,
        proposer: r.try_get("proposer")?,
        proposal: r
            .try_get::<Option<String>, _>("proposal")?
            .map(|s| parse_json("proposal", &s))
            .transpose()?,
        problems: list("problems")?,
        warnings: list("warnings")?,
        invoice: r.try_get("invoice")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: time("decided_at")?,
        reason: r.try_get("reason")?,
    })
}
