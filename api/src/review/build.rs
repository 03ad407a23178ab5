//! Builds the digest from the store: the invoices (with the status each chase last wrote),
//! the approvals, documents and review items waiting, and a day of the audit log. A review
//! reads them once ([`Reading`]) and builds each owner's digest from that, so its cost grows
//! with the invoices, not with the invoices times the owners.

use std::collections::{BTreeSet, HashMap};

use chaser_activities::links::{Act, LinkAction, Links, Purpose, SendingSwitch};
use chaser_activities::store::{
    Approval, AuditRecord, ReviewItem, SendingHold, StoredDocument, StoredInvoice,
};
use chaser_app::review_queue::kind::{AMBIGUOUS_PAYMENT, UNMATCHED_PAYMENT, VANISHED_FROM_EXPORT};
use chaser_app::{AppError, reports};
use chaser_domain::{AuditAction, ChaseState, Email, InvoiceNumber, Money, StepState};
use chaser_workflows::names;
use jiff::{SignedDuration, Timestamp};

use super::{
    Digest, ItemAction, MoneyView, MoveTally, Place, ReviewLine, Reviewer, Select, invoice_path,
    move_label, payment_choices,
};

/// A pause ending within this is "ending soon".
const PAUSE_ENDING_SOON: SignedDuration = SignedDuration::from_hours(48);
/// A broken promise stays on the review this long.
const BROKEN_PROMISE_DAYS: i64 = 7;
/// "Since yesterday" looks back this far.
const SINCE: SignedDuration = SignedDuration::from_hours(24);

/// The path review-queue decisions post to (the owner's session, not a signed link).
pub(crate) fn item_path(id: i64) -> String {
    format!("/review/items/{id}")
}

/// Chase actions that fit its state, as one-tap links.
fn chase_actions(state: ChaseState, do_not_chase: bool) -> Vec<(LinkAction, &'static str)> {
    let chasing = if do_not_chase {
        (LinkAction::Enable, "Restart reminders")
    } else {
        (LinkAction::Disable, "Stop reminders")
    };
    let mut actions = match state {
        ChaseState::Disputed => vec![
            (LinkAction::ResolveResume, "Resolve and resume"),
            (LinkAction::Writeoff, "Write off"),
        ],
        ChaseState::Paused => vec![
            (LinkAction::Resume, "Resume"),
            (LinkAction::Writeoff, "Write off"),
        ],
        _ => vec![
            (LinkAction::Pause7d, "Pause 7 days"),
            (LinkAction::Promise7d, "Promised within 7 days"),
            (LinkAction::Dispute, "Dispute"),
            chasing,
            (LinkAction::Writeoff, "Write off"),
        ],
    };
    actions.push((LinkAction::Paid, "Mark paid"));
    actions
}

/// What a review reads from the store, once, whoever it is for.
pub struct Reading {
    now: Timestamp,
    open: Vec<StoredInvoice>,
    /// `open`'s positions by normalized number.
    open_at: HashMap<String, usize>,
    /// Closed invoices by normalized number: the day's payments and approvals may name them.
    closed: HashMap<String, StoredInvoice>,
    hold: Option<SendingHold>,
    /// Invoices whose promise to pay broke this week.
    broken: BTreeSet<String>,
    approvals: Vec<Approval>,
    documents: Vec<StoredDocument>,
    items: Vec<ReviewItem>,
    /// The money that moved since yesterday.
    moved: Vec<AuditRecord>,
    /// The whole company's: the same for every owner.
    money: MoneyView,
}

impl Reading {
    /// An invoice by its normalized number, open or closed.
    fn invoice(&self, key: &str) -> Option<&StoredInvoice> {
        self.open_invoice(key).or_else(|| self.closed.get(key))
    }

    fn open_invoice(&self, key: &str) -> Option<&StoredInvoice> {
        self.open_at.get(key).and_then(|i| self.open.get(*i))
    }

    /// Who gets a review: every owner of an open invoice, and `default`.
    pub fn owners(&self, default: Option<&Email>) -> BTreeSet<Email> {
        chaser_app::owners_of(&self.open, default)
    }
}

impl Reviewer {
    /// Reads what the review shows, for every owner at once.
    pub async fn read(&self, now: Timestamp) -> Result<Reading, AppError> {
        let today = now.to_zoned(self.zone.tz().clone()).date();
        let store = self.chaser.store();
        let promises = now - SignedDuration::from_hours(24 * BROKEN_PROMISE_DAYS);
        let (invoices, hold, broken, approvals, documents, items, moved) = tokio::try_join!(
            store.all_invoices(),
            store.sending_hold(),
            store.audit_since(promises, &[AuditAction::PromiseBroken]),
            store.pending_approvals(),
            store.documents(false),
            store.review_items(false),
            store.audit_since(now - SINCE, &AuditAction::MONEY),
        )?;
        let collected = reports::aging_audit(&self.chaser, today).await?;
        let money = MoneyView::from_report(&reports::aging_of(&invoices, &collected, today)?);
        let (open, closed): (Vec<_>, Vec<_>) =
            invoices.into_iter().partition(|s| !s.state.is_closed());
        Ok(Reading {
            now,
            open_at: open
                .iter()
                .enumerate()
                .map(|(i, s)| (s.invoice.number.normalized(), i))
                .collect(),
            open,
            closed: closed
                .into_iter()
                .map(|s| (s.invoice.number.normalized(), s))
                .collect(),
            hold,
            broken: broken.into_iter().map(|r| r.invoice).collect(),
            approvals,
            documents,
            items,
            moved,
            money,
        })
    }

    fn act_links(&self, stored: &StoredInvoice, owner: &str, now: Timestamp) -> Vec<ItemAction> {
        chase_actions(stored.state, stored.invoice.do_not_chase)
            .into_iter()
            .map(|(action, label)| self.act_link(stored, &Act::on_chase(action), label, owner, now))
            .collect()
    }

    fn step_link(
        &self,
        stored: &StoredInvoice,
        action: LinkAction,
        step: &str,
        label: &str,
        now: Timestamp,
    ) -> ItemAction {
        let owner = stored.invoice.owner_email.as_str();
        self.act_link(stored, &Act::on_step(action, step), label, owner, now)
    }

    fn invoice_line(
        &self,
        stored: &StoredInvoice,
        note: String,
        actions: Vec<ItemAction>,
    ) -> ReviewLine {
        ReviewLine {
            subject: stored.invoice.number.to_string(),
            customer: stored.invoice.customer.name.clone(),
            balance: stored.invoice.balance.grouped(),
            note,
            page: Some(invoice_path(stored.invoice.number.as_str())),
            anchor: None,
            actions,
        }
    }

    /// A line with the chase's one-tap actions after `first`.
    fn line(
        &self,
        stored: &StoredInvoice,
        note: String,
        first: Vec<ItemAction>,
        now: Timestamp,
    ) -> ReviewLine {
        let owner = stored.invoice.owner_email.as_str();
        let mut actions = first;
        actions.extend(self.act_links(stored, owner, now));
        self.invoice_line(stored, note, actions)
    }

    /// The review for `owner` (their invoices, and everything not tied to an invoice owner),
    /// or for everyone when `owner` is `None`.
    pub async fn digest(&self, owner: Option<&Email>, now: Timestamp) -> Result<Digest, AppError> {
        Ok(self.digest_of(&self.read(now).await?, owner))
    }

    /// [`Reviewer::digest`] from what the review has read already.
    pub fn digest_of(&self, reading: &Reading, owner: Option<&Email>) -> Digest {
        let now = reading.now;
        let tz = self.zone.tz();
        let today = now.to_zoned(tz.clone()).date();
        let day_end = |days: i64| {
            today
                .checked_add(jiff::Span::new().days(days))
                .ok()
                .and_then(|d| d.to_zoned(tz.clone()).ok())
                .map_or(now, |z| z.timestamp())
        };
        let (end_of_day, end_of_week) = (day_end(1), day_end(7));
        let mut digest = Digest {
            date: today.to_string(),
            owner: owner.map(ToString::to_string),
            ..Digest::default()
        };
        let mine = |stored: &StoredInvoice| owner.is_none_or(|o| &stored.invoice.owner_email == o);
        self.sending(&mut digest, reading.hold.as_ref(), owner, now);
        let broken = &reading.broken;
        // Their next message waits for the owner's decision, listed with the decisions.
        let waiting: BTreeSet<String> = reading
            .approvals
            .iter()
            .filter_map(|a| InvoiceNumber::parse(&a.invoice).ok())
            .map(|n| n.normalized())
            .collect();
        let mut tallies: Vec<MoveTally> = chaser_domain::Move::ALL
            .iter()
            .map(|m| MoveTally {
                label: move_label(*m),
                today: 0,
                week: 0,
            })
            .collect();
        for stored in reading.open.iter().filter(|s| mine(s)) {
            let due = stored.invoice.due_date;
            if due < today && due >= today.yesterday().unwrap_or(due) {
                digest
                    .newly_overdue
                    .push(self.line(stored, format!("was due {due}"), vec![], now));
            }
            match stored.state {
                ChaseState::Disputed => {
                    let note = "sending stopped until resolved".to_owned();
                    digest.disputed.push(self.line(stored, note, vec![], now));
                    continue;
                }
                ChaseState::Escalated => {
                    let note = format!("due {due}");
                    digest.escalated.push(self.line(stored, note, vec![], now));
                }
                _ => {}
            }
            if broken.contains(&stored.invoice.number.normalized()) {
                let note = "the promised day passed unpaid: the next message is one rung firmer"
                    .to_owned();
                digest
                    .promises_broken
                    .push(self.line(stored, note, vec![], now));
            }
            let status = stored.status_view();
            if let Some(until) = status.paused_until.filter(|u| *u > now) {
                let until_text = until
                    .to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string();
                let note = format!("paused until {until_text}");
                digest.paused.push(self.line(stored, note, vec![], now));
                if until.duration_since(now) <= PAUSE_ENDING_SOON {
                    let note = format!("resumes {until_text}");
                    digest
                        .pauses_ending
                        .push(self.line(stored, note, vec![], now));
                }
            }
            let next = status
                .next_touch
                .as_ref()
                .filter(|n| n.at < end_of_week)
                .filter(|_| !waiting.contains(&stored.invoice.number.normalized()));
            if let Some(next) = next {
                let at = next.at.to_zoned(tz.clone());
                let tally = tallies
                    .iter_mut()
                    .find(|t| t.label == move_label(next.action));
                if next.at < end_of_day {
                    let note = format!(
                        "{} ({}) at {}",
                        move_label(next.action),
                        next.step_id,
                        at.strftime("%H:%M")
                    );
                    let hold = self.step_link(
                        stored,
                        LinkAction::Hold,
                        &next.step_id,
                        "Hold until tomorrow",
                        now,
                    );
                    digest
                        .planned
                        .push(self.line(stored, note, vec![hold], now));
                    if let Some(t) = tally {
                        t.today += 1;
                        t.week += 1;
                    }
                } else {
                    let note = format!(
                        "{} ({}) on {}",
                        move_label(next.action),
                        next.step_id,
                        at.strftime("%a %Y-%m-%d %H:%M")
                    );
                    let open = ItemAction::open(
                        "Open",
                        invoice_path(stored.invoice.number.as_str()),
                        Place::Page,
                    );
                    digest
                        .upcoming
                        .push(self.invoice_line(stored, note, vec![open]));
                    if let Some(t) = tally {
                        t.week += 1;
                    }
                }
            }
            for send in status.sends.iter().filter(|s| !s.dismissed) {
                let step = send.step_id.as_str();
                let (list, note, again) = match &send.state {
                    StepState::Failed { error } if stored.state == ChaseState::Failed => {
                        (&mut digest.failed, format!("{step}: {error}"), "Send again")
                    }
                    StepState::Uncertain { reason } => (
                        &mut digest.uncertain,
                        format!(
                            "{step} may have reached the customer ({reason}): ask them, or check the provider, before sending again"
                        ),
                        "Send again",
                    ),
                    _ => continue,
                };
                let first = vec![
                    self.step_link(stored, LinkAction::Resend, step, again, now),
                    self.step_link(stored, LinkAction::Dismiss, step, "Dismiss", now),
                ];
                list.push(self.line(stored, note, first, now));
            }
        }
        digest.week = tallies;
        self.approvals(&mut digest, reading, &mine);
        self.proposals(&mut digest, &reading.documents, owner, now);
        self.queue(&mut digest, reading);
        self.since_yesterday(&mut digest, reading, &mine);
        digest.money = reading.money.clone();
        digest
    }

    fn sending(
        &self,
        digest: &mut Digest,
        hold: Option<&SendingHold>,
        owner: Option<&Email>,
        now: Timestamp,
    ) {
        let tz = self.zone.tz();
        let issued_to = owner.map_or("", Email::as_str);
        let sending_url = |switch| {
            self.links
                .sending_url(switch, issued_to, now, self.action_ttl)
        };
        match hold {
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
                page: None,
                anchor: None,
                actions: vec![ItemAction::one_tap(
                    "Resume sending",
                    sending_url(SendingSwitch::Resume),
                )],
            }),
            None => digest.pause_sending = Some(sending_url(SendingSwitch::Pause)),
        }
    }

    fn approvals(
        &self,
        digest: &mut Digest,
        reading: &Reading,
        mine: &impl Fn(&StoredInvoice) -> bool,
    ) {
        let now = reading.now;
        for approval in &reading.approvals {
            let Some(stored) = reading.invoice(&approval.invoice).filter(|s| mine(s)) else {
                continue;
            };
            let claims = Links::claims(
                Purpose::Approve,
                stored.invoice.number.as_str(),
                &approval.workflow_id,
                &approval.message_key,
                stored.invoice.owner_email.as_str(),
                now,
                self.approval_ttl,
            );
            let url = self.links.url("approvals", &claims);
            let note = format!(
                "\"{}\" (dropped after {})",
                approval.subject,
                approval.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            );
            let actions = vec![
                ItemAction::open("Review and approve", url.clone(), Place::Both),
                ItemAction::form("Approve", url.clone(), &[("decision", "approve")]),
                ItemAction::form("Reject", url, &[("decision", "reject")]),
            ];
            digest
                .awaiting_approval
                .push(self.invoice_line(stored, note, actions));
        }
    }

    fn proposals(
        &self,
        digest: &mut Digest,
        documents: &[StoredDocument],
        owner: Option<&Email>,
        now: Timestamp,
    ) {
        for doc in documents {
            let proposal = doc.proposal.clone().unwrap_or_default();
            let claims = Links::claims(
                Purpose::Proposal,
                proposal.number.as_deref().unwrap_or_default(),
                &names::proposal_workflow_id(&doc.id),
                &doc.id,
                owner.map_or("review", Email::as_str),
                now,
                self.approval_ttl,
            );
            let url = self.links.url("proposals", &claims);
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
                note: format!("read from {}", doc.filename),
                page: None,
                anchor: None,
                actions: vec![
                    ItemAction::open("Check and approve", url.clone(), Place::Both),
                    ItemAction::form("Reject", url, &[("decision", "reject")]),
                ],
            });
        }
    }

    /// The review queue, by what the owner can do about each item.
    fn queue(&self, digest: &mut Digest, reading: &Reading) {
        for item in &reading.items {
            let url = item_path(item.id);
            let in_email = ItemAction::open(
                "Decide on the review page",
                self.absolute(&format!("/review#item-{}", item.id)),
                Place::Email,
            );
            let resolve =
                |label: &str, how: &str| ItemAction::form(label, url.clone(), &[("do", how)]);
            let (list, actions) = match item.item.kind.as_str() {
                UNMATCHED_PAYMENT | AMBIGUOUS_PAYMENT => {
                    let apply = ItemAction {
                        select: Some(Select {
                            name: "invoice".to_owned(),
                            options: payment_choices(item, &reading.open),
                        }),
                        ..resolve("Apply to", "apply")
                    };
                    (
                        &mut digest.payments_to_apply,
                        vec![apply, resolve("Not ours: dismiss", "dismiss"), in_email],
                    )
                }
                VANISHED_FROM_EXPORT => {
                    let renumbered = ItemAction {
                        input: Some("new_number".to_owned()),
                        ..resolve("Renumbered as", "renumbered")
                    };
                    (
                        &mut digest.vanished,
                        vec![
                            resolve("Paid", "paid"),
                            resolve("Void", "void"),
                            renumbered,
                            resolve("Keep chasing", "keep"),
                            in_email,
                        ],
                    )
                }
                _ => (
                    &mut digest.to_review,
                    vec![resolve("Mark resolved", "dismiss"), in_email],
                ),
            };
            // The item names the invoice by its key: show it as written, while it is open.
            let invoice = item
                .item
                .invoice
                .as_deref()
                .and_then(|k| reading.open_invoice(k));
            list.push(ReviewLine {
                subject: invoice.map_or_else(
                    || {
                        item.item
                            .invoice
                            .clone()
                            .unwrap_or_else(|| item.item.kind.clone())
                    },
                    |s| s.invoice.number.to_string(),
                ),
                customer: invoice.map_or_else(String::new, |s| s.invoice.customer.name.clone()),
                balance: invoice.map_or_else(String::new, |s| s.invoice.balance.grouped()),
                note: format!("#{} {}", item.id, item.item.summary),
                page: item.item.invoice.as_deref().map(invoice_path),
                anchor: Some(format!("item-{}", item.id)),
                actions,
            });
        }
    }

    /// Payments received and chases closed in the last day, from the audit log.
    fn since_yesterday(
        &self,
        digest: &mut Digest,
        reading: &Reading,
        mine: &impl Fn(&StoredInvoice) -> bool,
    ) {
        let tz = self.zone.tz();
        for record in &reading.moved {
            let Some(stored) = reading.invoice(&record.invoice).filter(|s| mine(s)) else {
                continue;
            };
            let moved = reports::balance_moved(record);
            let at = record.at.to_zoned(tz.clone()).strftime("%a %H:%M");
            let amount = moved.as_ref().map_or_else(String::new, Money::grouped);
            let line = |note: String| self.invoice_line(stored, note, vec![]);
            match record.action {
                AuditAction::Paid | AuditAction::Payment => {
                    digest
                        .received
                        .push(line(format!("{amount} received {at}")));
                    if record.action == AuditAction::Paid {
                        digest.closed.push(line(format!("paid in full {at}")));
                    }
                }
                action => digest
                    .closed
                    .push(line(format!("{action} {at} ({amount})"))),
            }
        }
    }
}
