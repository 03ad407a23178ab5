//! The worker checks its configuration before it takes any work.

use crate::support::*;

#[test]
fn the_worker_refuses_to_start_when_a_cadence_names_a_missing_template() {
    let rules = std::fs::read_to_string(repo_root().join("examples/rules.toml")).unwrap();
    let without = Chaser::new("no-templates", &rules, Backend::Sqlite);
    let refused = without.worker_refuses();
    let error = stderr(&refused);
    assert!(
        error.contains(
            "templates not found: `statement_request` (cadence custom:milestone, step nudge)"
        ),
        "{error}"
    );

    let folder = repo_root().join("examples/templates").display().to_string();
    let mut with = Chaser::with_config(
        "with-templates",
        &rules,
        Backend::Sqlite,
        &[("templates_dir", folder.into())],
    );
    with.start_worker();
}

#[test]
fn the_worker_refuses_to_start_when_a_template_says_a_banned_word() {
    let name = "banned-word";
    let folder = stack().dir.join(format!("{name}-templates"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("past_due.txt.j2"),
        "Invoice {{ invoice.number }} is late. Pay {{ invoice.amount_due }} or we call the police.\n{{ invoice.pay_link }}\n",
    )
    .unwrap();
    let chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("templates_dir", folder.display().to_string().into())],
    );
    let error = stderr(&chaser.worker_refuses());
    assert!(
        error.contains("past_due.txt.j2: contains the banned word `police`"),
        "{error}"
    );

    // The word list is the owner's to set.
    let allowed = Chaser::with_config(
        &format!("{name}-allowed"),
        &rules(),
        Backend::Sqlite,
        &[
            ("templates_dir", folder.display().to_string().into()),
            (
                "email.banned_words",
                toml::Value::Array(vec!["idiot".into()]),
            ),
        ],
    );
    let mut allowed = allowed;
    allowed.start_worker();
}

#[test]
fn the_worker_refuses_a_send_rate_it_cannot_pace() {
    for (setting, value, says) in [
        (
            "email.max_send_rate",
            toml::Value::Float(0.0),
            "email.max_send_rate must be a positive number of messages per second, not 0",
        ),
        (
            "email.sending_workers",
            toml::Value::Integer(0),
            "email.sending_workers must be at least 1",
        ),
    ] {
        let chaser = Chaser::with_config(
            "send-rate",
            &seconds_rules(""),
            Backend::Sqlite,
            &[(setting, value)],
        );
        let error = stderr(&chaser.worker_refuses());
        assert!(error.contains(says), "{setting}: {error}");
    }
}
