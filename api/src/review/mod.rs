//! The owner's cockpit, and the daily review that e-mails the same content each morning.
//!
//! Four parts: what goes out (today, by move, and the week ahead), what needs the owner (every
//! item with its actions), where the money stands (aging per currency, collections, DSO, the
//! late payers, as small charts), and what happened since yesterday. `GET /review` shows it
//! with buttons; the `DailyReview` workflow mails it at the review hour (a Temporal Schedule in
//! the company's time zone). Everything is read from the store (the copy each chase writes
//! when it changes) and the audit log, never by asking a chase: a query per open invoice a day
//! would cost more than the chases themselves.

mod build;
mod desk;
mod money;
mod page;

use std::sync::Arc;

use chaser_activities::links::{Act, Links, Purpose};
use chaser_activities::store::{ReviewItem, StoredInvoice};
use chaser_domain::{Money, Move, Zone};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::state::AppState;
use chaser_app::Chaser;

pub use build::Reading;
pub use desk::ReviewDesk;
pub use money::MoneyView;
pub use page::{Notice, render_cockpit};
pub(crate) use page::{cockpit, invoice_page, item_action, page};

/// Lines a section shows on the page; the rest are counted ("and 12 more").
pub const PAGE_LINES: usize = 50;
/// Lines a section shows in the e-mail, which must fit a phone's screen or two.
pub const EMAIL_LINES: usize = 5;

/// Where an action is offered: a form on the page, a link in the e-mail, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Both,
    Page,
    Email,
}

/// A choice the owner makes with an action: the invoice a payment goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Select {
    pub name: String,
    /// `(value, label)`.
    pub options: Vec<(String, String)>,
}

/// An action on an item. On the page: a form that posts to `url` (or a plain link when
/// `method` is `get`), with its hidden `fields`, a `select` or a text `input`. In the e-mail:
/// a link to `url`, which asks before it acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemAction {
    pub label: String,
    pub url: String,
    /// `post` or `get`.
    pub method: &'static str,
    /// Hidden form fields: `(name, value)`.
    pub fields: Vec<(String, String)>,
    pub select: Option<Select>,
    /// The name of a text input the owner fills in (a new invoice number, a note).
    pub input: Option<String>,
    pub place: Place,
}

impl ItemAction {
    /// A one-tap action: a signed link that acts on POST and asks first on GET.
    pub fn one_tap(label: &str, url: String) -> ItemAction {
        ItemAction {
            label: label.to_owned(),
            url,
            method: "post",
            fields: vec![],
            select: None,
            input: None,
            place: Place::Both,
        }
    }

    /// A link to a page that shows more before anything is decided.
    pub fn open(label: &str, url: String, place: Place) -> ItemAction {
        ItemAction {
            method: "get",
            place,
            ..ItemAction::one_tap(label, url)
        }
    }

    /// A form on the page only (it needs the owner's session), with hidden fields.
    pub fn form(label: &str, url: String, fields: &[(&str, &str)]) -> ItemAction {
        ItemAction {
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            place: Place::Page,
            ..ItemAction::one_tap(label, url)
        }
    }

    pub fn on_page(&self) -> bool {
        self.place != Place::Email
    }

    pub fn in_email(&self) -> bool {
        self.place != Place::Page
    }
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
    /// The invoice's own page (status, schedule, outbox, audit trail), when it is an invoice.
    pub page: Option<String>,
    /// The line's anchor on the cockpit (`item-12`), which the e-mail links to.
    pub anchor: Option<String>,
    pub actions: Vec<ItemAction>,
}

/// How many chases make each move today and in the next seven days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoveTally {
    #[serde(rename = "move")]
    pub label: &'static str,
    pub today: usize,
    pub week: usize,
}

/// The review's content, for the page, the e-mail and `chaser digest --json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// The company's local date the review is for.
    pub date: String,
    pub owner: Option<String>,
    /// Sending is held (the global stop): one line, with a one-tap "Resume sending".
    pub sending_held: Vec<ReviewLine>,
    /// While sending is not held: the one-tap link that holds it.
    pub pause_sending: Option<String>,
    /// Today's planned moves, each with "Hold until tomorrow".
    pub planned: Vec<ReviewLine>,
    /// The moves of the six days after today: each chase's next message.
    pub upcoming: Vec<ReviewLine>,
    /// Today's and the week's moves, counted by kind, in the ladder's order.
    pub week: Vec<MoveTally>,
    pub paused: Vec<ReviewLine>,
    pub escalated: Vec<ReviewLine>,
    pub disputed: Vec<ReviewLine>,
    /// A promise to pay ran out unpaid in the last week; the chase went on, one rung firmer.
    pub promises_broken: Vec<ReviewLine>,
    pub pauses_ending: Vec<ReviewLine>,
    pub failed: Vec<ReviewLine>,
    /// Sends handed to the provider with no answer: they may have arrived. Never repeated by
    /// themselves; each has "Send again" and "Dismiss".
    pub uncertain: Vec<ReviewLine>,
    pub awaiting_approval: Vec<ReviewLine>,
    /// Forwarded invoices read and waiting for the owner's approval.
    pub proposals: Vec<ReviewLine>,
    /// Bank payments that matched no invoice, or several: apply each to a chosen invoice.
    pub payments_to_apply: Vec<ReviewLine>,
    /// Invoices gone from their export: paid, voided, renumbered there, or still owed?
    pub vanished: Vec<ReviewLine>,
    /// The rest of the review queue (a broken sync, a conflicting import, a drifted chase).
    pub to_review: Vec<ReviewLine>,
    /// Since yesterday: payments received, chases closed, invoices newly overdue.
    pub received: Vec<ReviewLine>,
    pub closed: Vec<ReviewLine>,
    pub newly_overdue: Vec<ReviewLine>,
    pub money: MoneyView,
}

/// A titled list of lines, cut to a limit.
#[derive(Debug, Clone, Serialize)]
pub struct Section<'a> {
    /// The field's name, for anchors and tests (`planned`, `failed`).
    pub key: &'static str,
    pub title: &'static str,
    pub lines: &'a [ReviewLine],
    /// Lines left out by the limit.
    pub more: usize,
}

impl<'a> Section<'a> {
    fn cut(
        key: &'static str,
        title: &'static str,
        lines: &'a [ReviewLine],
        limit: usize,
    ) -> Section<'a> {
        Section {
            key,
            title,
            lines: &lines[..lines.len().min(limit)],
            more: lines.len().saturating_sub(limit),
        }
    }
}

/// One of the cockpit's parts, with its non-empty sections.
#[derive(Debug, Clone, Serialize)]
pub struct Part<'a> {
    pub key: &'static str,
    pub title: &'static str,
    pub sections: Vec<Section<'a>>,
}

impl Digest {
    /// The decisions, the planned sends and the news: what makes a review worth sending.
    pub fn is_empty(&self) -> bool {
        self.item_count() == 0 && self.received.is_empty() && self.closed.is_empty()
    }

    /// Items that ask something of the owner today (the e-mail's subject counts these).
    pub fn item_count(&self) -> usize {
        self.decisions()
            .iter()
            .map(|(_, _, l)| l.len())
            .sum::<usize>()
            + self.sending_held.len()
            + self.planned.len()
            + self.paused.len()
            + self.newly_overdue.len()
    }

    fn decisions(&self) -> [(&'static str, &'static str, &[ReviewLine]); 11] {
        [
            ("escalated", "Escalated", &self.escalated),
            ("disputed", "Disputed", &self.disputed),
            (
                "promises_broken",
                "Promises broken this week",
                &self.promises_broken,
            ),
            ("failed", "Failed sends", &self.failed),
            (
                "uncertain",
                "Sent, perhaps: the provider gave no answer",
                &self.uncertain,
            ),
            (
                "awaiting_approval",
                "Messages waiting for your approval",
                &self.awaiting_approval,
            ),
            (
                "proposals",
                "Forwarded invoices waiting for your approval",
                &self.proposals,
            ),
            (
                "payments_to_apply",
                "Payments to apply",
                &self.payments_to_apply,
            ),
            (
                "vanished",
                "Gone from the export: paid, voided or renumbered there?",
                &self.vanished,
            ),
            ("to_review", "To review", &self.to_review),
            ("pauses_ending", "Pauses ending soon", &self.pauses_ending),
        ]
    }

    /// The parts in the order the page and the e-mail show them, each section cut to `limit`
    /// lines. The money part has no lines: [`Digest::money`] holds it.
    pub fn parts(&self, limit: usize) -> Vec<Part<'_>> {
        fn keep(sections: Vec<Section<'_>>) -> Vec<Section<'_>> {
            sections
                .into_iter()
                .filter(|s| !s.lines.is_empty())
                .collect()
        }
        let section = |key, title, lines| Section::cut(key, title, lines, limit);
        let going_out = keep(vec![
            section(
                "sending_held",
                "Sending is held: no reminder or thank-you goes out",
                &self.sending_held,
            ),
            section("planned", "Today", &self.planned),
            section("upcoming", "The next six days", &self.upcoming),
            section(
                "paused",
                "Paused: nothing goes out until the pause ends",
                &self.paused,
            ),
        ]);
        let needs_you = keep(
            self.decisions()
                .into_iter()
                .map(|(key, title, lines)| section(key, title, lines))
                .collect(),
        );
        let since = keep(vec![
            section("received", "Payments received", &self.received),
            section("closed", "Chases closed", &self.closed),
            section("newly_overdue", "Newly overdue", &self.newly_overdue),
        ]);
        vec![
            Part {
                key: "going_out",
                title: "What goes out",
                sections: going_out,
            },
            Part {
                key: "needs_you",
                title: "What needs you",
                sections: needs_you,
            },
            Part {
                key: "money",
                title: "Where the money stands",
                sections: vec![],
            },
            Part {
                key: "since_yesterday",
                title: "Since yesterday",
                sections: since,
            },
        ]
    }
}

pub(crate) fn move_label(action: Move) -> &'static str {
    match action {
        Move::Nudge => "nudge",
        Move::FollowUp => "follow-up",
        Move::Escalate => "escalation",
        Move::FinalNotice => "final notice",
    }
}

/// The invoice page's path.
pub fn invoice_path(number: &str) -> String {
    format!("/invoices/{}", urlencoding(number))
}

/// Percent-encodes what a path segment may not hold (invoice numbers are free text).
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Builds digests: the store, and links signed for the owner.
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
        ItemAction::one_tap(
            label,
            self.links.url(
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
        )
    }

    /// An absolute address on this server (for the e-mail; the page uses the path).
    fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.links.base_url().trim_end_matches('/'))
    }
}

/// The open invoices a payment may go to: those in its currency, nearest amount first.
fn payment_choices(item: &ReviewItem, open: &[StoredInvoice]) -> Vec<(String, String)> {
    let amount: Option<Money> = item.item.detail["payment"]["amount"]
        .as_str()
        .and_then(|a| a.parse().ok());
    let mut choices: Vec<&StoredInvoice> = open
        .iter()
        .filter(|s| amount.is_none_or(|a| a.currency() == s.invoice.balance.currency()))
        .collect();
    if let Some(amount) = amount {
        choices.sort_by_key(|s| (s.invoice.balance.amount() - amount.amount()).abs());
    }
    choices
        .into_iter()
        .take(50)
        .map(|s| {
            (
                s.invoice.number.to_string(),
                format!(
                    "{} · {} · {}",
                    s.invoice.number,
                    s.invoice.customer.name,
                    s.invoice.balance.grouped()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_numbers_are_encoded_for_their_path() {
        assert_eq!(invoice_path("INV-1"), "/invoices/INV-1");
        assert_eq!(invoice_path("A/B 7?"), "/invoices/A%2FB%207%3F");
    }

    #[test]
    fn sections_are_cut_to_the_limit_and_count_the_rest() {
        let line = |n: usize| ReviewLine {
            subject: format!("INV-{n}"),
            customer: String::new(),
            balance: String::new(),
            note: String::new(),
            page: None,
            anchor: None,
            actions: vec![],
        };
        let digest = Digest {
            failed: (0..7).map(line).collect(),
            ..Digest::default()
        };
        let parts = digest.parts(5);
        let needs = parts.iter().find(|p| p.key == "needs_you").unwrap();
        assert_eq!(
            (needs.sections[0].lines.len(), needs.sections[0].more),
            (5, 2)
        );
        assert_eq!(digest.item_count(), 7);
        assert!(
            parts
                .iter()
                .find(|p| p.key == "going_out")
                .unwrap()
                .sections
                .is_empty()
        );
    }
}
