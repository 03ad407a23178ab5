//! The daily review: what needs the owner today, with one-tap actions. The `DailyReview`
//! workflow e-mails it each morning (a Temporal Schedule at the configured hour in the
//! company's time zone); `GET /review` serves the same content with buttons.

use std::sync::Arc;

use chaser_activities::links::{Act, LinkAction, Links, Purpose, SendingSwitch};
use chaser_activities::mail::{Mailer, OutgoingEmail};
use chaser_activities::render::{
    Company, DigestAction, DigestLine, DigestSection, DigestView, Renderer,
};
use chaser_activities::store::StoredInvoice;
use chaser_domain::{ChaseState, Email, Move, Zone};
use chaser_workflows::contracts::{DailyReviewInput, DailyReviewOutcome};
use chaser_workflows::daily_review::activity_defs;

use jiff::{SignedDuration, Timestamp};
use minijinja::context;
use serde::Serialize;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::pages;
use crate::state::AppState;
use chaser_app::{AppError, Chaser};

/// A pause ending within this is "ending soon".
const PAUSE_ENDING_SOON: SignedDuration = SignedDuration::from_hours(48);

/// A one-tap action on an item: the label and the signed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemAction {
    pub label: String,
    pub url: String,
}

/// One line of the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewLine {
    /// The invoice number, or the document or review item it is about.
    pub subject: String,
    pub customer: String,
    /// The open balance, grouped: `USD 1,200.00`.
    pub balance: String,
    /// What is happening: `nudge at 09:00`, `paused until 2026-12-01`, `failed: bounced`.
    pub note: String,
    pub actions: Vec<ItemAction>,
}

/// The review's sections, in the order the page and the e-mail show them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// The company's local date the review is for.
    pub date: String,
    pub owner: Option<String>,
    /// Sending is held (the global stop): one line, with a one-tap "Resume sending".
    pub sending_held: Vec<ReviewLine>,
    /// While sending is not held: the one-tap link that holds it.
    pub pause_sending: Option<String>,
    /// Today's planned moves: nudges, follow-ups, escalations, final notices.
    pub planned: Vec<ReviewLine>,
    pub newly_overdue: Vec<ReviewLine>,
    pub escalated: Vec<ReviewLine>,
    pub disputed: Vec<ReviewLine>,
    pub paused: Vec<ReviewLine>,
    pub pauses_ending: Vec<ReviewLine>,
    pub failed: Vec<ReviewLine>,
    /// Sends handed to the provider with no answer: they may have arrived. Never repeated by
    /// themselves; each has a one-tap "Send again".
    pub uncertain: Vec<ReviewLine>,
    pub awaiting_approval: Vec<ReviewLine>,
    pub proposals: Vec<ReviewLine>,
    /// The review queue: vanished rows, unmatched payments, broken syncs.
    pub to_review: Vec<ReviewLine>,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.item_count() == 0
    }

    pub fn item_count(&self) -> usize {
        [
            &self.sending_held,
            &self.planned,
            &self.newly_overdue,
            &self.escalated,
            &self.disputed,
            &self.paused,
            &self.pauses_ending,
            &self.failed,
            &self.uncertain,
            &self.awaiting_approval,
            &self.proposals,
            &self.to_review,
        ]
        .iter()
        .map(|s| s.len())
        .sum()
    }

    /// `(title, lines)` for each non-empty section.
    pub fn sections(&self) -> Vec<(&'static str, &[ReviewLine])> {
        [
            (
                "Sending is held: no reminder or thank-you goes out",
                &self.sending_held,
            ),
            ("Today's planned moves", &self.planned),
            ("Newly overdue", &self.newly_overdue),
            ("Escalated", &self.escalated),
            ("Disputed", &self.disputed),
            ("Paused", &self.paused),
            ("Pauses ending soon", &self.pauses_ending),
            ("Failed sends", &self.failed),
            (
                "Sent, perhaps: the provider gave no answer",
                &self.uncertain,
            ),
            (
                "Messages waiting for your approval",
                &self.awaiting_approval,
            ),
            (
                "Forwarded invoices waiting for your approval",
                &self.proposals,
            ),
            ("To review", &self.to_review),
        ]
        .into_iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(title, lines)| (title, lines.as_slice()))
        .collect()
    }
}

fn move_label(action: Move) -> &'static str {
    match action {
        Move::Nudge => "nudge",
        Move::FollowUp => "follow-up",
        Move::Escalate => "escalation",
        Move::FinalNotice => "final notice",
    }
}

/// Builds digests: the store and the chases' own status, and links signed for the owner.
pub struct Reviewer {
    pub chaser: Arc<Chaser>,
    pub links: Links,
    pub action_ttl: SignedDuration,
    pub approval_ttl: SignedDuration,
    pub zone: Zone,
}

// Here rather than beside `AppState`, so the state does not depend on the review above it.
impl AppState {
    /// The daily review's builder, with this server's links.
    pub fn reviewer(&self) -> Reviewer {
        Reviewer {
            chaser: self.chaser.clone(),
            links: self.links.clone(),
            action_ttl: self.action_link_ttl,
            approval_ttl: self.approval_ttl,
            zone: self.zone.clone(),
        }
    }
}

impl Reviewer {
    /// The one-tap link for `act` on `stored`, made for `owner`.
    fn act_link(
        &self,
        stored: &StoredInvoice,
        act: &Act,
        label: &str,
        owner: &str,
        now: Timestamp,
    ) -> ItemAction {
        ItemAction {
            label: label.to_owned(),
            url: self.links.url(
                "act",
                &Links::claims(
                    Purpose::Act,
                    stored.invoice.number.as_str(),
                    &stored.workflow_id,
                    &act.subject(),
                    owner,
                    now,
                    self.action_ttl,
                ),
            ),
        }
    }

    fn act_links(&self, stored: &StoredInvoice, owner: &str, now: Timestamp) -> Vec<ItemAction> {
        let link = |action: LinkAction, label: &str| {
            self.act_link(stored, &Act::on_chase(action), label, owner, now)
        };
        let chasing = if stored.invoice.do_not_chase {
            link(LinkAction::Enable, "Restart reminders")
        } else {
            link(LinkAction::Disable, "Stop reminders")
        };
        let mut actions = match stored.state {
            ChaseState::Disputed => vec![
                link(LinkAction::ResolveResume, "Resolve and resume"),
                link(LinkAction::Writeoff, "Write off"),
            ],
            ChaseState::Paused => vec![
                link(LinkAction::Resume, "Resume"),
                link(LinkAction::Writeoff, "Write off"),
            ],
            _ => vec![
                link(LinkAction::Pause7d, "Pause 7 days"),
                link(LinkAction::Promise7d, "Promised within 7 days"),
                link(LinkAction::Dispute, "Dispute"),
                chasing,
                link(LinkAction::Writeoff, "Write off"),
            ],
        };
        actions.push(link(LinkAction::Paid, "Mark paid"));
        actions
    }

    fn line(
        &self,
        stored: &StoredInvoice,
        note: String,
        owner: &str,
        now: Timestamp,
    ) -> ReviewLine {
        ReviewLine {
            subject: stored.invoice.number.to_string(),
            customer: stored.invoice.customer.name.clone(),
            balance: stored.invoice.balance.grouped(),
            note,
            actions: self.act_links(stored, owner, now),
        }
    }

    /// The review for `owner` (their invoices, and everything not tied to an invoice owner),
    /// or for everyone when `owner` is `None`.
    pub async fn digest(&self, owner: Option<&Email>, now: Timestamp) -> Result<Digest, AppError> {
        let tz = self.zone.tz();
        let today = now.to_zoned(tz.clone()).date();
        let end_of_day = today
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map_or(now, |z| z.timestamp());
        let store = self.chaser.store();
        let mut digest = Digest {
            date: today.to_string(),
            owner: owner.map(ToString::to_string),
            ..Digest::default()
        };
        let mine = |stored: &StoredInvoice| owner.is_none_or(|o| &stored.invoice.owner_email == o);
        let issued_to = owner.map_or("", Email::as_str);
        let sending_url = |switch| {
            self.links
                .sending_url(switch, issued_to, now, self.action_ttl)
        };
        match self.chaser.sending_hold().await? {
            Some(hold) => digest.sending_held.push(ReviewLine {
                subject: "All sending".to_owned(),
                customer: String::new(),
                balance: String::new(),
                note: format!(
                    "held since {} by {}: {}. Reminders and thank-yous wait; nothing is dropped.",
                    hold.since
                        .to_zoned(tz.clone())
                        .strftime("%Y-%m-%d %H:%M %Z"),
                    hold.by,
                    hold.reason
                ),
                actions: vec![ItemAction {
                    label: "Resume sending".to_owned(),
                    url: sending_url(SendingSwitch::Resume),
                }],
            }),
            None => digest.pause_sending = Some(sending_url(SendingSwitch::Pause)),
        }
        for stored in store.open_invoices().await?.iter().filter(|s| mine(s)) {
            let who = stored.invoice.owner_email.as_str();
            let due = stored.invoice.due_date;
            if due < today && due >= today.yesterday().unwrap_or(due) {
                digest
                    .newly_overdue
                    .push(self.line(stored, format!("was due {due}"), who, now));
            }
            match stored.state {
                ChaseState::Disputed => {
                    digest.disputed.push(self.line(
                        stored,
                        "sending stopped until resolved".into(),
                        who,
                        now,
                    ));
                    continue;
                }
                ChaseState::Escalated => {
                    digest
                        .escalated
                        .push(self.line(stored, format!("due {due}"), who, now));
                }
                _ => {}
            }
            // The store's copy, which the chase wrote when it last changed: the review asks no
            // chase anything (a query per open invoice a day would cost more than the chases).
            let status = stored.status_view();
            if let Some(until) = status.paused_until.filter(|u| *u > now) {
                let until_text = until
                    .to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string();
                digest.paused.push(self.line(
                    stored,
                    format!("paused until {until_text}"),
                    who,
                    now,
                ));
                if until.duration_since(now) <= PAUSE_ENDING_SOON {
                    digest.pauses_ending.push(self.line(
                        stored,
                        format!("resumes {until_text}"),
                        who,
                        now,
                    ));
                }
            }
            if let Some(next) = status.next_touch.filter(|n| n.at < end_of_day) {
                let at = next.at.to_zoned(tz.clone()).strftime("%H:%M").to_string();
                let note = format!("{} ({}) at {at}", move_label(next.action), next.step_id);
                digest.planned.push(self.line(stored, note, who, now));
            }
            if stored.state == ChaseState::Failed {
                let why = status
                    .sends
                    .iter()
                    .rev()
                    .find_map(|s| match &s.state {
                        chaser_domain::StepState::Failed { error } => Some(error.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "the last send failed".into());
                digest.failed.push(self.line(stored, why, who, now));
            }
            for send in &status.sends {
                if let chaser_domain::StepState::Uncertain { reason } = &send.state {
                    let mut line = self.line(
                        stored,
                        format!(
                            "{} may have reached the customer ({reason}): ask them, or check the provider, before sending again",
                            send.step_id
                        ),
                        who,
                        now,
                    );
                    line.actions.insert(
                        0,
                        self.act_link(stored, &Act::resend(&send.step_id), "Send again", who, now),
                    );
                    digest.uncertain.push(line);
                }
            }
        }
        for approval in store.pending_approvals().await? {
            let Some(stored) = store.invoice(&approval.invoice).await? else {
                continue;
            };
            if !mine(&stored) {
                continue;
            }
            let who = stored.invoice.owner_email.as_str();
            let claims = Links::claims(
                Purpose::Approve,
                stored.invoice.number.as_str(),
                &approval.workflow_id,
                &approval.message_key,
                who,
                now,
                self.approval_ttl,
            );
            digest.awaiting_approval.push(ReviewLine {
                subject: stored.invoice.number.to_string(),
                customer: stored.invoice.customer.name.clone(),
                balance: stored.invoice.balance.grouped(),
                note: format!(
                    "\"{}\" (dropped after {})",
                    approval.subject,
                    approval.expires_at.strftime("%Y-%m-%d %H:%M UTC")
                ),
                actions: vec![ItemAction {
                    label: "Review and approve".into(),
                    url: self.links.url("approvals", &claims),
                }],
            });
        }
        for doc in store.documents(false).await? {
            let proposal = doc.proposal.clone().unwrap_or_default();
            digest.proposals.push(ReviewLine {
                subject: proposal
                    .number
                    .clone()
                    .unwrap_or_else(|| doc.filename.clone()),
                customer: proposal.customer_name.clone().unwrap_or_default(),
                balance: [proposal.currency.clone(), proposal.amount.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                note: format!(
                    "read from {}; see the approval e-mail, or `chaser proposals`",
                    doc.filename
                ),
                actions: vec![],
            });
        }
        for item in store.review_items(false).await? {
            digest.to_review.push(ReviewLine {
                subject: item
                    .item
                    .invoice
                    .clone()
                    .unwrap_or_else(|| item.item.kind.clone()),
                customer: String::new(),
                balance: String::new(),
                note: format!("#{} {}", item.id, item.item.summary),
                actions: vec![],
            });
        }
        Ok(digest)
    }

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
                .map(|a| DigestAction {
                    label: a.label.clone(),
                    url: a.url.clone(),
                })
                .collect(),
        };
        let view = DigestView {
            company: company.clone(),
            date: digest.date.clone(),
            count: digest.item_count(),
            sections: digest
                .sections()
                .into_iter()
                .map(|(title, lines)| DigestSection {
                    title: title.to_owned(),
                    lines: lines.iter().map(line).collect(),
                })
                .collect(),
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
        let owners = self
            .reviewer
            .chaser
            .owners(self.default_owner.as_ref())
            .await?;
        let mut outcome = DailyReviewOutcome::default();
        for owner in owners {
            let digest = self.reviewer.digest(Some(&owner), now).await?;
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

/// `GET /review`: the review for everyone, with buttons. For the owner: a session from
/// `/login`, or the API token as a bearer header. A token in the URL is not accepted (it
/// would stay in browser history, proxy logs and `Referer` headers).
pub(crate) async fn page(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::http::StatusCode;
    if state.api_token.is_none() {
        return pages::notice(
            &state,
            StatusCode::UNAUTHORIZED,
            "Not available",
            "The review page needs http.api_token to be set.",
        );
    }
    if !crate::session::is_owner(&state, &headers) {
        return axum::response::IntoResponse::into_response(axum::response::Redirect::to("/login"));
    }
    let reviewer = state.reviewer();
    let digest = match reviewer.digest(None, Timestamp::now()).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error.message = %e, "the review page failed");
            return pages::notice(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Not now",
                "Please try again in a minute.",
            );
        }
    };
    let ctx = context! {
        title => format!("Collections review · {}", digest.date),
        date => &digest.date,
        count => digest.item_count(),
        sections => minijinja::Value::from(minijinja::value::Serde(digest.sections())),
        company => &state.company_name,
        pause_sending => &digest.pause_sending,
    };
    pages::render(StatusCode::OK, "review.html", ctx)
}
