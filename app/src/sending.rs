//! The global stop: one switch that holds every customer message at once (a wrong file
//! imported, a bad template seen), and the deliverability guard that pulls it by itself
//! before the provider suspends the account. Every door (the CLI, the owner API, the one-tap
//! link in owner e-mails, the guard) goes through [`Chaser::hold_sending`] and
//! [`Chaser::release_sending`]; the send activity's `sending_hold` guardrail reads the store.

use chaser_activities::store::{AuditRecord, MailEventKind, SendingHold};
use chaser_domain::{AuditAction, DeliverabilityLimits};
use jiff::Timestamp;

use crate::chaser::Chaser;
use crate::error::AppError;

/// Who the deliverability guard is, in the audit log and the hold.
pub const GUARD: &str = "deliverability guard";

/// What became of a hold or a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Switched {
    /// Done now.
    Done(SendingHold),
    /// It already was so: a hold keeps its first reason; nothing to release.
    Already(Option<SendingHold>),
}

impl Chaser {
    pub async fn sending_hold(&self) -> Result<Option<SendingHold>, AppError> {
        Ok(self.store().sending_hold().await?)
    }

    /// Holds every customer message (reminders and thank-yous wait; nothing is dropped);
    /// messages to the owner still go. Audited.
    pub async fn hold_sending(&self, reason: &str, by: &str) -> Result<Switched, AppError> {
        let reason = reason.trim();
        if reason.chars().count() > chaser_domain::limits::MAX_TEXT_CHARS {
            return Err(AppError::Invalid(format!(
                "the reason is longer than {} characters",
                chaser_domain::limits::MAX_TEXT_CHARS
            )));
        }
        let hold = SendingHold {
            since: Timestamp::now(),
            reason: if reason.is_empty() {
                "held by the owner".to_owned()
            } else {
                reason.to_owned()
            },
            by: by.to_owned(),
        };
        if !self.store().hold_sending(&hold).await? {
            return Ok(Switched::Already(self.store().sending_hold().await?));
        }
        tracing::warn!(reason = %hold.reason, by, "sending held");
        self.audit_switch(AuditAction::SendingHeld, &hold, by)
            .await?;
        Ok(Switched::Done(hold))
    }

    /// Lets held messages go again: each goes out when its chase next asks (within a tenth
    /// of the hold's length, 30 s to 10 minutes), through every guardrail. Audited.
    pub async fn release_sending(&self, by: &str) -> Result<Switched, AppError> {
        let Some(hold) = self.store().release_sending().await? else {
            return Ok(Switched::Already(None));
        };
        tracing::warn!(by, "sending released");
        self.audit_switch(AuditAction::SendingReleased, &hold, by)
            .await?;
        Ok(Switched::Done(hold))
    }

    async fn audit_switch(
        &self,
        action: AuditAction,
        hold: &SendingHold,
        by: &str,
    ) -> Result<(), AppError> {
        let at = Timestamp::now();
        let record = AuditRecord {
            at,
            invoice: String::new(),
            workflow_id: String::new(),
            action,
            actor: by.to_owned(),
            before: None,
            after: None,
            detail: Some(format!("{} (held since {})", hold.reason, hold.since)),
            dedup_key: format!("sending/{action}/{}", at.as_nanosecond()),
        };
        self.store().append_audit(&record).await?;
        Ok(())
    }

    /// Counts hard bounces and complaints the provider reported (`id` makes a repeated event
    /// count once) and holds sending when the rates reach `limits`. The hold, when this call
    /// made it: the caller tells the owner.
    pub async fn note_mail_events(
        &self,
        events: &[(String, MailEventKind, String)],
        limits: &DeliverabilityLimits,
    ) -> Result<Option<SendingHold>, AppError> {
        let now = Timestamp::now();
        for (id, kind, address) in events {
            self.store()
                .record_mail_event(id, *kind, address, now)
                .await?;
        }
        if events.is_empty() {
            return Ok(None);
        }
        let rates = self.store().mail_rates(limits.window).await?;
        let Some(why) = limits.verdict(&rates) else {
            return Ok(None);
        };
        match self.hold_sending(&why, GUARD).await? {
            Switched::Done(hold) => Ok(Some(hold)),
            Switched::Already(_) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::offline;

    #[tokio::test]
    async fn a_hold_keeps_its_first_reason_and_a_release_is_audited_once() {
        let chaser = offline().await;
        let Switched::Done(hold) = chaser.hold_sending("wrong file", "cli").await.unwrap() else {
            panic!("not held")
        };
        assert_eq!(hold.reason, "wrong file");
        let again = chaser.hold_sending("other", "api").await.unwrap();
        assert!(matches!(again, Switched::Already(Some(h)) if h.reason == "wrong file"));
        assert!(matches!(
            chaser.release_sending("link").await.unwrap(),
            Switched::Done(_)
        ));
        assert_eq!(
            chaser.release_sending("link").await.unwrap(),
            Switched::Already(None)
        );
        let actions: Vec<_> = chaser
            .store()
            .audit_for("")
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.action, r.actor))
            .collect();
        assert_eq!(
            actions,
            [
                (AuditAction::SendingHeld, "cli".to_owned()),
                (AuditAction::SendingReleased, "link".to_owned())
            ]
        );
    }

    #[tokio::test]
    async fn bounces_over_the_limit_hold_sending_once_and_a_repeated_event_counts_once() {
        let chaser = offline().await;
        let store = chaser.store();
        let to: Vec<String> = (0..10).map(|i| format!("c{i}@example.com")).collect();
        store
            .record_touches(&to, "invoice-1", "nudge", Timestamp::now())
            .await
            .unwrap();
        let limits = DeliverabilityLimits {
            min_sends: 10,
            window: 10,
            bounce_percent: 20.0,
            ..DeliverabilityLimits::default()
        };
        let bounce = |n: usize| {
            (
                format!("bounce/c{n}@example.com/m1"),
                MailEventKind::Bounce,
                format!("c{n}@example.com"),
            )
        };
        let first = chaser
            .note_mail_events(&[bounce(1), bounce(1)], &limits)
            .await
            .unwrap();
        assert_eq!(first, None, "one bounce in ten is under 20 %");
        let held = chaser
            .note_mail_events(&[bounce(2)], &limits)
            .await
            .unwrap()
            .expect("two in ten is 20 %");
        assert_eq!(held.by, GUARD);
        assert!(held.reason.contains("2 hard bounces"), "{}", held.reason);
        assert_eq!(
            chaser
                .note_mail_events(&[bounce(3)], &limits)
                .await
                .unwrap(),
            None,
            "held once"
        );
    }
}
