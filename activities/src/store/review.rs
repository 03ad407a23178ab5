//! Intake snapshots and the owner's review queue.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Result, Store, parse_json, parse_timestamp, timestamp_text};

/// Something for a human to look at, as it is raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReviewItem {
    /// `vanished_from_export`, `unmatched_payment`, `ambiguous_payment`, ...
    pub kind: String,
    /// The normalised invoice number, when the item is about one invoice.
    pub invoice: Option<String>,
    /// One line for the review list.
    pub summary: String,
    pub detail: serde_json::Value,
    /// While an item with this key is open, raising it again adds nothing.
    pub dedup_key: String,
}

/// An item in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub id: i64,
    #[serde(flatten)]
    pub item: NewReviewItem,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

impl Store {
    /// The JSON snapshot an intake source left last time.
    pub async fn snapshot_json(&self, source: &str) -> Result<Option<String>> {
        let row = sqlx::query("select snapshot from intake_snapshots where source = $1")
            .bind(source.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("snapshot")).transpose()?)
    }

    pub async fn save_snapshot_json(
        &self,
        source: &str,
        json: &str,
        rows: usize,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "insert into intake_snapshots (source, snapshot, rows, updated_at) values ($1, $2, $3, $4)
             on conflict (source) do update set snapshot = excluded.snapshot, rows = excluded.rows,
               updated_at = excluded.updated_at",
        )
        .bind(source.to_owned())
        .bind(json.to_owned())
        .bind(i64::try_from(rows).unwrap_or(i64::MAX))
        .bind(timestamp_text(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Puts an item in the review queue; `None` if the same item is already open.
    pub async fn flag_for_review(
        &self,
        item: &NewReviewItem,
        now: Timestamp,
    ) -> Result<Option<i64>> {
        // One statement: a read-then-write transaction on SQLite fails outright (busy
        // snapshot) when the worker writes in between.
        let row = sqlx::query(
            "insert into review_items (kind, invoice, summary, detail, dedup_key, created_at)
             select $1, $2, $3, $4, $5, $6
             where not exists
               (select 1 from review_items where dedup_key = $5 and resolved_at is null)
             returning id",
        )
        .bind(item.kind.clone())
        .bind(item.invoice.clone())
        .bind(item.summary.clone())
        .bind(item.detail.to_string())
        .bind(item.dedup_key.clone())
        .bind(timestamp_text(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get("id")).transpose().map_err(Into::into)
    }

    /// The review queue: open items oldest first, or every item with `include_resolved`.
    pub async fn review_items(&self, include_resolved: bool) -> Result<Vec<ReviewItem>> {
        let sql = if include_resolved {
            "select * from review_items order by id"
        } else {
            "select * from review_items where resolved_at is null order by id"
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(review_from_row).collect()
    }

    pub async fn review_item(&self, id: i64) -> Result<Option<ReviewItem>> {
        let row = sqlx::query("select * from review_items where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(review_from_row).transpose()
    }

    /// Closes an open item; `false` if it was not open.
    pub async fn resolve_review(
        &self,
        id: i64,
        by: &str,
        resolution: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update review_items set resolved_at = $1, resolved_by = $2, resolution = $3
             where id = $4 and resolved_at is null",
        )
        .bind(timestamp_text(now))
        .bind(by.to_owned())
        .bind(resolution.to_owned())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn review_from_row(r: &sqlx::any::AnyRow) -> Result<ReviewItem> {
    let time = |col: &str| -> Result<Option<Timestamp>> {
        r.try_get::<Option<String>, _>(col)?
            .map(|s| parse_timestamp(&s))
            .transpose()
    };
    Ok(ReviewItem {
        id: r.try_get("id")?,
        item: NewReviewItem {
            kind: r.try_get("kind")?,
            invoice: r.try_get("invoice")?,
            summary: r.try_get("summary")?,
            detail: parse_json("review detail", &r.try_get::<String, _>("detail")?)?,
            dedup_key: r.try_get("dedup_key")?,
        },
        created_at: parse_timestamp(&r.try_get::<String, _>("created_at")?)?,
        resolved_at: time("resolved_at")?,
        resolved_by: r.try_get("resolved_by")?,
        resolution: r.try_get("resolution")?,
    })
}
