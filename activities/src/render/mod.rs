//! Turning a message request into subject, text and HTML with minijinja templates.
//!
//! The built-in templates (`templates/` at the repository root) are compiled in; a folder named
//! in config can override any of them or add new ones. HTML is auto-escaped, undefined
//! variables are errors, and subjects are forced onto one line.

mod builtin;
mod context;
mod digest;
mod lint;

pub use context::{
    ActionLinks, ApprovalView, Company, CustomerView, HistoryView, InvoiceView, MessageContext,
    Presentation, StepView,
};
pub use digest::{DIGEST_FAMILY, DigestAction, DigestLine, DigestSection, DigestTally, DigestView};
pub use lint::{DEFAULT_BANNED_WORDS, LintProblem};

use std::collections::BTreeSet;
use std::path::Path;

use chaser_domain::Invoice;
use chaser_domain::schedule::HistoryEntry;
use jiff::civil::Date;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use builtin::BUILTIN;

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
    use chaser_domain::{PlannedStep, Rules, Tone, plan};

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
    fn a_dismissed_send_reads_as_history_not_as_a_failure_to_act_on() {
        let (invoice, step) = sample();
        let failed = HistoryEntry {
            step_id: "nudge".into(),
            at: "2026-12-04T09:00:00Z".parse().unwrap(),
            state: chaser_domain::StepState::Failed {
                error: "550 mailbox unknown".into(),
            },
            recipients: vec![],
            message_id: None,
            note: None,
            dismissed: true,
        };
        let context = MessageContext::new(
            &company(),
            &invoice,
            Some(&step),
            &[failed],
            Date::constant(2026, 12, 11),
            presentation("escalation"),
        );
        assert_eq!(
            context.history[0].state,
            "failed: 550 mailbox unknown (dismissed)"
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
}
