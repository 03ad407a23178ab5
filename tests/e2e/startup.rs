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

    let folder = format!(
        "templates_dir = \"{}\"",
        repo_root().join("examples/templates").display()
    );
    let mut with = Chaser::with_settings("with-templates", &rules, Backend::Sqlite, &folder);
    with.start_worker();
}
