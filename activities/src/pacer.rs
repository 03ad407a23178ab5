//! Spaces the calls to the e-mail provider at its rate. The sending task queue's limit
//! (`max_task_queue_activities_per_second`) is a token bucket on the server: it lets bursts
//! through, and a provider that counts sends per second then throttles the burst. The pacer
//! gives each send of this worker its own slot, `1 / rate` after the one before, so a burst
//! of due reminders leaves at the provider's rate and never above it.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `rate` sends a second; `None` for a rate that paces nothing (zero, negative,
    /// not a number).
    pub fn new(rate: f64) -> Option<Pacer> {
        (rate.is_finite() && rate > 0.0).then(|| Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(None),
        })
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
        assert!(gaps.iter().all(|g| *g == Duration::from_millis(250)), "{gaps:?}");
        // After a quiet spell the next send goes at once, not in a slot left in the past.
        let later = start + Duration::from_secs(60);
        assert_eq!(pacer.reserve(later).await, later);
    }

    #[test]
    fn a_rate_that_paces_nothing_makes_no_pacer() {
        assert!(Pacer::new(0.0).is_none());
        assert!(Pacer::new(-1.0).is_none());
        assert!(Pacer::new(f64::NAN).is_none());
    }
}
