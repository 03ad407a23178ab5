//! `chaser.toml`, overridden by `CHASER_*` environment variables (`CHASER_HTTP__LISTEN` sets
//! `http.listen`) and `DATABASE_URL`. The Temporal connection comes from the SDK's own
//! settings: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, and the rest of its env config.

mod sections;

pub use sections::{
    AwsConfig, CodecConfig, DocumentsConfig, EmailConfig, HttpConfig, InboundConfig, IntakeConfig,
    LinksConfig, MetricsConfig, NarrativeChoice, ProposerChoice, ReaderChoice, ReconcileConfig,
    ReviewConfig, SmtpConfig, SyncSource, TemporalConfig, Transport,
};

use sections::{ten_minutes, ten_seconds};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chaser_activities::Mode;
use chaser_activities::mail::SmtpSecurity;
use chaser_domain::{Offset, Rules};
use chaser_intake::{DateFormat, PresetName};
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

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Live,
            rules: None,
            database_url: "sqlite://chaser.db".to_owned(),
            templates_dir: None,
            temporal: TemporalConfig {
                task_queue: chaser_workflows::names::TASK_QUEUE.to_owned(),
                max_cached_workflows: 200,
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
                sending_workers: 1,
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
        anyhow::ensure!(
            config.email.sending_workers > 0,
            "configuration: email.sending_workers must be at least 1 (the workers sharing the provider account)"
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
