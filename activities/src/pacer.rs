//! Spaces the calls to the e-mail provider at its rate. The sending task queue's limit
//! (`max_task_queue_activities_per_second`) is a token bucket on the server: it lets bursts
//! through, and a provider that counts sends per second then throttles the burst. The pacer
//! gives each send of this worker its own slot, `1 / rate` after the one before, so a burst
//! of due reminders leaves at the provider's rate and never above it. Right before the call,
//! the provider's own rule is checked too (no more than its rate in any second), so the few
//! milliseconds the last checks take cannot squeeze two sends into the same second.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// The share of the provider's rate the pacer uses: the checks between a send's slot and its
/// provider call take a few milliseconds, more for one send than another, and without this
/// margin two sends a slot apart could land a second's worth of sends within one second.
pub const HEADROOM: f64 = 0.99;

#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
    /// The provider's own rule, checked right before each call: at most `per_second` calls in
    /// any second. The slots keep its waits to the few milliseconds the checks took.
    per_second: usize,
    calls: Mutex<VecDeque<Instant>>,
}

impl Pacer {
    /// A pacer for a provider that takes `rate` sends a second; `None` for a rate that paces
    /// nothing (zero, negative, not a number).
    pub fn new(rate: f64) -> Option<Pacer> {
        (rate.is_finite() && rate > 0.0).then(|| Pacer {
            interval: Duration::from_secs_f64(1.0 / (rate * HEADROOM)),
            next: Mutex::new(None),
            // Truncated: a provider that takes 14.5 a second takes 14 in every second.
            per_second: rate as usize,
            calls: Mutex::new(VecDeque::new()),
        })
    }

    /// When a call at `now` may go: `now`, or a second after the oldest of the last
    /// `per_second` calls. A call that may go now is counted.
    pub async fn admit(&self, now: Instant) -> Option<Instant> {
        let mut calls = self.calls.lock().await;
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            calls.pop_front();
        }
        if self.per_second > 0 && calls.len() >= self.per_second {
            return calls.front().map(|t| *t + Duration::from_secs(1));
        }
        calls.push_back(now);
        None
    }

    /// Waits until the provider's rule lets this call go (right before the call).
    pub async fn call(&self) {
        while let Some(at) = self.admit(Instant::now()).await {
            tokio::time::sleep_until(at).await;
        }
    }

    /// Takes the next slot at or after `now`, and returns when it is.
    pub async fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().await;
        let at = next.map_or(now, |n| n.max(now));
        *next = Some(at + self.interval);
        at
    }

    /// Waits for this send's slot.
    pub async fn wait(&self) {
        let at = self.reserve(Instant::now()).await;
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_spaced_by_the_rate_and_never_in_the_past() {
        let pacer = Pacer::new(4.0).unwrap();
        let start = Instant::now();
        let mut slots = vec![];
        for _ in 0..5 {
            slots.push(pacer.reserve(start).await);
        }
        let gaps: Vec<Duration> = slots.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(slots[0], start, "an idle pacer sends at once");
        // A quarter of a second for 4 a second, and a little more: the headroom.
        assert!(
            gaps.iter()
                .all(|g| *g > Duration::from_millis(250) && *g < Duration::from_millis(255)),
            "{gaps:?}"
        );
        // After a quiet spell the next send goes at once, not in a slot left in the past.
        let later = start + Duration::from_secs(60);
        assert_eq!(pacer.reserve(later).await, later);
    }

    #[tokio::test]
    async fn no_second_holds_more_calls_than_the_rate() {
        let pacer = Pacer::new(3.0).unwrap();
        let start = Instant::now();
        let ms = |n: u64| start + Duration::from_millis(n);
        for at in [0, 10, 20] {
            assert_eq!(pacer.admit(ms(at)).await, None);
        }
        // A fourth within the second waits until the first is a second old.
        assert_eq!(pacer.admit(ms(500)).await, Some(ms(1000)));
        assert_eq!(pacer.admit(ms(1000)).await, None);
        assert_eq!(pacer.admit(ms(1005)).await, Some(ms(1010)));
    }

    #[test]
    fn a_rate_that_paces_nothing_makes_no_pacer() {
        assert!(Pacer::new(0.0).is_none());
        assert!(Pacer::new(-1.0).is_none());
        assert!(Pacer::new(f64::NAN).is_none());
    }
}
