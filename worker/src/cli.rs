//! The command line: every verb, its arguments and its help, as `chaser --help` shows them.

use std::path::PathBuf;

use chaser_app::invoices::StateFilter;
use chaser_intake::{DateFormat, PresetName};
use clap::{Args, Parser, Subcommand};

use crate::logs::LogFormat;

#[derive(Parser)]
#[command(
    name = "chaser",
    version,
    about = "Chases unpaid invoices, one durable Temporal workflow per invoice"
)]
pub(crate) struct Cli {
    /// Config file (default: ./chaser.toml if present). `CHASER_*` variables override it.
    #[arg(long, global = true, env = "CHASER_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// How `worker` and `serve` write their logs (to stderr): `text`, coloured only on a
    /// terminal, or `json`, one object a line, for a log collector. `RUST_LOG` filters them.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Hold a step's message (default: the next one) until a later time (default: the same
    /// time tomorrow), within 7 days; it then goes out through the same guardrails, when the
    /// send window is open.
    Hold {
        invoice: String,
        /// The step's id, as `status` shows it (default: the next touch).
        step: Option<String>,
        /// A day (YYYY-MM-DD, from its start on the company's clock) or an instant (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        #[command(flatten)]
        by: By,
    },
    /// Accept a failed send, or one that may have gone out: it is not sent again, and the
    /// chase goes on with its next step.
    Dismiss {
        invoice: String,
        /// The step's id, as `status` shows it.
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
pub(crate) enum SendingCommand {
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

pub(crate) fn parse_preset(text: &str) -> Result<PresetName, String> {
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
pub(crate) enum Outcome {
    Resume,
    Writeoff,
}

#[derive(Args)]
pub(crate) struct By {
    /// Who is acting, for the audit log (default: cli:$USER).
    #[arg(long)]
    pub(crate) by: Option<String>,
}

impl By {
    pub(crate) fn actor(&self) -> String {
        self.by.clone().unwrap_or_else(|| {
            format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            )
        })
    }
}

#[derive(Subcommand)]
pub(crate) enum ReviewCommand {
    /// Close an item once it is dealt with.
    Resolve {
        id: i64,
        /// What was done, for the record.
        #[arg(long)]
        note: String,
        #[command(flatten)]
        by: By,
    },
    /// Apply an unmatched or ambiguous payment to this invoice (in the payment's currency),
    /// once, and close the item.
    Apply {
        id: i64,
        invoice: String,
        #[command(flatten)]
        by: By,
    },
    /// Settle an invoice gone from its export: paid, void, renumbered (the old number is
    /// voided; the new one comes with the export) or keep chasing; then close the item.
    Vanished {
        id: i64,
        #[arg(long = "as", value_enum)]
        resolution: Vanished,
        /// The invoice's new number, for `--as renumbered`.
        #[arg(long, required_if_eq("resolution", "renumbered"))]
        new_number: Option<String>,
        #[command(flatten)]
        by: By,
    },
}

/// What became of an invoice gone from its export.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Vanished {
    Paid,
    Void,
    Renumbered,
    Keep,
}

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
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
pub(crate) enum ProposalCommand {
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
pub(crate) enum RulesCommand {
    /// Validate a rules doc and summarise it.
    Check { file: PathBuf },
    /// Re-plan every running chase under the configured rules doc's calendar (holidays, quiet
    /// hours, business days, the send hour). A changed cadence reaches only new chases.
    Apply {
        /// List each running chase's next touch and whether the new calendar closes it;
        /// change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        by: By,
    },
}
