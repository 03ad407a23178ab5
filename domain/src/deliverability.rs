//! The deliverability guard's decision: are hard bounces or complaints, over the last sends,
//! high enough that sending must stop before the provider stops it?
//!
//! SES puts an account under review at 5 % bounces or 0.1 % complaints and pauses it at 10 % /
//! 0.5 %. The defaults here stop well before review, so one bad import costs a held queue, not
//! a suspended account.

use serde::{Deserialize, Serialize};

/// What the guard watches, and where it stops sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverabilityLimits {
    /// `false` turns the guard off (bounced addresses are still suppressed one by one).
    pub enabled: bool,
    /// The rates are over this many most recent recipients sent to.
    pub window: u32,
    /// Fewer recipients than this in the window say nothing yet: one bounce in three sends is
    /// a typo, not a trend.
    pub min_sends: u32,
    /// Hard bounces per recipient sent to, in percent, at or above which sending stops.
    pub bounce_percent: f64,
    /// Complaints per recipient sent to, in percent, at or above which sending stops.
    pub complaint_percent: f64,
}

impl Default for DeliverabilityLimits {
    fn default() -> Self {
        DeliverabilityLimits {
            enabled: true,
            window: 500,
            min_sends: 50,
            bounce_percent: 2.0,
            complaint_percent: 0.05,
        }
    }
}

/// What happened to the last sends: recipients sent to, and of them how many bounced hard or
/// complained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailRates {
    pub sends: u64,
    pub bounces: u64,
    pub complaints: u64,
}

impl MailRates {
    fn percent(count: u64, of: u64) -> f64 {
        if of == 0 {
            0.0
        } else {
            // Counts far below 2^52: exact as floats.
            count as f64 * 100.0 / of as f64
        }
    }

    pub fn bounce_percent(&self) -> f64 {
        Self::percent(self.bounces, self.sends)
    }

    pub fn complaint_percent(&self) -> f64 {
        Self::percent(self.complaints, self.sends)
    }
}

impl DeliverabilityLimits {
    /// Checked before the worker starts: a limit that can never be reached is a mistake.
    pub fn validate(&self) -> Result<(), String> {
        let percent = |name: &str, value: f64| {
            if value.is_finite() && value > 0.0 && value <= 100.0 {
                Ok(())
            } else {
                Err(format!(
                    "deliverability.{name} must be a percentage above 0 and at most 100, not {value}"
                ))
            }
        };
        percent("bounce_percent", self.bounce_percent)?;
        percent("complaint_percent", self.complaint_percent)?;
        if self.window == 0 || self.min_sends > self.window {
            return Err(format!(
                "deliverability.window ({}) must be at least 1 and at least min_sends ({})",
                self.window, self.min_sends
            ));
        }
        Ok(())
    }

    /// Why sending must stop, or `None`. The reason is what the owner reads.
    pub fn verdict(&self, rates: &MailRates) -> Option<String> {
        if !self.enabled || rates.sends < u64::from(self.min_sends) {
            return None;
        }
        let over = |what: &str, count: u64, percent: f64, limit: f64| {
            (percent >= limit).then(|| {
                format!(
                    "{count} {what} in the last {} recipients sent to ({percent:.2} %, the limit is {limit} %)",
                    rates.sends
                )
            })
        };
        over(
            "complaints",
            rates.complaints,
            rates.complaint_percent(),
            self.complaint_percent,
        )
        .or_else(|| {
            over(
                "hard bounces",
                rates.bounces,
                rates.bounce_percent(),
                self.bounce_percent,
            )
        })
        .map(|why| format!("deliverability: {why}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(sends: u64, bounces: u64, complaints: u64) -> MailRates {
        MailRates {
            sends,
            bounces,
            complaints,
        }
    }

    #[test]
    fn bounces_or_complaints_at_the_limit_stop_sending_and_say_why() {
        let limits = DeliverabilityLimits::default();
        assert_eq!(limits.verdict(&rates(500, 9, 0)), None);
        assert_eq!(
            limits.verdict(&rates(500, 10, 0)).as_deref(),
            Some(
                "deliverability: 10 hard bounces in the last 500 recipients sent to (2.00 %, the limit is 2 %)"
            )
        );
        let complaint = limits.verdict(&rates(500, 0, 1)).unwrap();
        assert!(complaint.contains("1 complaints"), "{complaint}");
    }

    #[test]
    fn too_few_sends_say_nothing_and_a_disabled_guard_never_stops() {
        let limits = DeliverabilityLimits::default();
        assert_eq!(limits.verdict(&rates(49, 49, 49)), None);
        let off = DeliverabilityLimits {
            enabled: false,
            ..DeliverabilityLimits::default()
        };
        assert_eq!(off.verdict(&rates(500, 500, 500)), None);
    }

    #[test]
    fn limits_that_cannot_work_are_refused() {
        let mut limits = DeliverabilityLimits::default();
        assert!(limits.validate().is_ok());
        limits.bounce_percent = 0.0;
        assert!(limits.validate().unwrap_err().contains("bounce_percent"));
        limits = DeliverabilityLimits {
            min_sends: 600,
            ..DeliverabilityLimits::default()
        };
        assert!(limits.validate().unwrap_err().contains("min_sends"));
    }
}
