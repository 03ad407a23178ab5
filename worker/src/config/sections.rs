//! The sections of `chaser.toml` below the top level, each with its defaults, so that
//! `Config` itself reads as the list of sections and how they load.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use chaser_activities::mail::SmtpSecurity;
use chaser_domain::Offset;
use chaser_intake::{CustomMapping, DateFormat, PresetName};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `GET http://<listen>/metrics` serves the Temporal SDK's worker metrics and the chaser's own
/// counters, in Prometheus' text format. Unset: no endpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    pub listen: Option<std::net::SocketAddr>,
}

/// The keys that seal and open payloads, and the Web UI that may call the codec server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodecConfig {
    /// `ID:BASE64` (an id, then 32 random bytes in base64): seals every payload and opens
    /// them. Required for anything that talks to Temporal.
    #[serde(default, skip_serializing)]
    pub key: Option<SecretString>,
    /// Keys rotated out, in the same form: they still open what they sealed.
    #[serde(default, skip_serializing)]
    pub previous_keys: Vec<SecretString>,
    /// Origins of the Temporal Web UI allowed to call `/codec/*` from a browser (CORS), e.g.
    /// `http://127.0.0.1:8233`.
    #[serde(default)]
    pub ui_origins: Vec<String>,
}

/// `POST /inbound`: forwarded mail is read only from these senders, in these amounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundConfig {
    /// `ap@supplier.example`, or `*@supplier.example` for a whole domain. Empty (the
    /// default): every message is refused.
    #[serde(default)]
    pub allowed_senders: Vec<String>,
    #[serde(default = "five")]
    pub max_documents_per_message: usize,
    #[serde(default = "twenty")]
    pub max_documents_per_sender_per_day: usize,
}

fn five() -> usize {
    5
}

fn twenty() -> usize {
    20
}

impl Default for InboundConfig {
    fn default() -> Self {
        InboundConfig {
            allowed_senders: vec![],
            max_documents_per_message: five(),
            max_documents_per_sender_per_day: twenty(),
        }
    }
}

/// The reconciler runs on a Temporal Schedule every `interval`, and touches only what has
/// been quiet for `grace` (a command or a start still on its way is never repaired twice).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileConfig {
    #[serde(default = "five_minutes")]
    pub interval: Offset,
    #[serde(default = "thirty_seconds")]
    pub grace: Offset,
}

fn five_minutes() -> Offset {
    Offset::Exact(jiff::SignedDuration::from_mins(5))
}

fn thirty_seconds() -> Offset {
    Offset::Exact(jiff::SignedDuration::from_secs(30))
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            interval: five_minutes(),
            grace: thirty_seconds(),
        }
    }
}

impl ReconcileConfig {
    /// The schedule's interval: at least a second.
    pub fn interval(&self) -> anyhow::Result<std::time::Duration> {
        std::time::Duration::try_from(self.interval.as_duration())
            .ok()
            .filter(|d| *d >= std::time::Duration::from_secs(1))
            .with_context(|| {
                format!(
                    "reconcile.interval: `{}` must be at least 1s",
                    self.interval
                )
            })
    }

    pub fn grace(&self) -> anyhow::Result<std::time::Duration> {
        std::time::Duration::try_from(self.grace.as_duration())
            .ok()
            .with_context(|| format!("reconcile.grace: `{}` must not be negative", self.grace))
    }
}

/// The daily review: e-mailed at `hour` (0-23) in the rules doc's company time zone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    #[serde(default = "eight")]
    pub hour: u8,
    /// `false` stops the e-mail (the schedule is removed); `/review` still works.
    #[serde(default = "yes")]
    pub email: bool,
    /// The monthly summary, e-mailed on the 1st at `hour`; `false` removes its schedule.
    #[serde(default = "yes")]
    pub monthly_summary: bool,
    /// Who writes the summary's paragraph: `deterministic` (from the numbers) or `bedrock`
    /// (documents.bedrock_model_id, given only the aggregates).
    #[serde(default)]
    pub narrative: NarrativeChoice,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NarrativeChoice {
    #[default]
    Deterministic,
    Bedrock,
}

fn eight() -> u8 {
    8
}

fn yes() -> bool {
    true
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            hour: eight(),
            email: true,
            monthly_summary: true,
            narrative: NarrativeChoice::Deterministic,
        }
    }
}

/// How forwarded invoice PDFs are read. The defaults work offline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsConfig {
    /// `local` (the embedded PDF reader, offline) or `textract` (Amazon Textract, which also
    /// reads scans).
    #[serde(default)]
    pub reader: ReaderChoice,
    /// `rules` (deterministic extraction) or `bedrock` (a model through the Converse API).
    #[serde(default)]
    pub proposer: ProposerChoice,
    /// The Bedrock model (or inference profile) id.
    #[serde(default = "haiku")]
    pub bedrock_model_id: String,
    /// How long the owner's approval link works.
    #[serde(default = "seven_days")]
    pub approval_ttl: Offset,
    /// The issuers' reading templates, one TOML file each, learned when the owner corrects
    /// and approves a proposal (not the e-mail templates of the top-level `templates_dir`).
    #[serde(default = "reading_templates")]
    pub templates_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReaderChoice {
    #[default]
    Local,
    Textract,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposerChoice {
    #[default]
    Rules,
    Bedrock,
}

fn haiku() -> String {
    "anthropic.claude-3-5-haiku-20241022-v1:0".to_owned()
}

fn seven_days() -> Offset {
    Offset::Days(7)
}

fn reading_templates() -> PathBuf {
    PathBuf::from("reading-templates")
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        DocumentsConfig {
            reader: ReaderChoice::Local,
            proposer: ProposerChoice::Rules,
            bedrock_model_id: haiku(),
            approval_ttl: seven_days(),
            templates_dir: reading_templates(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeConfig {
    /// How numeric dates in exports are written, for files that cannot tell.
    pub date_format: Option<DateFormat>,
    /// A column mapping for exports no preset knows (`preset = "custom"`).
    pub custom: Option<CustomMapping>,
}

/// An accounting export the worker reads on a schedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSource {
    /// Names the source in the review queue and the audit log: `quickbooks`.
    pub name: String,
    /// A local path, `s3://bucket/key`, or an `https://` URL (a published Google Sheet CSV).
    pub location: String,
    /// Detected from the header when unset.
    #[serde(default)]
    pub preset: Option<PresetName>,
    #[serde(default)]
    pub date_format: Option<DateFormat>,
    /// How often: `15m`, `1h`.
    #[serde(default = "fifteen_minutes")]
    pub every: Offset,
}

fn fifteen_minutes() -> Offset {
    Offset::Exact(jiff::SignedDuration::from_mins(15))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinksConfig {
    /// Signs pay links, one-tap actions and approval links. Required to run the worker.
    #[serde(default, skip_serializing)]
    pub secret: Option<SecretString>,
    /// Where people reach the HTTP server; defaults to `http://<http.listen>`.
    pub base_url: Option<String>,
    /// How long links stay valid: `90d`, `12h`, `90s`.
    pub pay_link_ttl: Offset,
    pub action_link_ttl: Offset,
    /// How long a message waits for approval before it is dropped.
    pub approval_ttl: Offset,
    /// Shown on the pay page when an invoice has no pay URL (account name, IBAN, ...).
    pub bank_details: Option<String>,
    /// Pay and PDF URLs must be `https:`; `true` accepts `http:` too (a local test server).
    #[serde(default)]
    pub allow_http: bool,
    /// A pay link opened again and again is recorded at most once in this interval.
    #[serde(default = "ten_minutes")]
    pub pay_click_interval: Offset,
}

pub(super) fn ten_minutes() -> Offset {
    Offset::Exact(jiff::SignedDuration::from_mins(10))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Ses,
    Smtp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    #[serde(default, skip_serializing)]
    pub password: Option<SecretString>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemporalConfig {
    /// Only tests change this; the product's queue is `chaser`. Sends go through
    /// `<task_queue>-send`.
    pub task_queue: String,
    /// How many chases the worker keeps in memory between their tasks (Temporal's sticky
    /// cache). A chase not in it is rebuilt from its history when it next wakes.
    pub max_cached_workflows: usize,
    /// Index the customer's name (the `Customer` search attribute, kept in plaintext by
    /// Temporal); `false` leaves it out, so the name exists only encrypted.
    #[serde(default = "yes")]
    pub index_customer_name: bool,
    /// The build id the workers announce to Temporal (pollers, and the workflow tasks they
    /// complete). Unset: `chaser-<version>-<checksum of the binary>`, so every build differs.
    #[serde(default)]
    pub build_id: Option<String>,
}

impl TemporalConfig {
    pub fn build_id(&self) -> String {
        self.build_id.clone().unwrap_or_else(|| {
            format!(
                "chaser-{}-{}",
                env!("CARGO_PKG_VERSION"),
                temporalio_common::worker::build_id_from_current_exe()
            )
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Signs `POST /webhooks/accounting` (`X-Chaser-Signature`); refused without one.
    #[serde(default, skip_serializing)]
    pub accounting_secret: Option<SecretString>,
    /// Signs `POST /webhooks/bank`, the same way; refused without one.
    #[serde(default, skip_serializing)]
    pub bank_secret: Option<SecretString>,
    /// Signs `POST /inbound`, the same way; refused without one.
    #[serde(default, skip_serializing)]
    pub inbound_secret: Option<SecretString>,
    /// The `?token=` that SES bounce and complaint notifications must carry (set it in the
    /// SNS subscription URL); they are refused without one.
    #[serde(default, skip_serializing)]
    pub ses_events_token: Option<SecretString>,
    /// Stripe's endpoint signing secret (`whsec_...`) for `POST /webhooks/stripe`.
    #[serde(default, skip_serializing)]
    pub stripe_webhook_secret: Option<SecretString>,
    /// The owner's token: the API (`/api/...`), signing in to `/review`, the codec server.
    /// All three are refused without one.
    #[serde(default, skip_serializing)]
    pub api_token: Option<SecretString>,
    /// A request whose headers have not all arrived by then is dropped.
    #[serde(default = "ten_seconds")]
    pub header_timeout: Offset,
}

pub(super) fn ten_seconds() -> Offset {
    Offset::Exact(jiff::SignedDuration::from_secs(10))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `ses` (Amazon SES v2, or an emulator at aws.ses_endpoint_url) or `smtp`.
    pub transport: Transport,
    pub from: String,
    pub reply_to: Option<String>,
    pub company_name: String,
    pub signature: Option<String>,
    /// Words that must never go out; the worker refuses to start if a template has one.
    pub banned_words: Vec<String>,
    /// The account owner for rows that do not name one.
    pub default_owner: Option<String>,
    /// The currency for rows that do not name one.
    pub default_currency: Option<String>,
    /// Messages per second the mail provider accepts (SES: the account's maximum send rate,
    /// on its account dashboard). The sending task queue never goes faster.
    pub max_send_rate: f64,
    /// How many workers share the provider account: each paces its own sends at its share of
    /// `max_send_rate`, while the sending queue's limit stays the account's whole rate (the
    /// server applies it to the queue, not per worker).
    pub sending_workers: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    pub region: Option<String>,
    /// Sends through a local SES emulator instead of AWS, e.g. `http://127.0.0.1:8005`.
    pub ses_endpoint_url: Option<String>,
    /// Reads `s3://` sync sources from an S3-compatible server instead of AWS (MinIO,
    /// LocalStack), addressing objects path-style.
    #[serde(default)]
    pub s3_endpoint_url: Option<String>,
    /// Local stand-ins for Textract and Bedrock (tests, development).
    #[serde(default)]
    pub textract_endpoint_url: Option<String>,
    #[serde(default)]
    pub bedrock_endpoint_url: Option<String>,
}
