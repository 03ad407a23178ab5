//! Activities of the chaser: thin, idempotent adapters with injected clients.
