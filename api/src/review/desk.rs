//! The daily review e-mail: the cockpit's content, short enough for a phone, sent to each
//! owner by the `DailyReview` workflow's activity.

use std::sync::Arc;

use chaser_activities::mail::{Mailer, OutgoingEmail};
use chaser_activities::render::{
    Company, DigestAction, DigestLine, DigestSection, DigestTally, DigestView, Renderer,
};
use chaser_app::AppError;
use chaser_domain::Email;
use chaser_workflows::contracts::{DailyReviewInput, DailyReviewOutcome};
use chaser_workflows::daily_review::activity_defs;
use jiff::Timestamp;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::{Digest, EMAIL_LINES, ReviewLine, Reviewer};

impl Reviewer {
    /// The digest as an e-mail, from the `daily_review` templates (which the owner may
    /// override like any other).
    pub fn email(
        &self,
        digest: &Digest,
        from: &str,
        renderer: &Renderer,
        company: &Company,
    ) -> Result<OutgoingEmail, String> {
        let line = |l: &ReviewLine| DigestLine {
            subject: l.subject.clone(),
            customer: l.customer.clone(),
            balance: l.balance.clone(),
            note: l.note.clone(),
            actions: l
                .actions
                .iter()
                .filter(|a| a.in_email())
                .map(|a| DigestAction {
                    label: a.label.clone(),
                    url: a.url.clone(),
                })
                .collect(),
        };
        let sections = digest
            .parts(EMAIL_LINES)
            .into_iter()
            .flat_map(|part| {
                part.sections.into_iter().map(move |s| DigestSection {
                    part: part.title.to_owned(),
                    title: s.title.to_owned(),
                    lines: s.lines.iter().map(line).collect(),
                    more: s.more,
                })
            })
            .collect();
        let (money, late_payers) = digest.money.lines();
        let view = DigestView {
            company: company.clone(),
            date: digest.date.clone(),
            count: digest.item_count(),
            week: digest
                .week
                .iter()
                .map(|t| DigestTally {
                    label: t.label.to_owned(),
                    today: t.today,
                    week: t.week,
                })
                .collect(),
            sections,
            money,
            late_payers,
            cockpit: self.absolute("/review"),
            pause_sending: digest.pause_sending.clone(),
        };
        let rendered = renderer.render_digest(&view).map_err(|e| e.to_string())?;
        Ok(OutgoingEmail {
            from: from.to_owned(),
            reply_to: None,
            to: vec![digest.owner.clone().unwrap_or_default()],
            cc: vec![],
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            attachments: vec![],
        })
    }
}

/// The daily review's activity: one digest per owner with something to look at.
pub struct ReviewDesk {
    pub reviewer: Reviewer,
    pub mailer: Arc<dyn Mailer>,
    pub renderer: Arc<Renderer>,
    pub from: String,
    pub company: Company,
    /// Owners to always review for (the config's default owner), besides every invoice owner.
    pub default_owner: Option<Email>,
}

impl ReviewDesk {
    pub async fn send_digests(&self, now: Timestamp) -> Result<DailyReviewOutcome, AppError> {
        // One reading for every owner: the store is read once a review, not once an owner.
        let reading = self.reviewer.read(now).await?;
        let mut outcome = DailyReviewOutcome::default();
        for owner in reading.owners(self.default_owner.as_ref()) {
            let digest = self.reviewer.digest_of(&reading, Some(&owner));
            if digest.is_empty() {
                continue;
            }
            let email = self
                .reviewer
                .email(&digest, &self.from, &self.renderer, &self.company)
                .map_err(AppError::Invalid)?;
            self.mailer
                .send(&email)
                .await
                .map_err(|e| AppError::Invalid(format!("sending the review to {owner}: {e}")))?;
            outcome.sent_to.push(owner.to_string());
            outcome.items += digest.item_count();
        }
        Ok(outcome)
    }
}

#[activities]
impl ReviewDesk {
    #[activity(definition = activity_defs::SendDigests)]
    pub async fn send_digests_activity(
        self: Arc<Self>,
        _ctx: ActivityContext,
        _input: DailyReviewInput,
    ) -> Result<DailyReviewOutcome, ActivityError> {
        self.send_digests(Timestamp::now()).await.map_err(|e| {
            ActivityError::application(ApplicationFailure::builder(e.to_string()).build())
        })
    }
}
