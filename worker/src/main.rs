//! `chaser`: the operator's command line.

// Printing results is what a command-line tool is for.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chaser_domain::Rules;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chaser",
    version,
    about = "Chases unpaid invoices, one durable workflow per invoice"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with rules docs.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Validate a rules doc and summarise it.
    Check { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Rules {
            command: RulesCommand::Check { file },
        } => rules_check(&file),
    }
}

fn rules_check(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    match Rules::from_toml(&source, &file.display().to_string()) {
        Ok(rules) => {
            let mut out = String::new();
            let c = &rules.company;
            out.push_str(&format!(
                "{}: ok\ncompany: {} · send {} · quiet {} · min gap {} · catch-up {}\n",
                file.display(),
                c.time_zone,
                c.send_hour,
                c.quiet_hours.map_or("none".to_owned(), |q| q.to_string()),
                c.min_gap,
                c.catch_up.as_str(),
            ));
            let cadences = std::iter::once(&rules.default_cadence).chain(rules.cadences.values());
            for cadence in cadences {
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
