//! `chaser`: the worker and the operator's command line.

// Printing results is what a command-line tool is for.
#![allow(clippy::print_stdout)]

mod commands;
mod config;
mod secrets;
mod serve;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chaser_activities::store::Store;
use chaser_app::invoices::StateFilter;
use chaser_domain::Rules;
use chaser_intake::{DateFormat, PresetName};
use clap::{Args, Parser, Subcommand};
use temporalio_client::{Client, ClientOptions, Connection};

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "chaser",
    version,
    about = "Chases unpaid invoices, one durable Temporal workflow per invoice"
)]
struct Cli {
    /// Config file (default: ./chaser.toml if present). `CHASER_*` variables override it.
    #[arg(long, global = true, env = "CHASER_CONFIG")]
    config: Option<PathBuf>,
    /// How `worker` and `serve` write their logs (to stderr): `text`, coloured only on a
    /// terminal, or `json`, one object a line, for a log collector. `RUST_LOG` filters them.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Temporal worker and the HTTP server (webhooks, health).
    Worker,
    /// Run only the HTTP server (webhooks, the owner API, links, the review page), without a
    /// Temporal worker: its commands wait, journaled, until a worker takes them.
    Serve,
    /// Import an accounting export (CSV or XLSX: QuickBooks, Xero, FreshBooks, Stripe, Zoho,
    /// the chaser's own columns, or a custom mapping): start new chases, update changed ones,
    /// close paid, void and written-off ones.
    Import {
        file: PathBuf,
        /// Read the file as this tool's export instead of detecting it from the header.
        #[arg(long, value_parser = parse_preset)]
        preset: Option<PresetName>,
        /// How numeric dates are written, when the file cannot tell: dd/mm/yyyy, mm/dd/yyyy
        /// or yyyy-mm-dd.
        #[arg(long)]
        date_format: Option<DateFormat>,
        /// The file is the full export of this source: invoices open in its last export and
        /// missing from this one are flagged for review.
        #[arg(long)]
        source: Option<String>,
        /// Show each line of the file with its state after the import (chase, paid, void,
        /// written off, flagged, skipped or rejected, and why), and change nothing. Reads the
        /// store only: works without Temporal.
        #[arg(long)]
        dry_run: bool,
        /// Print an [intake.custom] block for the file, to check and put in the config, and
        /// import nothing (needs neither the store nor Temporal).
        #[arg(long, conflicts_with_all = ["dry_run", "source", "preset"])]
        suggest_mapping: bool,
        #[command(flatten)]
        by: By,
    },
    /// List the invoices the store holds: number, state, balance, due date, customer, the
    /// chase's next touch and the owner's overrides, by due date. Works without Temporal.
    Invoices {
        /// Only this state: open, closed, scheduled, escalated, paused, disputed, failed,
        /// paid, written_off or void.
        #[arg(long)]
        state: Option<StateFilter>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a chase: state, balance, next touch, pauses and every send so far.
    Status {
        invoice: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show every planned step of a chase with its time and state.
    Schedule {
        invoice: String,
        #[arg(long)]
        json: bool,
    },
    /// The invoice is paid in full: stop chasing (and say thank you).
    Paid {
        invoice: String,
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        by: By,
    },
    /// A partial payment: later messages ask for the rest.
    Payment {
        invoice: String,
        /// The amount paid, in the invoice's currency, e.g. 250.00.
        amount: String,
        #[arg(long)]
        reference: Option<String>,
        #[command(flatten)]
        by: By,
    },
    /// Pause a chase (within the rules doc's pause cap).
    Pause {
        invoice: String,
        /// Pause for this many days.
        #[arg(long, conflicts_with = "until", required_unless_present = "until")]
        days: Option<u32>,
        /// Pause until this date (YYYY-MM-DD, midnight UTC) or instant (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        by: By,
    },
    /// Resume a paused chase now.
    Resume {
        invoice: String,
        #[command(flatten)]
        by: By,
    },
    /// The customer disputes the invoice: stop sending until it is resolved.
    Dispute {
        invoice: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        by: By,
    },
    /// Settle a dispute: resume the chase, or write the invoice off.
    Resolve {
        invoice: String,
        #[arg(long, value_enum)]
        outcome: Outcome,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        by: By,
    },
    /// Write the invoice off: the chase ends.
    Writeoff {
        invoice: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        by: By,
    },
    /// Every message of a chase as the outbox holds it: sent, failed, held by a guardrail
    /// (with its reason), or, in dry-run mode, what would have been sent.
    Outbox {
        invoice: String,
        /// Print this message's text in full (a key from the list, e.g. nudge).
        #[arg(long)]
        show: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Send a failed step again, through the same guardrails.
    Resend {
        invoice: String,
        /// The step's id, as `status` shows it (e.g. nudge, follow_up).
        step: String,
        #[command(flatten)]
        by: By,
    },
    /// List the messages waiting for approval.
    Approvals {
        #[arg(long)]
        json: bool,
    },
    /// Approve a waiting message: it goes out at the next opening of the send window.
    Approve {
        invoice: String,
        /// Which of the invoice's waiting messages (needed only when several wait).
        message: Option<String>,
        #[command(flatten)]
        by: By,
    },
    /// Reject a waiting message: it is never sent.
    Reject {
        invoice: String,
        message: Option<String>,
        #[command(flatten)]
        by: By,
    },
    /// Never e-mail this address again (until `unsuppress`).
    Suppress {
        address: String,
        #[arg(long, default_value = "manual")]
        reason: String,
        #[command(flatten)]
        by: By,
    },
    /// Allow e-mail to a suppressed address again.
    Unsuppress { address: String },
    /// List suppressed addresses.
    Suppressions {
        /// First add every address on the SES account's suppression list.
        #[arg(long)]
        sync: bool,
        #[arg(long)]
        json: bool,
    },
    /// The invoice was cancelled: the chase ends, nothing is owed.
    Void {
        invoice: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        by: By,
    },
    /// The review queue: what needs a human (vanished invoices, unmatched payments, ...).
    Review {
        #[command(subcommand)]
        command: Option<ReviewCommand>,
        /// Include resolved items.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Hand in a forwarded invoice (a PDF, or a saved e-mail with PDFs attached): it is read,
    /// and the owner gets a one-tap approval link. Nothing is sent before approval.
    Inbound { file: PathBuf },
    /// Forwarded documents awaiting the owner, and the owner's decision from the command line.
    Proposals {
        #[command(subcommand)]
        command: Option<ProposalCommand>,
        /// Include decided ones.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Match a bank statement (CSV) to open invoices: unique matches are applied as payments,
    /// anything else goes to the review queue. Payments already seen are skipped.
    Payments {
        file: PathBuf,
        /// How numeric dates are written, when the file cannot tell.
        #[arg(long)]
        date_format: Option<DateFormat>,
        #[command(flatten)]
        by: By,
    },
    /// An invoice's audit trail (every message, click, payment and action, in order), or
    /// `audit verify`: check the hash chain of the whole log.
    Audit {
        /// An invoice number, or `verify`.
        target: String,
        #[arg(long)]
        json: bool,
    },
    /// Reports: `aging` (buckets per currency, DSO, collections, top late payers) and
    /// `monthly` (a month's cash-flow summary).
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
    /// Record a promise to pay by DATE: the chase waits until then, and resumes one rung
    /// firmer if the day passes unpaid.
    Promise {
        invoice: String,
        /// YYYY-MM-DD, in the company's time zone.
        pay_by: jiff::civil::Date,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        by: By,
    },
    /// Replace an invoice's remaining cadence with custom steps from FILE (`[[steps]]` tables,
    /// written as in the rules doc).
    Reschedule {
        invoice: String,
        file: PathBuf,
        #[command(flatten)]
        by: By,
    },
    /// Stop sending this invoice's customer reminders (escalations to you continue).
    Disable {
        invoice: String,
        #[command(flatten)]
        by: By,
    },
    /// Chase this invoice's customer again.
    Enable {
        invoice: String,
        #[command(flatten)]
        by: By,
    },
    /// Send this invoice's reminders to these addresses instead of its contacts' roles (no
    /// address: back to the roles). An import, a sync or a webhook never changes this.
    Contacts {
        invoice: String,
        /// The addresses; none to go back to the contacts' roles.
        addresses: Vec<String>,
        #[command(flatten)]
        by: By,
    },
    /// Compare the store with Temporal and repair what drifted (commands the chases never
    /// got, open invoices without a chase, closed ones whose chase still runs), as the
    /// worker's reconcile schedule does every `reconcile.interval`.
    Reconcile {
        /// Show what would be repaired, and change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Today's review: what needs the owner, with one-tap links (the daily e-mail's content).
    Digest {
        /// Only this owner's invoices (and what belongs to no invoice).
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Run a `[[sync]]` source's scheduled sync now (the worker applies it).
    Sync {
        /// The source's name in the config.
        source: String,
    },
    /// Work with rules docs.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print the search attributes the chases set, one `Name=Type` a line (needs no config).
    ///
    /// What `temporal server start-dev --search-attribute` takes, and what to create on a
    /// namespace before its first chase (`temporal operator search-attribute create`).
    SearchAttributes,
    /// The global stop: hold every customer message at once, or let them go again.
    Sending {
        #[command(subcommand)]
        command: SendingCommand,
    },
}

#[derive(Subcommand)]
enum SendingCommand {
    /// Hold every reminder and thank-you (they wait; nothing is dropped). Messages to the
    /// owner still go.
    Pause {
        /// Why, for the audit log, the daily review and `/healthz`.
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        by: By,
    },
    /// Let held messages go: each goes out when its chase next asks, within a tenth of the
    /// hold's length (30 seconds to 10 minutes), through every guardrail.
    Resume {
        #[command(flatten)]
        by: By,
    },
    /// Whether sending is held, since when, by whom and why.
    Status {
        #[arg(long)]
        json: bool,
    },
}

fn parse_preset(text: &str) -> Result<PresetName, String> {
    PresetName::KNOWN
        .into_iter()
        .chain([PresetName::Custom])
        .find(|p| p.as_str() == text.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            let names: Vec<&str> = PresetName::KNOWN.iter().map(|p| p.as_str()).collect();
            format!(
                "`{text}` is not a preset: expected {} or custom",
                names.join(", ")
            )
        })
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Outcome {
    Resume,
    Writeoff,
}

#[derive(Args)]
struct By {
    /// Who is acting, for the audit log (default: cli:$USER).
    #[arg(long)]
    by: Option<String>,
}

impl By {
    fn actor(&self) -> String {
        self.by.clone().unwrap_or_else(|| {
            format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            )
        })
    }
}

#[derive(Subcommand)]
enum ReviewCommand {
    /// Close an item once it is dealt with.
    Resolve {
        id: i64,
        /// What was done, for the record.
        #[arg(long)]
        note: String,
        #[command(flatten)]
        by: By,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    Aging {
        /// Print CSV (formula cells neutralized) instead of the table.
        #[arg(long)]
        csv: bool,
        #[arg(long)]
        json: bool,
        /// The day to age at (default: today, UTC).
        #[arg(long)]
        as_of: Option<jiff::civil::Date>,
    },
    Monthly {
        /// YYYY-MM (default: last month).
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        csv: bool,
        /// E-mail it to the owner now, as the monthly schedule does.
        #[arg(long)]
        send: bool,
    },
}

#[derive(Subcommand)]
enum ProposalCommand {
    /// Approve a document's proposal as read: its chase starts.
    Approve {
        id: String,
        #[command(flatten)]
        by: By,
    },
    /// Reject it: nothing is sent.
    Reject {
        id: String,
        #[command(flatten)]
        by: By,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Validate a rules doc and summarise it.
    Check { file: PathBuf },
}

/// What most commands need: config, rules, the store and a Temporal client.
pub struct Context {
    pub config: Config,
    pub rules: Rules,
    pub store: Store,
    /// The Temporal client, or why there is none: Temporal could not be reached (commands on
    /// chases still work then: they are journaled in the store and delivered later), or the
    /// command reads the store alone and never asked.
    pub temporal: Result<Client, String>,
}

/// How long a command waits to reach Temporal before it works from the store alone.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A client whose every payload is sealed with the configured codec key: no command, start or
/// query of the chaser hands Temporal plaintext.
pub(crate) async fn connect_temporal(config: &Config) -> Result<Client, String> {
    use temporalio_client::envconfig::LoadClientConfigProfileOptions;
    let codec = config.codec().map_err(|e| format!("{e:#}"))?;
    let (mut connection, mut options) =
        ClientOptions::load_from_config(LoadClientConfigProfileOptions::default())
            .map_err(|e| format!("Temporal connection settings: {e}"))?;
    options.data_converter = codec.data_converter();
    let target = connection.target.to_string();
    connection.connect_timeout = Some(CONNECT_TIMEOUT);
    let connection = Connection::connect(connection)
        .await
        .map_err(|e| format!("cannot reach Temporal at {target} (set TEMPORAL_ADDRESS): {e}"))?;
    Client::new(connection, options).map_err(|e| format!("Temporal client: {e}"))
}

impl Context {
    async fn load(config_path: Option<&std::path::Path>) -> anyhow::Result<Context> {
        Self::load_with(config_path, true).await
    }

    /// For commands that read the store and nothing else (a dry run, `invoices`): Temporal is
    /// never asked, so nothing on their path can reach a chase, and they answer at once
    /// whether or not it is up.
    async fn store_only(config_path: Option<&std::path::Path>) -> anyhow::Result<Context> {
        Self::load_with(config_path, false).await
    }

    async fn load_with(
        config_path: Option<&std::path::Path>,
        temporal: bool,
    ) -> anyhow::Result<Context> {
        let config = Config::load(config_path)?;
        let rules = config.rules()?;
        let store = Store::connect(&config.database_url)
            .await
            .with_context(|| format!("cannot open the store at {}", config.database_url_shown()))?;
        let temporal = if temporal {
            connect_temporal(&config).await
        } else {
            Err("not used: this command works from the store alone".to_owned())
        };
        Ok(Context {
            config,
            rules,
            store,
            temporal,
        })
    }

    /// What the deployment allows beyond the rules doc: http links, the customer's name as a
    /// search attribute.
    pub fn policy(&self) -> chaser_app::Policy {
        chaser_app::Policy {
            allow_http_links: self.config.links.allow_http,
            index_customer_name: self.config.temporal.index_customer_name,
        }
    }

    /// The Temporal client, for what cannot work without it.
    pub fn client(&self) -> anyhow::Result<&Client> {
        self.temporal
            .as_ref()
            .map_err(|why| anyhow::anyhow!("{why}"))
    }
}

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

fn init_tracing(format: LogFormat) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,temporalio_sdk_core=warn"));
    // Colour codes only where a person reads them: a file, a pipe or journald would keep them
    // as noise. NO_COLOR (https://no-color.org) turns them off on a terminal too.
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    match format {
        LogFormat::Json => subscriber.json().init(),
        LogFormat::Text => subscriber.compact().init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let load = || Context::load(cli.config.as_deref());
    use commands as c;
    match cli.command {
        Command::Rules {
            command: RulesCommand::Check { file },
        } => c::rules_check(&file),
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
        Command::Outbox {
            invoice,
            show,
            json,
        } => c::outbox(&load().await?, &invoice, show.as_deref(), json).await,
        Command::Resend { invoice, step, by } => {
            c::resend(&load().await?, &invoice, &step, &by.actor()).await
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
