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
    pub sections: Vec<DigestSection>,
    /// While sending is not held: the one-tap link that holds it.
    pub pause_sending: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestSection {
    pub title: String,
    pub lines: Vec<DigestLine>,
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
            sections: vec![
                DigestSection {
                    title: "Today's planned moves".into(),
                    lines: vec![DigestLine {
                        subject: "INV-1".into(),
                        customer: "Acme Ltd".into(),
                        balance: "USD 800.00".into(),
                        note: "follow-up (follow_up) at 09:00".into(),
                        actions: vec![action("Pause 7 days", 1), action("Write off", 2)],
                    }],
                },
                DigestSection {
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
            pause_sending: Some("https://chaser.example/sending/PAUSE".into()),
        }
    }
}
