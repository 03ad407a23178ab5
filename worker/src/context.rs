//! What most commands need (config, rules, the store, a Temporal client), loaded once.

use anyhow::Context as _;
use chaser_activities::store::Store;
use chaser_domain::Rules;
use temporalio_client::{Client, ClientOptions, Connection};

use crate::config::Config;

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
    pub(crate) async fn load(config_path: Option<&std::path::Path>) -> anyhow::Result<Context> {
        Self::load_with(config_path, true).await
    }

    /// For commands that read the store and nothing else (a dry run, `invoices`): Temporal is
    /// never asked, so nothing on their path can reach a chase, and they answer at once
    /// whether or not it is up.
    pub(crate) async fn store_only(
        config_path: Option<&std::path::Path>,
    ) -> anyhow::Result<Context> {
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
