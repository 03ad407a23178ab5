//! Activities of the chaser: thin, idempotent adapters with injected clients, and the store
//! they share with the command line and the HTTP server.

pub mod aws;
pub mod chase;
pub mod documents;
pub mod fetch;
pub mod guards;
pub mod heartbeat;
pub mod locale;
pub mod mail;
pub mod metrics;
pub mod pacer;
pub mod render;
pub mod store;
pub mod suppression;

pub use chase::{ChaseActivities, Mode, Sender};

// The link tokens live in `chaser-links` (pure, so they are fuzzed without the SDKs); this
// keeps the path `chaser_activities::links` working.
pub use chaser_links as links;
