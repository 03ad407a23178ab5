//! What every handler shares: the server's state and its health. It sits below the router and
//! the handlers, so that handlers never depend on the router that names them.

use std::sync::Arc;

use chaser_activities::links::Links;
use chaser_activities::mail::Mailer;
use chaser_app::Chaser;
use secrecy::SecretString;

pub struct AppState {
    pub chaser: Arc<Chaser>,
    /// Hard bounces and complaints at which sending holds itself.
    pub deliverability: chaser_domain::DeliverabilityLimits,
    /// Tells owners when the deliverability guard holds sending.
    pub owner_mail: OwnerMail,
    /// Signs the accounting webhook; refused without one. Each lane has its own secret.
    pub accounting_secret: Option<SecretString>,
    /// Signs the bank webhook.
    pub bank_secret: Option<SecretString>,
    /// Signs `POST /inbound`.
    pub inbound_secret: Option<SecretString>,
    /// The `token` query parameter SES event notifications (through SNS) must carry.
    pub ses_events_token: Option<SecretString>,
    /// Signs and checks the links in e-mails.
    pub links: Links,
    /// Shown on the pay page of invoices without a pay URL.
    pub bank_details: Option<String>,
    pub company_name: String,
    /// For amounts in forwarded documents that name no currency.
    pub default_currency: Option<chaser_domain::Currency>,
    /// The owner of invoices that arrive without one (Stripe's).
    pub default_owner: Option<chaser_domain::Email>,
    /// The owner's token: the API (`/api/...`), signing in to `/review`, the codec server.
    pub api_token: Option<SecretString>,
    /// The company's time zone (the review's "today").
    pub zone: chaser_domain::Zone,
    /// How long one-tap action and approval links last.
    pub action_link_ttl: jiff::SignedDuration,
    pub approval_ttl: jiff::SignedDuration,
    /// Stripe's endpoint signing secret (`whsec_...`); the Stripe webhook is refused without.
    pub stripe_webhook_secret: Option<SecretString>,
    /// Seals and opens payloads for the codec server.
    pub codec: chaser_codec::Codec,
    /// Origins of the Temporal Web UI that may call the codec server from a browser.
    pub codec_origins: Vec<String>,
    /// Who may hand in documents through `POST /inbound`, and how many.
    pub inbound: crate::inbound_gate::InboundPolicy,
    /// `http:` pay URLs are followed only when this is set; `https:` always.
    pub allow_http_links: bool,
    /// A pay link's clicks are recorded at most once in this interval.
    pub pay_click_interval: jiff::SignedDuration,
    /// The session cookie is `Secure` (the server is reached over https).
    pub secure_cookies: bool,
    /// Whether this process is doing its work, as `/healthz` reports it.
    pub health: Health,
}

/// Whether the process is doing its work. A worker is unhealthy while it cannot reach
/// Temporal (it keeps retrying); `chaser serve` journals commands without Temporal, so it
/// stays healthy and only says whether Temporal answers.
#[derive(Clone, Default)]
pub struct Health(Arc<std::sync::RwLock<Option<String>>>);

impl Health {
    /// Unhealthy from the start, for `why`, until [`Health::healthy`].
    pub fn starting(why: &str) -> Health {
        let health = Health::default();
        health.unhealthy(why);
        health
    }

    pub fn healthy(&self) {
        self.set(None);
    }

    pub fn unhealthy(&self, why: &str) {
        self.set(Some(why.to_owned()));
    }

    /// Why the process is unhealthy, or `None`.
    pub fn problem(&self) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set(&self, problem: Option<String>) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = problem;
    }
}

/// How owners are told that the deliverability guard held sending.
#[derive(Clone)]
pub struct OwnerMail {
    pub mailer: Arc<dyn Mailer>,
    pub from: String,
}
