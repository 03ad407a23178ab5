//! The rules doc and the workflows' own lists: `chaser rules check`, `chaser search-attributes`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chaser_domain::Rules;

/// `chaser search-attributes`: the workflows' own list, for the scripts and operators that
/// register it, so that none of them keeps a copy.
pub fn search_attributes() -> ExitCode {
    for (name, kind) in chaser_workflows::names::search_attribute::REGISTRATION {
        println!("{name}={kind}");
    }
    ExitCode::SUCCESS
}

pub fn rules_check(file: &Path) -> anyhow::Result<ExitCode> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    match Rules::from_toml(&source, &file.display().to_string()) {
        Ok(rules) => {
            let c = &rules.company;
            let mut out = format!(
                "{}: ok\ncompany: {} · send {} · quiet {} · min gap {} · catch-up {}\n",
                file.display(),
                c.time_zone,
                c.send_hour,
                c.quiet_hours.map_or("none".to_owned(), |q| q.to_string()),
                c.min_gap,
                c.catch_up.as_str(),
            );
            for cadence in std::iter::once(&rules.default_cadence).chain(rules.cadences.values()) {
                out.push_str(&format!("cadence {}:\n", cadence.name));
                for step in &cadence.steps {
                    out.push_str(&format!(
                        "  {:<14} {:<36} {:<12} {:<8} {}\n",
                        step.id,
                        step.trigger.to_string(),
                        step.action.as_str(),
                        step.tone.as_str(),
                        step.template
                    ));
                }
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} problem(s) in {}", errors.0.len(), file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}
