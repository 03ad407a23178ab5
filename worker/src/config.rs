//! `chaser.toml`, overridden by `CHASER_*` environment variables (`CHASER_HTTP__LISTEN` sets
//! `http.listen`) and `DATABASE_URL`. The Temporal connection comes from the SDK's own
//! settings: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, and the rest of its env config.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chaser_activities::Mode;
use chaser_activities::mail::SmtpSecurity;
use chaser_domain::{Offset, Rules};
use chaser_intake::{CustomMapping, DateFormat, PresetName};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `live` sends; `dry_run` renders and records every message but sends nothing; `approve`
    /// holds every customer message for a human's one-tap approval.
    pub mode: Mode,
    /// The rules doc; the built-in defaults (the seed's net-30 cadence) when unset.
    pub rules: Option<PathBuf>,
    /// `sqlite://PATH` (the default) or `postgres://...`.
    pub database_url: String,
    /// A folder of templates that override or add to the built-in ones.
    pub templates_dir: Option<PathBuf>,
    pub temporal: TemporalConfig,
    pub http: HttpConfig,
    pub links: LinksConfig,
    pub email: EmailConfig,
    pub smtp: SmtpConfig,
    pub aws: AwsConfig,
    pub intake: IntakeConfig,
    /// Exports synced on a schedule.
    pub sync: Vec<SyncSource>,
    /// Forwarded invoice documents.
    pub documents: DocumentsConfig,
    /// The owners' daily review e-mail.
    pub review: ReviewConfig,
    /// The reconciler, which repairs drift between the store and Temporal.
    pub reconcile: ReconcileConfig,
    /// Payload encryption: every payload the chaser gives Temporal is sealed.
    pub codec: CodecConfig,
    /// Who may hand in forwarded invoices through `POST /inbound`, and how many.
    pub inbound: InboundConfig,
    /// Hard bounces and complaints (SES events) at which sending holds itself.
    pub deliverability: chaser_domain::DeliverabilityLimits,
    /// The Prometheus endpoint.
    pub metrics: MetricsConfig,
}

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

fn ten_minutes() -> Offset {
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

fn ten_seconds() -> Offset {
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

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Live,
            rules: None,
            database_url: "sqlite://chaser.db".to_owned(),
            templates_dir: None,
            temporal: TemporalConfig {
                task_queue: chaser_workflows::names::TASK_QUEUE.to_owned(),
                max_cached_workflows: 1000,
                index_customer_name: true,
                build_id: None,
            },
            http: HttpConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                accounting_secret: None,
                bank_secret: None,
                inbound_secret: None,
                ses_events_token: None,
                stripe_webhook_secret: None,
                api_token: None,
                header_timeout: ten_seconds(),
            },
            links: LinksConfig {
                secret: None,
                base_url: None,
                pay_link_ttl: Offset::Days(90),
                action_link_ttl: Offset::Days(14),
                approval_ttl: Offset::Days(4),
                bank_details: None,
                allow_http: false,
                pay_click_interval: ten_minutes(),
            },
            smtp: SmtpConfig {
                host: "127.0.0.1".to_owned(),
                port: 25,
                security: SmtpSecurity::StartTls,
                username: None,
                password: None,
            },
            email: EmailConfig {
                transport: Transport::Ses,
                from: "billing@example.com".to_owned(),
                reply_to: None,
                company_name: "Our company".to_owned(),
                signature: None,
                banned_words: chaser_activities::render::DEFAULT_BANNED_WORDS
                    .iter()
                    .map(|w| (*w).to_owned())
                    .collect(),
                default_owner: None,
                default_currency: None,
                // A new SES production account's rate; the sandbox allows 1.
                max_send_rate: 14.0,
            },
            aws: AwsConfig {
                region: Some("us-east-1".to_owned()),
                ses_endpoint_url: None,
                s3_endpoint_url: None,
                textract_endpoint_url: None,
                bedrock_endpoint_url: None,
            },
            intake: IntakeConfig::default(),
            sync: vec![],
            documents: DocumentsConfig::default(),
            review: ReviewConfig::default(),
            reconcile: ReconcileConfig::default(),
            codec: CodecConfig::default(),
            inbound: InboundConfig::default(),
            deliverability: chaser_domain::DeliverabilityLimits::default(),
            metrics: MetricsConfig::default(),
        }
    }
}

impl Config {
    /// Loads `path` if given (it must exist), else `chaser.toml` if present, then the env.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(path) => {
                anyhow::ensure!(
                    path.exists(),
                    "config file {} does not exist",
                    path.display()
                );
                figment = figment.merge(Toml::file_exact(path));
            }
            // `file_exact` fails on a missing file; the default file is optional.
            None if Path::new("chaser.toml").exists() => {
                figment = figment.merge(Toml::file_exact("chaser.toml"));
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed("CHASER_").split("__").ignore(&["config"]));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        let config: Config = figment
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        let rate = config.email.max_send_rate;
        anyhow::ensure!(
            rate.is_finite() && rate > 0.0,
            "configuration: email.max_send_rate must be a positive number of messages per second, not {rate}"
        );
        Ok(config)
    }

    /// `email.default_currency`, parsed.
    pub fn default_currency(&self) -> anyhow::Result<Option<chaser_domain::Currency>> {
        self.email
            .default_currency
            .as_deref()
            .map(chaser_domain::Currency::parse)
            .transpose()
            .context("email.default_currency")
    }

    /// `email.default_owner`, parsed.
    pub fn default_owner(&self) -> anyhow::Result<Option<chaser_domain::Email>> {
        self.email
            .default_owner
            .as_deref()
            .map(chaser_domain::Email::parse)
            .transpose()
            .context("email.default_owner")
    }

    /// The company as every message signs it.
    pub fn company(&self) -> chaser_activities::render::Company {
        chaser_activities::render::Company {
            name: self.email.company_name.clone(),
            reply_to: self.email.reply_to.clone(),
            signature: self.email.signature.clone(),
        }
    }

    /// The intake options from the config, with the command line's or a sync's choices on top.
    pub fn intake_options(
        &self,
        preset: Option<PresetName>,
        date_format: Option<DateFormat>,
    ) -> anyhow::Result<chaser_intake::Options> {
        Ok(chaser_intake::Options {
            preset,
            date_format: date_format.or(self.intake.date_format),
            default_currency: self.default_currency()?,
            default_owner: self.default_owner()?,
            custom: self.intake.custom.clone(),
        })
    }

    /// Every secret that is set, by its key.
    pub fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        let http = &self.http;
        [
            ("http.accounting_secret", &http.accounting_secret),
            ("http.bank_secret", &http.bank_secret),
            ("http.inbound_secret", &http.inbound_secret),
            ("http.ses_events_token", &http.ses_events_token),
            ("http.stripe_webhook_secret", &http.stripe_webhook_secret),
            ("http.api_token", &http.api_token),
            ("links.secret", &self.links.secret),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| (key, v)))
        .collect()
    }

    /// What the worker refuses to start without: a strong, separate secret for each lane
    /// that is on, `links.secret`, and a codec key.
    pub fn check_secrets(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.links.secret.is_some(),
            "links.secret is required: it signs pay links, one-tap actions and approvals"
        );
        crate::secrets::check_all(self.secrets())?;
        self.codec()?;
        Ok(())
    }

    /// The payload codec, from `codec.key` and `codec.previous_keys`.
    pub fn codec(&self) -> anyhow::Result<chaser_codec::Codec> {
        let key = self.codec.key.as_ref().context(
            "codec.key is required: every payload given to Temporal is encrypted with it (`ID:` then 32 random bytes in base64, e.g. `k1:$(openssl rand -base64 32)`)",
        )?;
        let keys = chaser_codec::Keyring::new(
            "codec.key",
            key,
            "codec.previous_keys",
            &self.codec.previous_keys,
        )?;
        Ok(chaser_codec::Codec::new(keys))
    }

    /// `database_url` as it may be shown: a password in it is replaced by `***`.
    pub fn database_url_shown(&self) -> String {
        let url = &self.database_url;
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.clone();
        };
        let Some((userinfo, host)) = rest.rsplit_once('@') else {
            return url.clone();
        };
        match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.clone(),
        }
    }

    /// Where links in e-mails point.
    pub fn base_url(&self) -> String {
        self.links
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.http.listen))
    }

    /// The rules doc, validated; the built-in defaults when none is configured.
    pub fn rules(&self) -> anyhow::Result<Rules> {
        let Some(path) = &self.rules else {
            return Ok(Rules::default());
        };
        let source = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read rules doc {}", path.display()))?;
        Rules::from_toml(&source, &path.display().to_string())
            .map_err(|errors| anyhow::anyhow!("{errors}"))
    }
}

#[cfg(test)]
// `figment::Jail` closures return figment's own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_overridden_by_chaser_variables_and_database_url() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "chaser.toml",
                "mode = \"dry_run\"\ndatabase_url = \"sqlite://file.db\"\n[http]\nlisten = \"127.0.0.1:9000\"\n[email]\nfrom = \"a@b.example\"\n",
            )?;
            jail.set_env("CHASER_HTTP__LISTEN", "0.0.0.0:8080");
            jail.set_env("CHASER_EMAIL__COMPANY_NAME", "Acme Ltd");
            jail.set_env("DATABASE_URL", "postgres://chaser@db/chaser");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.mode, Mode::DryRun);
            assert_eq!(config.http.listen.to_string(), "0.0.0.0:8080");
            assert_eq!(config.email.from, "a@b.example");
            assert_eq!(config.email.company_name, "Acme Ltd");
            assert_eq!(config.database_url, "postgres://chaser@db/chaser");
            jail.set_env("DATABASE_URL", "postgres://chaser:hunter2@db/chaser");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                config.database_url_shown(),
                "postgres://chaser:***@db/chaser"
            );
            assert_eq!(config.temporal.task_queue, "chaser");
            Ok(())
        });
    }

    #[test]
    fn the_documented_example_config_loads() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/chaser.toml"
        ));
        let config = Config::load(Some(path))
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.documents.reader, ReaderChoice::Local);
        assert_eq!(config.documents.approval_ttl, Offset::Days(7));
        // A first real run sends nothing the owner has not approved.
        assert_eq!(config.mode, Mode::Approve);
        assert!(config.sync.is_empty());
    }

    #[test]
    fn the_example_starts_only_with_secrets_from_the_environment_and_never_prints_them() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/chaser.toml"
        ));
        figment::Jail::expect_with(|jail| {
            let bare = Config::load(Some(path)).map_err(|e| e.to_string())?;
            let refused = bare.check_secrets().map_err(|e| e.to_string());
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.starts_with("links.secret is required")),
                "{refused:?}"
            );
            let links = "5b2d8f4a6c0e9b1d7a3f5c2e3f9a1c7e";
            let api = "9b1d7a3f5c2e3f9a1c7e5b2d8f4a6c0e";
            let key_bytes: Vec<u8> = (0..32u8).map(|n| n.wrapping_mul(13)).collect();
            use base64::Engine;
            let key = base64::engine::general_purpose::STANDARD.encode(key_bytes);
            jail.set_env("CHASER_LINKS__SECRET", links);
            jail.set_env("CHASER_HTTP__API_TOKEN", api);
            jail.set_env("CHASER_CODEC__KEY", format!("k1:{key}"));
            let config = Config::load(Some(path)).map_err(|e| e.to_string())?;
            config.check_secrets().map_err(|e| e.to_string())?;
            let debug = format!("{config:?}");
            for secret in [links, api, key.as_str()] {
                assert!(!debug.contains(secret), "{debug}");
            }
            // The same value for two lanes is refused.
            jail.set_env("CHASER_HTTP__BANK_SECRET", api);
            let shared = Config::load(Some(path)).map_err(|e| e.to_string())?;
            let refused = shared.check_secrets().map_err(|e| e.to_string());
            assert_eq!(
                refused,
                Err("http.api_token is the same as http.bank_secret: each lane needs its own secret, so one leaked secret opens one lane".to_owned())
            );
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_names_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("chaser.toml", "[http]\nlisten = \"everywhere\"\n")?;
            let error = Config::load(None).unwrap_err().to_string();
            assert!(error.contains("http.listen"), "{error}");
            let missing = Config::load(Some(Path::new("nope.toml")))
                .unwrap_err()
                .to_string();
            assert_eq!(missing, "config file nope.toml does not exist");
            jail.create_file("typo.toml", "moed = \"live\"\n")?;
            let typo = Config::load(Some(Path::new("typo.toml")))
                .unwrap_err()
                .to_string();
            assert!(
                typo.contains("unknown field") && typo.contains("moed"),
                "{typo}"
            );
            Ok(())
        });
    }
}
