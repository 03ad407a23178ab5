//! `chaser`: the worker and the operator's command line.

// Printing results is what a command-line tool is for.
#![allow(clippy::print_stdout)]

mod cli;
mod commands;
mod config;
mod context;
mod logs;
mod secrets;
mod serve;
mod sync;

use std::process::ExitCode;

// The system allocator kept what the burst of first tasks took (with 10,000 chases asleep,
// RSS stayed at its peak): jemalloc hands freed memory back to the system within seconds.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::Parser;

use crate::cli::{
    By, Cli, Command, Outcome, ProposalCommand, ReportCommand, ReviewCommand, RulesCommand,
    SendingCommand,
};
use crate::config::Config;
use crate::context::Context;
use crate::logs::{LogFormat, init_tracing};

fn main() -> ExitCode {
    // `chaser read-document` (hidden): the isolated PDF reader's child, started by the worker
    // itself for each forwarded PDF. Before the CLI parser and the runtime: it sets its own
    // limits, reads one document on stdin and answers on stdout, nothing else.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == chaser_extract::reader::SUBCOMMAND)
    {
        return chaser_extract::reader::run_child();
    }
    let cli = Cli::parse();
    // Only the long-running commands log; the others answer on stdout and stderr.
    let logs = matches!(cli.command, Command::Worker | Command::Serve);
    if logs {
        init_tracing(cli.log_format);
    }
    let json = logs && cli.log_format == LogFormat::Json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // A collector reading JSON lines gets the reason the worker stopped as one of them.
        Err(e) if json => {
            tracing::error!(error = %format!("{e:#}"), "chaser stopped");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    };
    // The work is done: do not wait on background tasks (the SQLite pool's housekeeping can
    // hold a dropped runtime forever).
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let load = || Context::load(cli.config.as_deref());
    use commands as c;
    match cli.command {
        Command::Rules {
            command: RulesCommand::Check { file },
        } => c::rules_check(&file),
        Command::Rules {
            command: RulesCommand::Apply { dry_run, by },
        } => c::rules_apply(&load().await?, dry_run, &by.actor()).await,
        Command::SearchAttributes => Ok(c::search_attributes()),
        Command::Inbound { file } => {
            c::inbound(&load().await?, &file, &By { by: None }.actor()).await
        }
        Command::Proposals {
            command: None,
            all,
            json,
        } => c::proposals(&load().await?, all, json).await,
        Command::Proposals {
            command: Some(ProposalCommand::Approve { id, by }),
            ..
        } => c::decide_proposal(&load().await?, &id, true, &by.actor()).await,
        Command::Proposals {
            command: Some(ProposalCommand::Reject { id, by }),
            ..
        } => c::decide_proposal(&load().await?, &id, false, &by.actor()).await,
        Command::Payments {
            file,
            date_format,
            by,
        } => c::payments(&load().await?, &file, date_format, &by.actor()).await,
        Command::Audit { target, .. } if target == "verify" => {
            c::audit_verify(&load().await?).await
        }
        Command::Audit { target, json } => c::audit(&load().await?, &target, json).await,
        Command::Report {
            report: ReportCommand::Aging { csv, json, as_of },
        } => c::report_aging(&load().await?, as_of, csv, json).await,
        Command::Report {
            report: ReportCommand::Monthly { month, csv, send },
        } => c::report_monthly(&load().await?, month.as_deref(), csv, send).await,
        Command::Promise {
            invoice,
            pay_by,
            note,
            by,
        } => c::promise(&load().await?, &invoice, pay_by, note, &by.actor()).await,
        Command::Reschedule { invoice, file, by } => {
            c::reschedule(&load().await?, &invoice, &file, &by.actor()).await
        }
        Command::Contacts {
            invoice,
            addresses,
            by,
        } => c::contacts(&load().await?, &invoice, &addresses, &by.actor()).await,
        Command::Reconcile { dry_run, json } => c::reconcile(&load().await?, dry_run, json).await,
        Command::Disable { invoice, by } => {
            c::set_chasing(&load().await?, &invoice, false, &by.actor()).await
        }
        Command::Enable { invoice, by } => {
            c::set_chasing(&load().await?, &invoice, true, &by.actor()).await
        }
        Command::Digest { owner, json } => c::digest(&load().await?, owner.as_deref(), json).await,
        Command::Sync { source } => {
            sync::trigger(&load().await?, &source).await?;
            println!(
                "sync `{source}` started: see `chaser review` and the Temporal UI for its result"
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker => serve::run(load().await?, cli.log_format)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Serve => serve::run_http_only(load().await?, cli.log_format)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Import {
            file,
            date_format,
            suggest_mapping: true,
            ..
        } => c::suggest_mapping(&Config::load(cli.config.as_deref())?, &file, date_format),
        Command::Import {
            file,
            preset,
            date_format,
            source,
            dry_run,
            suggest_mapping: false,
            by,
        } => {
            let args = c::ImportArgs {
                file: &file,
                preset,
                date_format,
                source: source.as_deref(),
                dry_run,
            };
            let app = if dry_run {
                Context::store_only(cli.config.as_deref()).await?
            } else {
                load().await?
            };
            c::import(&app, args, &by.actor()).await
        }
        Command::Invoices { state, json } => {
            c::invoices(
                &Context::store_only(cli.config.as_deref()).await?,
                state,
                json,
            )
            .await
        }
        Command::Status { invoice, json } => c::status(&load().await?, &invoice, json).await,
        Command::Schedule { invoice, json } => c::schedule(&load().await?, &invoice, json).await,
        Command::Paid {
            invoice,
            reference,
            by,
        } => c::paid(&load().await?, &invoice, reference, &by.actor()).await,
        Command::Payment {
            invoice,
            amount,
            reference,
            by,
        } => c::payment(&load().await?, &invoice, &amount, reference, &by.actor()).await,
        Command::Pause {
            invoice,
            days,
            until,
            reason,
            by,
        } => {
            c::pause(
                &load().await?,
                &invoice,
                days,
                until.as_deref(),
                reason,
                &by.actor(),
            )
            .await
        }
        Command::Resume { invoice, by } => c::resume(&load().await?, &invoice, &by.actor()).await,
        Command::Dispute {
            invoice,
            reason,
            by,
        } => c::dispute(&load().await?, &invoice, reason, &by.actor()).await,
        Command::Resolve {
            invoice,
            outcome,
            reason,
            by,
        } => {
            let resolution = match outcome {
                Outcome::Resume => chaser_domain::Resolution::Resume,
                Outcome::Writeoff => chaser_domain::Resolution::Writeoff,
            };
            c::resolve(&load().await?, &invoice, resolution, reason, &by.actor()).await
        }
        Command::Writeoff {
            invoice,
            reason,
            by,
        } => c::writeoff(&load().await?, &invoice, reason, &by.actor()).await,
        Command::Void {
            invoice,
            reason,
            by,
        } => c::void(&load().await?, &invoice, reason, &by.actor()).await,
        Command::Review {
            command: None,
            all,
            json,
        } => c::review(&load().await?, all, json).await,
        Command::Review {
            command: Some(ReviewCommand::Resolve { id, note, by }),
            ..
        } => c::resolve_review(&load().await?, id, &note, &by.actor()).await,
        Command::Review {
            command: Some(ReviewCommand::Apply { id, invoice, by }),
            ..
        } => c::apply_review_payment(&load().await?, id, &invoice, &by.actor()).await,
        Command::Review {
            command:
                Some(ReviewCommand::Vanished {
                    id,
                    resolution,
                    new_number,
                    by,
                }),
            ..
        } => {
            let app = load().await?;
            c::resolve_vanished(&app, id, resolution, new_number.as_deref(), &by.actor()).await
        }
        Command::Outbox {
            invoice,
            show,
            json,
        } => c::outbox(&load().await?, &invoice, show.as_deref(), json).await,
        Command::Resend { invoice, step, by } => {
            c::resend(&load().await?, &invoice, &step, &by.actor()).await
        }
        Command::Hold {
            invoice,
            step,
            until,
            by,
        } => {
            let app = load().await?;
            c::hold(&app, &invoice, step, until.as_deref(), &by.actor()).await
        }
        Command::Dismiss { invoice, step, by } => {
            c::dismiss(&load().await?, &invoice, &step, &by.actor()).await
        }
        Command::Approvals { json } => c::approvals(&load().await?, json).await,
        Command::Approve {
            invoice,
            message,
            by,
        } => {
            c::decide(
                &load().await?,
                &invoice,
                message.as_deref(),
                true,
                &by.actor(),
            )
            .await
        }
        Command::Reject {
            invoice,
            message,
            by,
        } => {
            c::decide(
                &load().await?,
                &invoice,
                message.as_deref(),
                false,
                &by.actor(),
            )
            .await
        }
        Command::Suppress {
            address,
            reason,
            by,
        } => c::suppress(&load().await?, &address, &reason, &by.actor()).await,
        Command::Unsuppress { address } => c::unsuppress(&load().await?, &address).await,
        Command::Suppressions { sync, json } => c::suppressions(&load().await?, sync, json).await,
        Command::Sending { command } => {
            let app = Context::store_only(cli.config.as_deref()).await?;
            match command {
                SendingCommand::Pause { reason, by } => {
                    c::hold_sending(&app, &reason, &by.actor()).await
                }
                SendingCommand::Resume { by } => c::release_sending(&app, &by.actor()).await,
                SendingCommand::Status { json } => c::sending_status(&app, json).await,
            }
        }
    }
}
