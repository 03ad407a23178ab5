//! The rules doc and the workflows' own lists: `chaser rules check`, `chaser rules apply`,
//! `chaser search-attributes`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chaser_app::Outcome;
use chaser_domain::calendar::Window;
use chaser_domain::{Command, Rules};

use super::{chaser, command, when};
use crate::context::Context;

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

/// `chaser rules apply [--dry-run]`: the rules doc's calendar (holidays, quiet hours, business
/// days, the send hour) reaches every running chase, which plans its remaining steps under
/// it; a changed cadence reaches only chases started after it. The dry run lists each running
/// chase's next touch and whether the new calendar closes it (those are the ones that move).
pub async fn rules_apply(app: &Context, dry_run: bool, by: &str) -> anyhow::Result<ExitCode> {
    let settings = &app.rules.company;
    let calendar = settings.calendar();
    let window = Window::new(settings, &settings.time_zone);
    let open = app.store.open_invoices().await?;
    let chaser = chaser(app);
    let (mut moves, mut failed) = (0, 0);
    for stored in &open {
        let number = &stored.invoice.number;
        if dry_run {
            match stored.status_view().next_touch {
                Some(next) => match window.closed_because(next.at) {
                    Some(why) => {
                        moves += 1;
                        println!("{number}: next touch {} is {why}: it moves", when(next.at));
                    }
                    None => println!("{number}: next touch {} stays", when(next.at)),
                },
                None => println!("{number}: no touch planned"),
            }
            continue;
        }
        let request = command(Command::Calendar {
            calendar: calendar.clone(),
        });
        match chaser.execute(number, request, by, None).await {
            Ok(Outcome::Done { detail, .. }) => {
                println!("{number}: {}", detail.unwrap_or_default());
            }
            Ok(other) => println!("{number}: {}", other.describe()),
            Err(e) => {
                failed += 1;
                eprintln!("{number}: {e}");
            }
        }
    }
    if dry_run {
        println!(
            "{} running chase(s); {moves} next touch(es) fall outside the new calendar. \
             `chaser rules apply` re-plans them all.",
            open.len()
        );
    } else {
        println!(
            "the calendar reached {} of {} running chase(s); chases the worker starts itself \
             (syncs, webhooks) take the edited rules doc once the worker restarts",
            open.len() - failed,
            open.len()
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
