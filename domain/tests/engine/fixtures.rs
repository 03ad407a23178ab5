//! Builders for invoices, settings and cadences used across the engine tests.

use chaser_domain::rules::{
    Cadence, CatchUp, ClockTime, QuietHours, Settings, Step, Trigger, Weekdays,
};
use chaser_domain::{
    Contact, Customer, Email, Invoice, InvoiceNumber, Money, Move, Role, Terms, Zone,
};
use jiff::Timestamp;
use jiff::civil::{Date, Time};

pub fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

pub fn contact(email: &str, roles: &[Role]) -> Contact {
    Contact {
        name: String::new(),
        email: Email::parse(email).unwrap(),
        roles: roles.to_vec(),
    }
}

/// An unpaid USD 1,200.00 invoice issued on `issue`, due by its terms, with a billing contact.
pub fn invoice(issue: Date, terms: Terms) -> Invoice {
    let due = terms.due_date(issue).unwrap_or(issue);
    let amount = Money::parse("1200.00", "USD".parse().unwrap()).unwrap();
    Invoice {
        contacts: vec![
            contact("ap@acme.example", &[Role::Billing]),
            contact("ceo@acme.example", &[Role::Executive]),
        ],
        ..Invoice::new(
            InvoiceNumber::parse("INV-1042").unwrap(),
            Customer {
                id: "acme".into(),
                name: "Acme Ltd".into(),
            },
            amount,
            issue,
            due,
            terms,
            Email::parse("owner@chaser.example").unwrap(),
        )
    }
}

pub fn due_on(due: Date) -> Invoice {
    let mut inv = invoice(
        due.checked_sub(jiff::Span::new().days(30)).unwrap(),
        Terms::Net(30),
    );
    inv.due_date = due;
    inv
}

pub fn settings(zone: &str) -> Settings {
    Settings {
        time_zone: Zone::parse(zone).unwrap(),
        ..Settings::default()
    }
}

/// Settings that never hold a message back: every day, no quiet hours, no gap.
pub fn always_open(zone: &str) -> Settings {
    Settings {
        quiet_hours: None,
        business_days: Weekdays::ALL,
        min_gap: chaser_domain::Offset::ZERO,
        catch_up: CatchUp::Latest,
        ..settings(zone)
    }
}

pub fn hm(h: i8, m: i8) -> ClockTime {
    ClockTime(Time::new(h, m, 0, 0).unwrap())
}

pub fn quiet(start: ClockTime, end: ClockTime) -> Option<QuietHours> {
    Some(QuietHours { start, end })
}

pub fn step(id: &str, when: &str, action: Move) -> Step {
    Step::with_defaults(id, when.parse::<Trigger>().unwrap(), action)
}

pub fn cadence(steps: Vec<Step>) -> Cadence {
    Cadence {
        name: "test".into(),
        steps,
    }
}
