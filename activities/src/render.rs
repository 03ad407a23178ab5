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

use crate::locale;

const BUILTIN: [(&str, &str); 26] = [
    ("_macros.j2", include_str!("../../templates/_macros.j2")),
    (
        "daily_review.subject.j2",
        include_str!("../../templates/daily_review.subject.j2"),
    ),
    (
        "daily_review.txt.j2",
        include_str!("../../templates/daily_review.txt.j2"),
    ),
    (
        "daily_review.html.j2",
        include_str!("../../templates/daily_review.html.j2"),
    ),
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
    (
        "approval_request.subject.j2",
        include_str!("../../templates/approval_request.subject.j2"),
    ),
    (
        "approval_request.txt.j2",
        include_str!("../../templates/approval_request.txt.j2"),
    ),
    (
        "approval_request.html.j2",
        include_str!("../../templates/approval_request.html.j2"),
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
                .map(|h| HistoryView {
                    step_id: h.step_id.clone(),
                    at: h.at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                    state: match &h.state {
                        chaser_domain::StepState::Done => "sent".to_owned(),
                        chaser_domain::StepState::Pending => "pending".to_owned(),
                        chaser_domain::StepState::Failed { error } => format!("failed: {error}"),
                        chaser_domain::StepState::Uncertain { .. } => "maybe sent".to_owned(),
                        chaser_domain::StepState::Skipped { reason } => {
                            format!("skipped ({reason:?})").to_lowercase()
                        }
                    },
                    note: h.note.clone(),
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

/// `{{ url|href }}`: a link for a double-quoted `href` attribute. Only an `http:` or `https:`
/// URL comes out (anything else becomes `#`, so a `javascript:` link can never be clicked),
/// with `&`, `<`, `>`, `"` and `'` escaped; `/` is left as it is, unlike the general HTML
/// escape, so the address stays readable in the message's source.
fn href(value: String) -> minijinja::Value {
    let web = url::Url::parse(&value)
        .ok()
        .filter(|u| chaser_domain::limits::is_web_link(u, true));
    let Some(url) = web else {
        return minijinja::Value::from_safe_string("#".to_owned());
    };
    let mut out = String::with_capacity(url.as_str().len());
    for c in url.as_str().chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    minijinja::Value::from_safe_string(out)
}

/// A pay or PDF link as a template may show it: `http:` or `https:` only (the doors refuse
/// `http:` unless configured, and anything else always).
fn web_link(url: Option<&url::Url>) -> Option<String> {
    url.filter(|u| chaser_domain::limits::is_web_link(u, true))
        .map(ToString::to_string)
}

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
        env.add_filter("href", href);
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
        self.render_any(family, context)
    }

    /// The owner's daily review ([`DIGEST_FAMILY`]), from the digest's sections.
    pub fn render_digest(&self, digest: &DigestView) -> Result<Rendered, RenderError> {
        self.render_any(DIGEST_FAMILY, digest)
    }

    fn render_any<C: Serialize>(&self, family: &str, context: &C) -> Result<Rendered, RenderError> {
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

/// Words that must never go out in a message (rudeness, threats); the config can replace it.
pub const DEFAULT_BANNED_WORDS: [&str; 12] = [
    "idiot",
    "stupid",
    "incompetent",
    "liar",
    "scam",
    "lazy",
    "pathetic",
    "threaten",
    "bailiff",
    "police",
    "damn",
    "shame on",
];

/// An invoice with every field filled, and its first planned step, to render templates with.
fn lint_sample() -> Option<(Invoice, PlannedStep)> {
    use chaser_domain::{
        Cadence, Contact, Currency, Customer, Email, InvoiceNumber, Money, Role, Rules, Terms, plan,
    };
    let mut invoice = Invoice::new(
        InvoiceNumber::parse("INV-0").ok()?,
        Customer {
            id: "sample".into(),
            name: "Sample Ltd".into(),
        },
        Money::parse("1200.00", Currency::parse("USD").ok()?).ok()?,
        Date::constant(2026, 1, 1),
        Date::constant(2026, 1, 31),
        Terms::Net(30),
        Email::parse("owner@sample.example").ok()?,
    );
    invoice.contacts = vec![Contact {
        name: "AP".into(),
        email: Email::parse("ap@sample.example").ok()?,
        roles: vec![Role::Billing],
    }];
    invoice.pdf_url = "https://files.example/INV-0.pdf".parse().ok();
    let rules = Rules::default();
    let step = plan(
        &invoice,
        &Cadence::seed(),
        &rules.company,
        jiff::Timestamp::UNIX_EPOCH,
    )
    .steps
    .into_iter()
    .next()?;
    Some((invoice, step))
}

/// A template problem found at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintProblem {
    pub template: String,
    pub problem: String,
}

impl std::fmt::Display for LintProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.template, self.problem)
    }
}

/// `word` appears in `text` as a whole word or phrase, ignoring case.
fn contains_word(text: &str, word: &str) -> bool {
    let text = text.to_lowercase();
    let word = word.to_lowercase();
    text.match_indices(&word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

impl Renderer {
    /// Renders every family at every tone, with and without the optional parts, so an unknown
    /// variable anywhere is caught before any message is sent; and checks the templates and
    /// their output for banned words.
    pub fn lint(&self, banned: &[String]) -> Result<(), Vec<LintProblem>> {
        let Some((sample, step)) = lint_sample() else {
            return Err(vec![LintProblem {
                template: "(sample)".into(),
                problem: "the sample invoice could not be built".into(),
            }]);
        };
        let (sample, step) = (&sample, &step);
        let mut problems = Vec::new();
        for (name, source) in self.env.templates() {
            for word in banned.iter().filter(|w| contains_word(source.source(), w)) {
                problems.push(LintProblem {
                    template: name.to_owned(),
                    problem: format!("contains the banned word `{word}`"),
                });
            }
        }
        let actions = ActionLinks {
            pause_7d: "https://x/act/1".into(),
            dispute: "https://x/act/2".into(),
            writeoff: "https://x/act/3".into(),
        };
        let approval = ApprovalView {
            url: "https://x/a".into(),
            to: "a@x".into(),
            subject: "s".into(),
            text: "t".into(),
            expires: "e".into(),
        };
        let company = Company {
            name: "Co".into(),
            reply_to: Some("r@x".into()),
            signature: Some("Sig".into()),
        };
        let mut with_pay_url = sample.clone();
        with_pay_url.pay_url = "https://pay.example/x".parse().ok();
        for tone in [
            chaser_domain::Tone::Friendly,
            chaser_domain::Tone::Neutral,
            chaser_domain::Tone::Firm,
        ] {
            let step = PlannedStep {
                tone,
                ..step.clone()
            };
            for invoice in [sample, &with_pay_url] {
                for full in [false, true] {
                    let presentation = Presentation {
                        locale: "en".into(),
                        pay_link: "https://x/pay/1".into(),
                        actions: full.then(|| actions.clone()),
                        approval: Some(approval.clone()),
                        note: full.then(|| "a note".into()),
                        pause_sending: full.then(|| "https://x/sending/1".into()),
                    };
                    let context = MessageContext::new(
                        &company,
                        invoice,
                        Some(&step),
                        &[],
                        invoice.due_date,
                        presentation,
                    );
                    for family in self.families.iter().filter(|f| *f != DIGEST_FAMILY) {
                        match self.render(family, &context) {
                            Ok(r) => {
                                let text = format!("{} {} {}", r.subject, r.text, r.html);
                                for word in banned.iter().filter(|w| contains_word(&text, w)) {
                                    problems.push(LintProblem {
                                        template: family.clone(),
                                        problem: format!("renders the banned word `{word}`"),
                                    });
                                }
                            }
                            Err(e) => problems.push(LintProblem {
                                template: family.clone(),
                                problem: e.to_string(),
                            }),
                        }
                    }
                }
            }
        }
        if self.families.contains(DIGEST_FAMILY) {
            match self.render_digest(&DigestView::sample(&company)) {
                Ok(r) => {
                    let text = format!("{} {} {}", r.subject, r.text, r.html);
                    for word in banned.iter().filter(|w| contains_word(&text, w)) {
                        problems.push(LintProblem {
                            template: DIGEST_FAMILY.into(),
                            problem: format!("renders the banned word `{word}`"),
                        });
                    }
                }
                Err(e) => problems.push(LintProblem {
                    template: DIGEST_FAMILY.into(),
                    problem: e.to_string(),
                }),
            }
        }
        problems.sort_by(|a, b| (&a.template, &a.problem).cmp(&(&b.template, &b.problem)));
        problems.dedup();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
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
    use chaser_domain::{Rules, Tone, plan};

    fn sample() -> (Invoice, PlannedStep) {
        let amount = chaser_domain::Money::parse("1200.00", "USD".parse().unwrap()).unwrap();
        let invoice = Invoice {
            balance: chaser_domain::Money::parse("800.00", "USD".parse().unwrap()).unwrap(),
            contacts: vec![chaser_domain::Contact {
                name: "AP".into(),
                email: chaser_domain::Email::parse("ap@acme.example").unwrap(),
                roles: vec![chaser_domain::Role::Billing],
            }],
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

    fn company() -> Company {
        Company {
            name: "Us Ltd".into(),
            reply_to: Some("billing@us.example".into()),
            signature: None,
        }
    }

    fn presentation(family: &str) -> Presentation {
        Presentation {
            locale: "en".into(),
            pay_link: "https://chaser.example/pay/TOKEN".into(),
            actions: (family == "escalation").then(|| ActionLinks {
                pause_7d: "https://chaser.example/act/PAUSE".into(),
                dispute: "https://chaser.example/act/DISPUTE".into(),
                writeoff: "https://chaser.example/act/WRITEOFF".into(),
            }),
            approval: (family == "approval_request").then(|| ApprovalView {
                url: "https://chaser.example/approvals/TOKEN".into(),
                to: "ap@acme.example".into(),
                subject: "Invoice INV-1 is overdue".into(),
                text: "Hello Acme Ltd, ...".into(),
                expires: "2026-12-13 09:00 UTC".into(),
            }),
            note: None,
            pause_sending: matches!(family, "escalation" | "approval_request")
                .then(|| "https://chaser.example/sending/PAUSE".into()),
        }
    }

    const FAMILIES: [&str; 7] = [
        "approval_request",
        "escalation",
        "final_notice",
        "new_invoice",
        "past_due",
        "reminder",
        "thank_you",
    ];

    /// The finding: a PDF link of `javascript:x"><img src=x onerror=alert(1)>` reached the
    /// HTML. Such a link (in the store from before the doors refused it) is dropped, and any
    /// value is escaped.
    #[test]
    fn a_hostile_pdf_link_never_reaches_the_html() {
        let renderer = Renderer::builtin().unwrap();
        let (mut invoice, step) = sample();
        invoice.customer.name = "<script>alert(1)</script>".into();
        for hostile in [
            r#"javascript:x"><img src=x onerror=alert(1)>"#,
            "data:text/html,<img src=x onerror=alert(1)>",
        ] {
            invoice.pdf_url = Some(url::Url::parse(hostile).unwrap());
            let context = MessageContext::new(
                &company(),
                &invoice,
                Some(&step),
                &[],
                Date::constant(2026, 11, 2),
                presentation("new_invoice"),
            );
            let r = renderer.render("new_invoice", &context).unwrap();
            for body in [&r.html, &r.text] {
                assert!(!body.contains("onerror"), "{body}");
                assert!(!body.contains("Download the PDF"), "{body}");
            }
            // The plain-text part may say anything; the HTML part escapes it.
            assert!(!r.html.contains("<script>"), "{}", r.html);
        }
        invoice.pdf_url = Some(url::Url::parse("https://files.example/a?x=1&y='2'").unwrap());
        let context = MessageContext::new(
            &company(),
            &invoice,
            Some(&step),
            &[],
            Date::constant(2026, 11, 2),
            presentation("new_invoice"),
        );
        let html = renderer.render("new_invoice", &context).unwrap().html;
        assert!(
            html.contains(r#"href="https://files.example/a?x=1&amp;y=%272%27""#)
                || html.contains(r#"href="https://files.example/a?x=1&amp;y=&#39;2&#39;""#),
            "{html}"
        );
    }

    /// Every built-in message at every tone, as the recipient sees it. A wording change shows
    /// up as a snapshot diff to review (`cargo insta review`).
    #[test]
    fn every_built_in_family_at_every_tone() {
        let renderer = Renderer::builtin().unwrap();
        assert_eq!(
            renderer
                .families()
                .iter()
                .map(String::as_str)
                .filter(|f| *f != DIGEST_FAMILY)
                .collect::<Vec<_>>(),
            FAMILIES
        );
        let (invoice, step) = sample();
        for tone in [Tone::Friendly, Tone::Neutral, Tone::Firm] {
            let step = PlannedStep {
                tone,
                ..step.clone()
            };
            for family in FAMILIES {
                let context = MessageContext::new(
                    &company(),
                    &invoice,
                    Some(&step),
                    &[],
                    Date::constant(2026, 12, 11),
                    presentation(family),
                );
                let r = renderer
                    .render(family, &context)
                    .unwrap_or_else(|e| panic!("{family} at {tone:?}: {e}"));
                assert!(
                    r.subject.contains("INV-1") && !r.subject.contains('\n'),
                    "{family}: {}",
                    r.subject
                );
                let customer_facing = !matches!(family, "escalation" | "approval_request");
                if customer_facing && family != "thank_you" {
                    for body in [&r.text, &r.html] {
                        assert!(body.contains("$800.00"), "{family}: {body}");
                        assert!(
                            body.contains("https://chaser.example/pay/TOKEN"),
                            "{family}"
                        );
                    }
                }
                insta::assert_snapshot!(
                    format!("{family}-{}", tone.as_str()),
                    format!(
                        "Subject: {}\n\n{}\n\n----- html -----\n{}",
                        r.subject, r.text, r.html
                    )
                );
            }
        }
    }

    #[test]
    fn the_daily_review_renders_its_sections_and_links() {
        let renderer = Renderer::builtin().unwrap();
        let r = renderer
            .render_digest(&DigestView::sample(&company()))
            .unwrap();
        assert!(
            r.text
                .contains("Pause 7 days: https://chaser.example/act/TOKEN1"),
            "{}",
            r.text
        );
        assert!(
            r.html
                .contains("href=\"https://chaser.example/act/TOKEN1\""),
            "{}",
            r.html
        );
        insta::assert_snapshot!(
            "daily_review",
            format!(
                "Subject: {}\n\n{}\n\n----- html -----\n{}",
                r.subject, r.text, r.html
            )
        );
    }

    #[test]
    fn amounts_and_dates_follow_the_locale() {
        let renderer = Renderer::builtin().unwrap();
        let (invoice, step) = sample();
        let invoice = Invoice {
            balance: chaser_domain::Money::parse("1234.50", "EUR".parse().unwrap()).unwrap(),
            amount: chaser_domain::Money::parse("1234.50", "EUR".parse().unwrap()).unwrap(),
            ..invoice
        };
        let context = MessageContext::new(
            &company(),
            &invoice,
            Some(&step),
            &[],
            Date::constant(2026, 12, 11),
            Presentation {
                locale: "de".into(),
                ..presentation("past_due")
            },
        );
        let text = renderer.render("past_due", &context).unwrap().text;
        assert!(text.contains("1.234,50\u{a0}€"), "{text}");
        assert!(text.contains("1. Dezember 2026"), "{text}");
    }

    #[test]
    fn standard_picks_the_family_by_status() {
        let (invoice, _) = sample();
        let before = Date::constant(2026, 11, 20);
        assert_eq!(family_for("standard", &invoice, &[], before), "new_invoice");
        let sent = Invoice {
            already_sent: true,
            ..invoice.clone()
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
            &company(),
            &invoice,
            Some(&step),
            &[],
            Date::constant(2026, 12, 11),
            presentation("thank_you"),
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

    #[test]
    fn lint_passes_the_built_ins_and_names_the_template_with_a_banned_word() {
        let banned: Vec<String> = DEFAULT_BANNED_WORDS
            .iter()
            .map(|w| (*w).to_owned())
            .collect();
        assert_eq!(Renderer::builtin().unwrap().lint(&banned), Ok(()));

        let dir = std::env::temp_dir().join(format!("chaser-lint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("past_due.txt.j2"),
            "Pay {{ invoice.number }} now, you lazy people. {{ invoice.pay_link }}",
        )
        .unwrap();
        std::fs::write(dir.join("reminder.txt.j2"), "{{ invoice.no_such_field }}").unwrap();
        let problems = Renderer::with_overrides(&dir)
            .unwrap()
            .lint(&banned)
            .unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            listed.contains(&"past_due.txt.j2: contains the banned word `lazy`".to_owned()),
            "{listed:?}"
        );
        assert!(
            listed
                .iter()
                .any(|p| p.starts_with("reminder: template reminder.txt.j2")),
            "an unknown variable is caught before anything is sent: {listed:?}"
        );
        // Whole words only: "blazy" or "scampi" are fine.
        assert!(!contains_word("Blazy & scampi", "lazy"));
        assert!(contains_word("You are LAZY.", "lazy"));
    }
}
