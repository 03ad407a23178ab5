//! Turning a message request into subject, text and HTML with minijinja templates.
//!
//! The built-in templates (`templates/` at the repository root) are compiled in; a folder named
//! in config can override any of them or add new ones. HTML is auto-escaped, undefined
//! variables are errors, and subjects are forced onto one line.

use std::collections::BTreeSet;
use std::path::Path;

use chaser_domain::schedule::HistoryEntry;
use chaser_domain::{Invoice, PlannedStep};
use jiff::civil::Date;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

const BUILTIN: [(&str, &str); 20] = [
    ("_macros.j2", include_str!("../../templates/_macros.j2")),
    (
        "_layout.html.j2",
        include_str!("../../templates/_layout.html.j2"),
    ),
    (
        "new_invoice.subject.j2",
        include_str!("../../templates/new_invoice.subject.j2"),
    ),
    (
        "new_invoice.txt.j2",
        include_str!("../../templates/new_invoice.txt.j2"),
    ),
    (
        "new_invoice.html.j2",
        include_str!("../../templates/new_invoice.html.j2"),
    ),
    (
        "reminder.subject.j2",
        include_str!("../../templates/reminder.subject.j2"),
    ),
    (
        "reminder.txt.j2",
        include_str!("../../templates/reminder.txt.j2"),
    ),
    (
        "reminder.html.j2",
        include_str!("../../templates/reminder.html.j2"),
    ),
    (
        "past_due.subject.j2",
        include_str!("../../templates/past_due.subject.j2"),
    ),
    (
        "past_due.txt.j2",
        include_str!("../../templates/past_due.txt.j2"),
    ),
    (
        "past_due.html.j2",
        include_str!("../../templates/past_due.html.j2"),
    ),
    (
        "final_notice.subject.j2",
        include_str!("../../templates/final_notice.subject.j2"),
    ),
    (
        "final_notice.txt.j2",
        include_str!("../../templates/final_notice.txt.j2"),
    ),
    (
        "final_notice.html.j2",
        include_str!("../../templates/final_notice.html.j2"),
    ),
    (
        "escalation.subject.j2",
        include_str!("../../templates/escalation.subject.j2"),
    ),
    (
        "escalation.txt.j2",
        include_str!("../../templates/escalation.txt.j2"),
    ),
    (
        "escalation.html.j2",
        include_str!("../../templates/escalation.html.j2"),
    ),
    (
        "thank_you.subject.j2",
        include_str!("../../templates/thank_you.subject.j2"),
    ),
    (
        "thank_you.txt.j2",
        include_str!("../../templates/thank_you.txt.j2"),
    ),
    (
        "thank_you.html.j2",
        include_str!("../../templates/thank_you.html.j2"),
    ),
];

const PARTS: [&str; 3] = ["subject", "txt", "html"];

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}: {source}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
    #[error("no template family `{0}` (it needs {0}.subject.j2, {0}.txt.j2 and {0}.html.j2)")]
    UnknownFamily(String),
    #[error("reading templates from {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Who we are, as shown in messages.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Company {
    pub name: String,
    pub reply_to: Option<String>,
    pub signature: Option<String>,
    pub payment_instructions: Option<String>,
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

fn long_date(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

impl MessageContext {
    /// The context for one message about `invoice` on day `today` (the recipient's date).
    pub fn new(
        company: &Company,
        invoice: &Invoice,
        step: Option<&PlannedStep>,
        history: &[HistoryEntry],
        today: Date,
    ) -> MessageContext {
        MessageContext {
            company: company.clone(),
            customer: CustomerView {
                id: invoice.customer.id.clone(),
                name: invoice.customer.name.clone(),
            },
            invoice: InvoiceView {
                number: invoice.number.to_string(),
                amount: invoice.amount.grouped(),
                amount_due: invoice.balance.grouped(),
                issue_date: long_date(invoice.issue_date),
                due_date: long_date(invoice.due_date),
                days_past_due: invoice.days_past_due(today).max(0),
                pay_url: invoice.pay_url.as_ref().map(ToString::to_string),
                pdf_url: invoice.pdf_url.as_ref().map(ToString::to_string),
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
                .map(|h| HistoryView {
                    step_id: h.step_id.clone(),
                    at: h.at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                    state: match &h.state {
                        chaser_domain::StepState::Done => "sent".to_owned(),
                        chaser_domain::StepState::Pending => "pending".to_owned(),
                        chaser_domain::StepState::Failed { error } => format!("failed: {error}"),
                        chaser_domain::StepState::Skipped { reason } => {
                            format!("skipped ({reason:?})").to_lowercase()
                        }
                    },
                    note: h.note.clone(),
                })
                .collect(),
            no_contact: step.is_some_and(|s| s.recipients.no_contact),
        }
    }
}

pub struct Renderer {
    env: Environment<'static>,
    families: BTreeSet<String>,
}

impl Renderer {
    /// The built-in templates.
    pub fn builtin() -> Result<Renderer, RenderError> {
        Self::from_sources(
            BUILTIN
                .iter()
                .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
                .collect(),
        )
    }

    /// The built-in templates, with any `*.j2` file in `dir` added or replacing one of them.
    pub fn with_overrides(dir: &Path) -> Result<Renderer, RenderError> {
        let io = |source| RenderError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut sources: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
            .collect();
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".j2") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).map_err(io)?;
            sources.retain(|(n, _)| *n != name);
            sources.push((name, text));
        }
        Self::from_sources(sources)
    }

    fn from_sources(sources: Vec<(String, String)>) -> Result<Renderer, RenderError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        let names: Vec<String> = sources.iter().map(|(n, _)| n.clone()).collect();
        for (name, text) in sources {
            env.add_template_owned(name.clone(), text)
                .map_err(|source| RenderError::Template {
                    name: name.clone(),
                    source,
                })?;
        }
        let families = names
            .iter()
            .filter_map(|n| n.strip_suffix(".subject.j2"))
            .filter(|f| PARTS.iter().all(|p| names.contains(&format!("{f}.{p}.j2"))))
            .map(str::to_owned)
            .collect();
        Ok(Renderer { env, families })
    }

    /// Template families that have all three parts.
    pub fn families(&self) -> &BTreeSet<String> {
        &self.families
    }

    pub fn render(&self, family: &str, context: &MessageContext) -> Result<Rendered, RenderError> {
        if !self.families.contains(family) {
            return Err(RenderError::UnknownFamily(family.to_owned()));
        }
        let part = |p: &str| {
            let name = format!("{family}.{p}.j2");
            self.env
                .get_template(&name)
                .and_then(|t| t.render(minijinja::value::Serde(context)))
                .map_err(|source| RenderError::Template { name, source })
        };
        let subject = part("subject")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            subject,
            text: part("txt")?,
            html: part("html")?,
        })
    }
}

/// The template family for a customer message: the step's own template, or for `standard`
/// the one that fits the invoice now (past due, a reminder, or the new invoice itself).
pub fn family_for(
    template: &str,
    invoice: &Invoice,
    history: &[HistoryEntry],
    today: Date,
) -> String {
    if template != "standard" {
        return template.to_owned();
    }
    let sent_before = invoice.already_sent
        || history
            .iter()
            .any(|h| h.state == chaser_domain::StepState::Done);
    if invoice.days_past_due(today) > 0 {
        "past_due".to_owned()
    } else if sent_before {
        "reminder".to_owned()
    } else {
        "new_invoice".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaser_domain::{Rules, plan};

    fn sample() -> (Invoice, PlannedStep) {
        let amount = chaser_domain::Money::parse("1200.00", "USD".parse().unwrap()).unwrap();
        let invoice = Invoice {
            balance: chaser_domain::Money::parse("800.00", "USD".parse().unwrap()).unwrap(),
            ..Invoice::new(
                chaser_domain::InvoiceNumber::parse("INV-1").unwrap(),
                chaser_domain::Customer {
                    id: "acme".into(),
                    name: "Acme Ltd".into(),
                },
                amount,
                Date::constant(2026, 11, 1),
                Date::constant(2026, 12, 1),
                chaser_domain::Terms::Net(30),
                chaser_domain::Email::parse("owner@us.example").unwrap(),
            )
        };
        let rules = Rules::default();
        let schedule = plan(
            &invoice,
            &rules.default_cadence,
            &rules.company,
            "2026-11-02T00:00:00Z".parse().unwrap(),
        );
        (invoice, schedule.step("nudge").unwrap().clone())
    }

    #[test]
    fn every_built_in_family_renders_at_every_tone() {
        let renderer = Renderer::builtin().unwrap();
        let (invoice, mut step) = sample();
        let families = [
            "new_invoice",
            "reminder",
            "past_due",
            "final_notice",
            "escalation",
            "thank_you",
        ];
        assert_eq!(
            renderer
                .families()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            {
                let mut sorted = families.to_vec();
                sorted.sort_unstable();
                sorted
            }
        );
        for tone in [
            chaser_domain::Tone::Friendly,
            chaser_domain::Tone::Neutral,
            chaser_domain::Tone::Firm,
        ] {
            step.tone = tone;
            let context = MessageContext::new(
                &Company::default(),
                &invoice,
                Some(&step),
                &[],
                Date::constant(2026, 12, 11),
            );
            for family in families {
                let r = renderer
                    .render(family, &context)
                    .unwrap_or_else(|e| panic!("{family} at {tone:?}: {e}"));
                assert!(
                    r.subject.contains("INV-1") && !r.subject.contains('\n'),
                    "{family}: {}",
                    r.subject
                );
                if family != "escalation" && family != "thank_you" {
                    for body in [&r.text, &r.html] {
                        assert!(
                            body.contains("USD 800.00"),
                            "{family} shows the balance: {body}"
                        );
                        assert!(
                            body.contains("Please pay by bank transfer"),
                            "{family} says how to pay without a link"
                        );
                        assert!(
                            body.contains("Already paid, or something looks wrong?"),
                            "{family}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn standard_picks_the_family_by_status() {
        let (invoice, _) = sample();
        let before = Date::constant(2026, 11, 20);
        assert_eq!(family_for("standard", &invoice, &[], before), "new_invoice");
        let sent = invoice.clone();
        let sent = Invoice {
            already_sent: true,
            ..sent
        };
        assert_eq!(family_for("standard", &sent, &[], before), "reminder");
        assert_eq!(
            family_for("standard", &invoice, &[], Date::constant(2026, 12, 2)),
            "past_due"
        );
        assert_eq!(
            family_for("final_notice", &invoice, &[], before),
            "final_notice"
        );
    }

    #[test]
    fn an_override_folder_replaces_and_adds_templates() {
        let dir = std::env::temp_dir().join(format!("chaser-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("thank_you.subject.j2"),
            "Merci: {{ invoice.number }}",
        )
        .unwrap();
        for part in ["subject", "txt", "html"] {
            std::fs::write(
                dir.join(format!("statement.{part}.j2")),
                "Statement {{ invoice.number }}",
            )
            .unwrap();
        }
        let renderer = Renderer::with_overrides(&dir).unwrap();
        assert!(renderer.families().contains("statement"));
        let (invoice, step) = sample();
        let context = MessageContext::new(
            &Company::default(),
            &invoice,
            Some(&step),
            &[],
            Date::constant(2026, 12, 11),
        );
        assert_eq!(
            renderer.render("thank_you", &context).unwrap().subject,
            "Merci: INV-1"
        );
        std::fs::write(dir.join("broken.subject.j2"), "{{ nope.nothing }").unwrap();
        assert!(matches!(
            Renderer::with_overrides(&dir),
            Err(RenderError::Template { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
