//! Real time, for the tests' side of a chase: invoices issued now, deadlines, polling. The
//! crate's determinism lint forbids clocks and sleeps because a workflow replays; this harness
//! runs outside any workflow, so it reads the clock here, and only here.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

// The harness is not workflow code: it lives in real time.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Timestamp {
    Timestamp::now()
}

pub fn in_secs(secs: i64) -> Timestamp {
    now() + SignedDuration::from_secs(secs)
}

/// Polls `check` until it gives a value; panics naming `what` after `timeout`.
// Polling with a deadline is the harness's, not a workflow's, waiting.
#[allow(clippy::disallowed_methods)]
pub async fn until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `until`, blocking: for starting the dev server, which every test shares.
#[allow(clippy::disallowed_methods)]
pub fn block_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
