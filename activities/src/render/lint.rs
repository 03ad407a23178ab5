//! The start-up check of the templates: every family renders at every tone with a sample
//! invoice, and neither the templates nor their output hold a banned word.

use chaser_domain::{Invoice, PlannedStep};
use jiff::civil::Date;

use super::{
    ActionLinks, ApprovalView, Company, DIGEST_FAMILY, DigestView, MessageContext, Presentation,
    Renderer,
};

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

#[cfg(test)]
mod tests {
    use super::*;

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
