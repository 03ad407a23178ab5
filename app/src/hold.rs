//! Holding a step's message: a hold's defaults (the chase's next step, the same time
//! tomorrow) and its end as the doors write it. The chase decides whether the step may wait.

use chaser_domain::{Command, InvoiceNumber};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::chaser::Chaser;
use crate::error::AppError;

impl Chaser {
    /// A hold with its defaults filled in from the chase's plan (its own answer, or the
    /// store's copy): the next step, and the same time tomorrow.
    pub(crate) async fn hold_command(
        &self,
        number: &InvoiceNumber,
        step: Option<String>,
        until: Option<Timestamp>,
    ) -> Result<Command, AppError> {
        let next = self.status(number).await?.0.next_touch;
        let Some(step_id) = step.or_else(|| next.as_ref().map(|n| n.step_id.clone())) else {
            return Err(AppError::Invalid(format!(
                "step: nothing is planned for {number} to hold"
            )));
        };
        let until = match (until, next) {
            (Some(until), _) => until,
            (None, Some(next)) if next.step_id == step_id => self.same_time_tomorrow(next.at)?,
            (None, _) => {
                let schedule = self.schedule(number).await?;
                let step = schedule.step(&step_id).ok_or_else(|| {
                    AppError::Invalid(format!("step: {number} has no step `{step_id}`"))
                })?;
                self.same_time_tomorrow(step.at)?
            }
        };
        Ok(Command::Hold { step_id, until })
    }

    /// A hold's end as a door writes it: an instant (RFC 3339), or a day (`YYYY-MM-DD`),
    /// from its start on the company's clock (the send window then picks the minute).
    pub fn hold_until(&self, text: &str) -> Result<Timestamp, AppError> {
        let tz = self.rules().company.time_zone.tz().clone();
        text.parse::<Timestamp>()
            .or_else(|_| {
                text.parse::<Date>()
                    .and_then(|d| d.to_zoned(tz))
                    .map(|z| z.timestamp())
            })
            .map_err(|_| {
                AppError::Invalid(format!(
                    "until: `{text}` is not a date (YYYY-MM-DD) or an instant (RFC 3339)"
                ))
            })
    }

    /// A day after `at` (or now, if that has passed) on the company's clock.
    fn same_time_tomorrow(&self, at: Timestamp) -> Result<Timestamp, AppError> {
        at.max(Timestamp::now())
            .to_zoned(self.rules().company.time_zone.tz().clone())
            .checked_add(jiff::Span::new().days(1))
            .map(|z| z.timestamp())
            .map_err(|e| AppError::Invalid(format!("until: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{invoice, offline};
    use crate::{Incoming, Request};

    #[tokio::test]
    async fn a_hold_ends_at_an_instant_or_at_the_start_of_a_day_on_the_companys_clock() {
        let chaser = offline().await;
        assert_eq!(
            chaser.hold_until("2026-12-12").unwrap(),
            "2026-12-12T00:00:00Z".parse::<Timestamp>().unwrap(),
            "the company's clock is UTC by default"
        );
        assert_eq!(
            chaser.hold_until("2026-12-12T15:30:00+01:00").unwrap(),
            "2026-12-12T14:30:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            chaser.hold_until("tomorrow").unwrap_err().to_string(),
            "until: `tomorrow` is not a date (YYYY-MM-DD) or an instant (RFC 3339)"
        );
    }

    #[tokio::test]
    async fn a_hold_of_a_chase_with_nothing_planned_names_no_step_to_guess() {
        let chaser = offline().await;
        let incoming = Incoming {
            invoice: invoice("INV-1", "Acme Ltd", "2026-12-01"),
            paid: false,
            balance_known: true,
        };
        chaser.ingest(incoming, "test").await.unwrap();
        let hold = Request::Hold {
            step: None,
            until: None,
        };
        let number = InvoiceNumber::parse("INV-1").unwrap();
        let err = chaser
            .execute(&number, hold, "owner", None)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "step: nothing is planned for INV-1 to hold"
        );
    }
}
