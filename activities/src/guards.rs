//! The four guardrails between a chosen move and a sent e-mail, each a named check with its
//! own reason code (kept in the outbox and the audit log):
//!
//! 1. `fresh_state`: the invoice, as the store knows it now, may still be chased; and
//!    `pending_command`: no command a door accepted is still on its way to the chase (a
//!    payment taken while Temporal was away, say), or the message waits for it.
//!    `sending_hold`: sending is not held (the owner's global stop, or the deliverability
//!    guard's), or a customer message waits.
//! 2. `send_window`: now is inside the recipient's send window.
//! 3. the idempotent outbox (`Store::claim_outbox`), then `contact_pacing`: the minimum gap
//!    between touches to one contact, and the daily cap per contact, across all invoices.
//! 4. `content_check` and `without_suppressed`: the message is complete, says the invoice's
//!    number and the amount the store holds, and goes only to valid, unsuppressed addresses.
//!
//! The checks are pure: the send activity fetches what they need and acts on the verdict.

use std::collections::BTreeSet;

use chaser_domain::calendar::Window;
use chaser_domain::{ChaseState, Email, Settings, Zone};
use chaser_workflows::contracts::MessageKind;
use jiff::{SignedDuration, Timestamp};

use crate::mail::OutgoingEmail;
use crate::store::{JournalEntry, SendingHold, StoredInvoice};

/// Reason codes, as they appear in the outbox, the audit log and `status`.
pub mod code {
    pub const FRESH_STATE: &str = "fresh_state";
    pub const PENDING_COMMAND: &str = "pending_command";
    pub const SEND_WINDOW: &str = "send_window";
    pub const MIN_GAP: &str = "min_gap";
    pub const DAILY_CAP: &str = "daily_cap";
    pub const CONTENT: &str = "content";
    pub const SUPPRESSED: &str = "suppressed";
    pub const APPROVAL: &str = "approval";
    pub const SENDING_HELD: &str = "sending_held";
}

/// Guard 1. A customer message needs an open, unpaid chase; a thank-you needs a paid one.
pub fn fresh_state(kind: MessageKind, stored: Option<&StoredInvoice>) -> Result<(), String> {
    let Some(stored) = stored else {
        return Err("the invoice is not in the store".to_owned());
    };
    match (kind, stored.state) {
        (MessageKind::ThankYou, ChaseState::Paid) => Ok(()),
        (MessageKind::ThankYou, state) => Err(format!("the invoice is {state}, not paid")),
        (_, state) if !state.is_sending() => Err(format!("the invoice is {state}")),
        (MessageKind::Reminder, _) if stored.invoice.do_not_chase => {
            Err("chasing is disabled for this invoice".to_owned())
        }
        _ if stored.invoice.balance.is_zero() => Err("nothing is owed".to_owned()),
        _ => Ok(()),
    }
}

/// How long a message waits for a command still on its way to the chase; the reconciler
/// delivers such commands, so it is asked again after this.
pub const PENDING_COMMAND_WAIT: SignedDuration = SignedDuration::from_secs(10);

/// Guard 1, second half. A command accepted but not yet applied may stop or change the chase
/// (a `paid` taken by a door while Temporal was away): anything but a thank-you waits for it.
pub fn pending_command(
    kind: MessageKind,
    pending: Option<&JournalEntry>,
    now: Timestamp,
) -> Result<(), Timestamp> {
    match (kind, pending) {
        (MessageKind::ThankYou, _) | (_, None) => Ok(()),
        (_, Some(_)) => Err(now.saturating_add(PENDING_COMMAND_WAIT).unwrap_or(now)),
    }
}

/// A customer message held by the global stop asks again after a tenth of the hold's age,
/// within these bounds: a short hold is left at once, a long one costs a few Temporal actions
/// an hour per waiting chase.
pub const SENDING_HOLD_RECHECK: (SignedDuration, SignedDuration) =
    (SignedDuration::from_secs(30), SignedDuration::from_mins(10));

/// Guard 1, third part. While sending is held no customer message leaves; it waits, and is
/// never dropped. The owner's own messages (escalations, approvals) still go: they are how
/// the owner learns what is held.
pub fn sending_hold(
    kind: MessageKind,
    hold: Option<&SendingHold>,
    now: Timestamp,
) -> Result<(), Timestamp> {
    match (kind, hold) {
        (MessageKind::Reminder | MessageKind::ThankYou, Some(hold)) => {
            let (least, most) = SENDING_HOLD_RECHECK;
            let age = hold.since.duration_until(now);
            let wait = (age / 10).clamp(least, most);
            Err(now.saturating_add(wait).unwrap_or(now))
        }
        _ => Ok(()),
    }
}

/// Guard 2. Inside the window on the recipient's clock, or the next minute it opens.
pub fn send_window(settings: &Settings, zone: &Zone, now: Timestamp) -> Result<(), Timestamp> {
    let window = Window::new(settings, zone);
    if window.is_open(now) {
        Ok(())
    } else {
        Err(window.next_open(now))
    }
}

/// Guard 3 (after the outbox claim). `touches` holds, per recipient, when earlier messages
/// reached them (any invoice). Too soon after one, or over the day's cap: wait until `until`.
pub fn contact_pacing(
    settings: &Settings,
    zone: &Zone,
    touches: &[(String, Vec<Timestamp>)],
    now: Timestamp,
) -> Result<(), (Timestamp, &'static str)> {
    let window = Window::new(settings, zone);
    let tz = zone.tz();
    let today = tz.to_datetime(now).date();
    let mut until: Option<(Timestamp, &'static str)> = None;
    let mut later = |t: Timestamp, why: &'static str| {
        if until.is_none_or(|(u, _)| t > u) {
            until = Some((t, why));
        }
    };
    for (_, times) in touches {
        if let Some(&last) = times.iter().max() {
            let earliest = window.add(last, settings.min_gap);
            if earliest > now {
                later(window.next_open(earliest), code::MIN_GAP);
            }
        }
        let today_count = times
            .iter()
            .filter(|t| tz.to_datetime(**t).date() == today)
            .count();
        if today_count >= settings.daily_cap as usize {
            let tomorrow = today
                .tomorrow()
                .map_or(now, |d| window.at(d, jiff::civil::Time::midnight()));
            later(window.next_open(tomorrow), code::DAILY_CAP);
        }
    }
    match until {
        Some(u) => Err(u),
        None => Ok(()),
    }
}

/// How far back `contact_pacing` needs touches: the gap, or the start of the day.
pub fn pacing_lookback(settings: &Settings) -> SignedDuration {
    settings
        .min_gap
        .as_duration()
        .max(SignedDuration::from_hours(48))
}

/// Guard 4a. Removes suppressed addresses; `None` when nobody is left to write to.
pub fn without_suppressed(
    email: &OutgoingEmail,
    suppressed: &BTreeSet<String>,
) -> Option<OutgoingEmail> {
    let keep = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|a| !suppressed.contains(&a.to_ascii_lowercase()))
            .cloned()
            .collect()
    };
    let to = keep(&email.to);
    if to.is_empty() {
        return None;
    }
    Some(OutgoingEmail {
        to,
        cc: keep(&email.cc),
        ..email.clone()
    })
}

/// Guard 4b. The rendered message is complete, names the invoice, states the amount the store
/// holds (written as `amount_text`), and every recipient is a valid address.
pub fn content_check(
    email: &OutgoingEmail,
    kind: MessageKind,
    stored: &StoredInvoice,
    amount_text: &str,
) -> Result<(), String> {
    if email.subject.trim().is_empty()
        || email.text.trim().is_empty()
        || email.html.trim().is_empty()
    {
        return Err("the message is incomplete (empty subject or body)".to_owned());
    }
    for (part, body) in [
        ("subject", &email.subject),
        ("text", &email.text),
        ("html", &email.html),
    ] {
        if body.contains("{{") || body.contains("{%") {
            return Err(format!("the {part} has unrendered template code"));
        }
    }
    let number = stored.invoice.number.as_str();
    if !email.text.contains(number) {
        return Err(format!("the message does not name invoice {number}"));
    }
    if kind == MessageKind::Reminder && !email.text.contains(amount_text) {
        return Err(format!(
            "the message does not state the amount due in the store ({amount_text})"
        ));
    }
    for address in email.to.iter().chain(&email.cc) {
        Email::parse(address).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaser_domain::{Customer, Invoice, InvoiceNumber, Money, Terms};
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn stored(state: ChaseState, balance: &str) -> StoredInvoice {
        let amount: Money = "USD 1200.00".parse().unwrap();
        let mut invoice = Invoice::new(
            InvoiceNumber::parse("INV-9").unwrap(),
            Customer {
                id: "c".into(),
                name: "C".into(),
            },
            amount,
            date(2026, 11, 1),
            date(2026, 12, 1),
            Terms::Net(30),
            Email::parse("owner@us.example").unwrap(),
        );
        invoice.balance = balance.parse().unwrap();
        StoredInvoice {
            invoice,
            workflow_id: "invoice-INV-9".into(),
            state,
            updated_at: ts("2026-12-01T00:00:00Z"),
            chase: None,
        }
    }

    fn email(to: &[&str], text: &str) -> OutgoingEmail {
        OutgoingEmail {
            from: "a@b.example".into(),
            reply_to: None,
            to: to.iter().map(|s| (*s).to_owned()).collect(),
            cc: vec!["boss@c.example".into()],
            subject: "Invoice INV-9".into(),
            text: text.into(),
            html: "<p>x</p>".into(),
            attachments: vec![],
        }
    }

    #[test]
    fn fresh_state_stops_anything_but_an_open_unpaid_chase() {
        let open = stored(ChaseState::Scheduled, "USD 1200.00");
        assert_eq!(fresh_state(MessageKind::Reminder, Some(&open)), Ok(()));
        for state in [
            ChaseState::Paid,
            ChaseState::Paused,
            ChaseState::Disputed,
            ChaseState::WrittenOff,
        ] {
            let s = stored(state, "USD 1200.00");
            assert_eq!(
                fresh_state(MessageKind::Reminder, Some(&s)),
                Err(format!("the invoice is {state}"))
            );
        }
        assert_eq!(
            fresh_state(MessageKind::Reminder, None),
            Err("the invoice is not in the store".into())
        );
        let settled = stored(ChaseState::Scheduled, "USD 0.00");
        assert_eq!(
            fresh_state(MessageKind::Reminder, Some(&settled)),
            Err("nothing is owed".into())
        );
        let mut disabled = stored(ChaseState::Scheduled, "USD 1200.00");
        disabled.invoice.do_not_chase = true;
        assert_eq!(
            fresh_state(MessageKind::Reminder, Some(&disabled)),
            Err("chasing is disabled for this invoice".into())
        );
        // The owner still hears about it.
        assert_eq!(
            fresh_state(MessageKind::OwnerEscalation, Some(&disabled)),
            Ok(())
        );
        assert!(fresh_state(MessageKind::ThankYou, Some(&open)).is_err());
        assert_eq!(
            fresh_state(
                MessageKind::ThankYou,
                Some(&stored(ChaseState::Paid, "USD 0.00"))
            ),
            Ok(())
        );
    }

    #[test]
    fn a_command_on_its_way_holds_everything_but_a_thank_you() {
        let now = ts("2026-03-02T10:00:00Z");
        let entry = JournalEntry {
            id: "cli:1".into(),
            invoice: "INV-1".into(),
            workflow_id: "invoice-INV-1".into(),
            request: serde_json::json!({ "command": "paid" }),
            status: crate::store::CommandStatus::Pending,
            outcome: None,
            created_at: now,
            updated_at: now,
        };
        assert_eq!(pending_command(MessageKind::Reminder, None, now), Ok(()));
        for kind in [MessageKind::Reminder, MessageKind::OwnerEscalation] {
            assert_eq!(
                pending_command(kind, Some(&entry), now),
                Err(ts("2026-03-02T10:00:10Z"))
            );
        }
        assert_eq!(
            pending_command(MessageKind::ThankYou, Some(&entry), now),
            Ok(())
        );
    }

    #[test]
    fn a_held_sending_holds_customer_messages_and_lets_the_owner_hear() {
        let now = ts("2026-03-02T10:00:00Z");
        let hold = SendingHold {
            since: now,
            reason: "wrong file imported".into(),
            by: "cli".into(),
        };
        for kind in [MessageKind::Reminder, MessageKind::ThankYou] {
            assert_eq!(sending_hold(kind, None, now), Ok(()));
            assert_eq!(
                sending_hold(kind, Some(&hold), now),
                Err(ts("2026-03-02T10:00:30Z"))
            );
        }
        // A hold of an hour asks every 6 minutes; of a day, every 10.
        let later = ts("2026-03-02T11:00:00Z");
        assert_eq!(
            sending_hold(MessageKind::Reminder, Some(&hold), later),
            Err(ts("2026-03-02T11:06:00Z"))
        );
        let next_day = ts("2026-03-03T10:00:00Z");
        assert_eq!(
            sending_hold(MessageKind::Reminder, Some(&hold), next_day),
            Err(ts("2026-03-03T10:10:00Z"))
        );
        assert_eq!(
            sending_hold(MessageKind::OwnerEscalation, Some(&hold), now),
            Ok(())
        );
    }

    #[test]
    fn send_window_waits_for_the_next_opening() {
        let settings = Settings::default(); // UTC, 18:00-08:00 quiet, Monday to Friday
        let utc = Zone::utc();
        assert_eq!(
            send_window(&settings, &utc, ts("2026-12-01T10:00:00Z")),
            Ok(())
        );
        // 03:00 on a Tuesday: 08:00 the same day.
        assert_eq!(
            send_window(&settings, &utc, ts("2026-12-01T03:00:00Z")),
            Err(ts("2026-12-01T08:00:00Z"))
        );
        // Saturday noon: Monday 08:00.
        assert_eq!(
            send_window(&settings, &utc, ts("2026-12-05T12:00:00Z")),
            Err(ts("2026-12-07T08:00:00Z"))
        );
    }

    #[test]
    fn contact_pacing_keeps_the_gap_and_the_daily_cap_across_invoices() {
        let settings = Settings {
            min_gap: "2d".parse().unwrap(),
            daily_cap: 1,
            ..Settings::default()
        };
        let utc = Zone::utc();
        let now = ts("2026-12-02T10:00:00Z");
        assert_eq!(
            contact_pacing(&settings, &utc, &[("a@x".into(), vec![])], now),
            Ok(())
        );
        // Another invoice's reminder reached them yesterday: two days after it.
        let yesterday = vec![ts("2026-12-01T09:00:00Z")];
        assert_eq!(
            contact_pacing(&settings, &utc, &[("a@x".into(), yesterday)], now),
            Err((ts("2026-12-03T09:00:00Z"), code::MIN_GAP))
        );
        // No gap, but the daily cap: tomorrow at the window's opening.
        let no_gap = Settings {
            min_gap: chaser_domain::Offset::ZERO,
            ..settings.clone()
        };
        let this_morning = vec![ts("2026-12-02T08:30:00Z")];
        assert_eq!(
            contact_pacing(&no_gap, &utc, &[("a@x".into(), this_morning.clone())], now),
            Err((ts("2026-12-03T08:00:00Z"), code::DAILY_CAP))
        );
        let two_a_day = Settings {
            daily_cap: 2,
            ..no_gap
        };
        assert_eq!(
            contact_pacing(&two_a_day, &utc, &[("a@x".into(), this_morning)], now),
            Ok(())
        );
    }

    #[test]
    fn suppressed_addresses_are_dropped_and_nobody_left_means_none() {
        let suppressed: BTreeSet<String> =
            ["gone@c.example".to_owned(), "boss@c.example".to_owned()].into();
        let both = email(&["ap@c.example", "Gone@c.example"], "x");
        let kept = without_suppressed(&both, &suppressed).unwrap();
        assert_eq!(
            (kept.to, kept.cc),
            (vec!["ap@c.example".to_owned()], vec![])
        );
        assert_eq!(
            without_suppressed(&email(&["gone@c.example"], "x"), &suppressed),
            None
        );
    }

    #[test]
    fn content_check_wants_a_complete_message_with_the_stored_amount() {
        let s = stored(ChaseState::Scheduled, "USD 800.00");
        let good = email(&["ap@c.example"], "Invoice INV-9: $800.00 due");
        assert_eq!(
            content_check(&good, MessageKind::Reminder, &s, "$800.00"),
            Ok(())
        );
        let stale = email(&["ap@c.example"], "Invoice INV-9: $1,200.00 due");
        assert_eq!(
            content_check(&stale, MessageKind::Reminder, &s, "$800.00"),
            Err("the message does not state the amount due in the store ($800.00)".into())
        );
        let wrong_invoice = email(&["ap@c.example"], "Invoice INV-8: $800.00 due");
        assert!(
            content_check(&wrong_invoice, MessageKind::Reminder, &s, "$800.00")
                .unwrap_err()
                .contains("INV-9")
        );
        let unrendered = email(&["ap@c.example"], "Invoice INV-9: {{ amount }}");
        assert!(
            content_check(&unrendered, MessageKind::Reminder, &s, "$800.00")
                .unwrap_err()
                .contains("unrendered")
        );
        let bad_address = email(&["not an address"], "Invoice INV-9: $800.00");
        assert!(content_check(&bad_address, MessageKind::Reminder, &s, "$800.00").is_err());
        let mut empty = good.clone();
        empty.subject = " ".into();
        assert!(
            content_check(&empty, MessageKind::Reminder, &s, "$800.00")
                .unwrap_err()
                .contains("incomplete")
        );
    }
}
