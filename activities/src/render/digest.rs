//! What the owner's daily review templates see, and the sample the lint renders it with.

use serde::Serialize;

use super::Company;

/// The family of the owner's daily review; rendered from a [`DigestView`], not a message.
pub const DIGEST_FAMILY: &str = "daily_review";

/// What the daily-review templates see.
#[derive(Debug, Clone, Serialize)]
pub struct DigestView {
    pub company: Company,
    pub date: String,
    pub count: usize,
    /// Today's and the week's sends, counted by move: `3 nudges today, 9 this week`.
    pub week: Vec<DigestTally>,
    /// In the cockpit's order: what goes out, what needs the owner, since yesterday.
    pub sections: Vec<DigestSection>,
    /// Where the money stands, one line per currency.
    pub money: Vec<String>,
    /// The customers owing the most past due, one line each.
    pub late_payers: Vec<String>,
    /// The cockpit's address, where every item can be acted on.
    pub cockpit: String,
    /// While sending is not held: the one-tap link that holds it.
    pub pause_sending: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestTally {
    #[serde(rename = "move")]
    pub label: String,
    pub today: usize,
    pub week: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestSection {
    /// The cockpit's part it belongs to: `What goes out`, `What needs you`, `Since yesterday`.
    pub part: String,
    pub title: String,
    pub lines: Vec<DigestLine>,
    /// Lines left out to keep the e-mail short (the cockpit shows them all).
    pub more: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub subject: String,
    pub customer: String,
    pub balance: String,
    pub note: String,
    /// `(label, url)` pairs, as `{label, url}`.
    pub actions: Vec<DigestAction>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestAction {
    pub label: String,
    pub url: String,
}

impl DigestView {
    /// A review with one line of each kind, for the lint and the snapshot.
    pub fn sample(company: &Company) -> DigestView {
        let action = |label: &str, n: u8| DigestAction {
            label: label.into(),
            url: format!("https://chaser.example/act/TOKEN{n}"),
        };
        DigestView {
            company: company.clone(),
            date: "2026-12-11".into(),
            count: 2,
            week: vec![DigestTally {
                label: "follow-up".into(),
                today: 1,
                week: 4,
            }],
            sections: vec![
                DigestSection {
                    part: "What goes out".into(),
                    more: 0,
                    title: "Today".into(),
                    lines: vec![DigestLine {
                        subject: "INV-1".into(),
                        customer: "Acme Ltd".into(),
                        balance: "USD 800.00".into(),
                        note: "follow-up (follow_up) at 09:00".into(),
                        actions: vec![action("Pause 7 days", 1), action("Write off", 2)],
                    }],
                },
                DigestSection {
                    part: "What needs you".into(),
                    more: 2,
                    title: "To review".into(),
                    lines: vec![DigestLine {
                        subject: "vanished_from_export".into(),
                        customer: String::new(),
                        balance: String::new(),
                        note: "#3 INV-9 is no longer in the `books` export".into(),
                        actions: vec![],
                    }],
                },
            ],
            money: vec!["USD 4,800.00 open in 3 invoices: current 800.00, 1-30 days 4,000.00; collected in 30 days USD 1,200.00; DSO 41 days".into()],
            late_payers: vec!["Acme Ltd: USD 4,000.00 past due (2 invoices, oldest 12 days)".into()],
            cockpit: "https://chaser.example/review".into(),
            pause_sending: Some("https://chaser.example/sending/PAUSE".into()),
        }
    }
}
