//! The global stop, and what the deliverability guard reads: hard bounces and complaints
//! against the recipients sent to.

use chaser_domain::MailRates;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Result, Store, parse_timestamp, timestamp_text};

/// Sending is held: no customer message leaves until it is released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingHold {
    pub since: Timestamp,
    pub reason: String,
    /// Who held it: `cli`, `api`, `link`, `deliverability guard`.
    pub by: String,
}

/// A hard bounce or a complaint, as the deliverability guard counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailEventKind {
    Bounce,
    Complaint,
}

impl MailEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailEventKind::Bounce => "bounce",
            MailEventKind::Complaint => "complaint",
        }
    }

    /// The kind a suppression's reason names (`bounce`, `complaint`).
    pub fn parse(reason: &str) -> Option<MailEventKind> {
        match reason {
            "bounce" => Some(MailEventKind::Bounce),
            "complaint" => Some(MailEventKind::Complaint),
            _ => None,
        }
    }
}

impl Store {
    pub async fn sending_hold(&self) -> Result<Option<SendingHold>> {
        let row = sqlx::query("select since, reason, held_by from sending_hold where id = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(SendingHold {
                since: parse_timestamp(&r.try_get::<String, _>("since")?)?,
                reason: r.try_get("reason")?,
                by: r.try_get("held_by")?,
            })
        })
        .transpose()
    }

    /// Holds sending; `false` when it was held already (the first hold and its reason stay).
    pub async fn hold_sending(&self, hold: &SendingHold) -> Result<bool> {
        let done = sqlx::query(
            "insert into sending_hold (id, since, reason, held_by) values (1, $1, $2, $3)
             on conflict (id) do nothing",
        )
        .bind(timestamp_text(hold.since))
        .bind(hold.reason.clone())
        .bind(hold.by.clone())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Releases the hold; the hold that was released, or `None` if sending was not held.
    pub async fn release_sending(&self) -> Result<Option<SendingHold>> {
        let held = self.sending_hold().await?;
        if held.is_some() {
            sqlx::query("delete from sending_hold where id = 1")
                .execute(&self.pool)
                .await?;
        }
        Ok(held)
    }

    /// Notes a hard bounce or complaint; `false` when this one (`id`) was noted before, as a
    /// provider that delivers an event twice makes it.
    pub async fn record_mail_event(
        &self,
        id: &str,
        kind: MailEventKind,
        address: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "insert into mail_events (id, kind, address, at) values ($1, $2, $3, $4)
             on conflict (id) do nothing",
        )
        .bind(id.to_owned())
        .bind(kind.as_str())
        .bind(address.to_ascii_lowercase())
        .bind(timestamp_text(at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The last `window` recipients sent to, and the hard bounces and complaints since the
    /// first of them.
    pub async fn mail_rates(&self, window: u32) -> Result<MailRates> {
        let recent = sqlx::query("select sent_at from touches order by sent_at desc limit $1")
            .bind(i64::from(window))
            .fetch_all(&self.pool)
            .await?;
        let Some(oldest) = recent.last() else {
            return Ok(MailRates::default());
        };
        let since: String = oldest.try_get("sent_at")?;
        let counts =
            sqlx::query("select kind, count(*) as n from mail_events where at >= $1 group by kind")
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
        let mut rates = MailRates {
            sends: recent.len() as u64,
            ..MailRates::default()
        };
        for row in counts {
            let n = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
            match MailEventKind::parse(&row.try_get::<String, _>("kind")?) {
                Some(MailEventKind::Bounce) => rates.bounces = n,
                Some(MailEventKind::Complaint) => rates.complaints = n,
                None => {}
            }
        }
        Ok(rates)
    }
}
