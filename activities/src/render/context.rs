//! What a customer message's templates see, built from an invoice and its step; only web
//! links reach it, so a template can never show a hostile URL.

use chaser_domain::schedule::HistoryEntry;
use chaser_domain::{Invoice, PlannedStep};
use jiff::civil::Date;
use serde::Serialize;

use crate::locale;

/// Who we are, as shown in messages.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Company {
    pub name: String,
    pub reply_to: Option<String>,
    pub signature: Option<String>,
}

/// Everything a template can use.
#[derive(Debug, Clone, Serialize)]
pub struct MessageContext {
    pub company: Company,
    pub customer: CustomerView,
    pub invoice: InvoiceView,
    pub tone: String,
    pub step: StepView,
    pub history: Vec<HistoryView>,
    pub no_contact: bool,
    /// The owner's one-tap actions (escalations only).
    pub actions: Option<ActionLinks>,
    /// The message waiting for approval (approval requests only).
    pub approval: Option<ApprovalView>,
    /// Why the owner is told (an escalation's reason).
    pub note: Option<String>,
    /// The owner's one-tap link that holds all sending (messages to the owner only).
    pub pause_sending: Option<String>,
}

/// What a message shows beyond the invoice: its language and its links.
#[derive(Debug, Clone, Default)]
pub struct Presentation {
    /// A BCP-47 tag; amounts and dates are written the way this locale writes them.
    pub locale: String,
    /// The tracked pay link (`/pay/<token>`).
    pub pay_link: String,
    pub actions: Option<ActionLinks>,
    pub approval: Option<ApprovalView>,
    pub note: Option<String>,
    /// In messages to the owner: the one-tap link that holds all sending.
    pub pause_sending: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionLinks {
    pub pause_7d: String,
    pub dispute: String,
    pub writeoff: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalView {
    pub url: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub expires: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceView {
    pub number: String,
    pub amount: String,
    /// The balance after partial payments.
    pub amount_due: String,
    pub issue_date: String,
    pub due_date: String,
    pub days_past_due: i64,
    /// Where the customer pays: always present (the page shows bank details without a pay URL).
    pub pay_link: String,
    pub pay_url: Option<String>,
    pub pdf_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub id: String,
    #[serde(rename = "move")]
    pub action: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    pub step_id: String,
    pub at: String,
    pub state: String,
    pub note: Option<String>,
}

impl MessageContext {
    /// The context for one message about `invoice` on day `today` (the recipient's date).
    pub fn new(
        company: &Company,
        invoice: &Invoice,
        step: Option<&PlannedStep>,
        history: &[HistoryEntry],
        today: Date,
        presentation: Presentation,
    ) -> MessageContext {
        let locale = if presentation.locale.is_empty() {
            "en"
        } else {
            presentation.locale.as_str()
        };
        MessageContext {
            company: company.clone(),
            customer: CustomerView {
                id: invoice.customer.id.clone(),
                name: invoice.customer.name.clone(),
            },
            invoice: InvoiceView {
                number: invoice.number.to_string(),
                amount: locale::money(&invoice.amount, locale),
                amount_due: locale::money(&invoice.balance, locale),
                issue_date: locale::long_date(invoice.issue_date, locale),
                due_date: locale::long_date(invoice.due_date, locale),
                days_past_due: invoice.days_past_due(today).max(0),
                pay_link: presentation.pay_link,
                // Only web links reach a template, whatever reached the store.
                pay_url: web_link(invoice.pay_url.as_ref()),
                pdf_url: web_link(invoice.pdf_url.as_ref()),
            },
            tone: step.map_or("neutral", |s| s.tone.as_str()).to_owned(),
            step: StepView {
                id: step.map(|s| s.id.clone()).unwrap_or_default(),
                action: step
                    .map(|s| s.action.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            },
            history: history
                .iter()
                .map(|h| {
                    let mut state = match &h.state {
                        chaser_domain::StepState::Done => "sent".to_owned(),
                        chaser_domain::StepState::Pending => "pending".to_owned(),
                        chaser_domain::StepState::Failed { error } => format!("failed: {error}"),
                        chaser_domain::StepState::Uncertain { .. } => "maybe sent".to_owned(),
                        chaser_domain::StepState::Skipped { reason } => {
                            format!("skipped ({reason:?})").to_lowercase()
                        }
                    };
                    // The owner let it go: it is history, not something to act on.
                    if h.dismissed {
                        state.push_str(" (dismissed)");
                    }
                    HistoryView {
                        step_id: h.step_id.clone(),
                        at: h.at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                        state,
                        note: h.note.clone(),
                    }
                })
                .collect(),
            no_contact: step.is_some_and(|s| s.recipients.no_contact),
            actions: presentation.actions,
            approval: presentation.approval,
            note: presentation.note,
            pause_sending: presentation.pause_sending,
        }
    }
}

/// A pay or PDF link as a template may show it: `http:` or `https:` only (the doors refuse
/// `http:` unless configured, and anything else always).
fn web_link(url: Option<&url::Url>) -> Option<String> {
    url.filter(|u| chaser_domain::limits::is_web_link(u, true))
        .map(ToString::to_string)
}
