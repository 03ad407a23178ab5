//! What one run does, drawn from its seed: the invoices and their steps, when each is paid
//! and through which door, and the provider's episodes.

use std::time::{Duration, SystemTime};

use chaser_tests::seconds_rules_tolerating;
use jiff::Timestamp;

use crate::ses_front::Fault;
use crate::stack::cadence;

/// Each chase's steps, seconds after its group's first one; `escalate` writes to the owner.
pub(super) const STEPS: [(&str, u64); 4] = [
    ("nudge", 0),
    ("follow_up", 6),
    ("final_notice", 12),
    ("escalate", 18),
];

/// Longer than the send activity's start-to-close timeout (60 s): the sender gives up first.
pub(super) const HOLD: Duration = Duration::from_secs(70);

/// The thank-you's outbox key.
pub(super) const THANK_YOU: &str = "thank_you";

/// How much of everything one run does.
pub(super) struct Plan {
    pub(super) invoices: usize,
    pub(super) groups: usize,
    /// When the first group's first step falls due, and the gap between groups (seconds
    /// after the import).
    pub(super) first_step: u64,
    pub(super) group_gap: u64,
    /// Faults are injected this long; the worker is killed until this has passed and
    /// `min_kills` were made.
    pub(super) chaos: Duration,
    pub(super) kill_between: (f64, f64),
    pub(super) min_kills: usize,
    pub(super) server_restarts: Vec<u64>,
    pub(super) provider: Vec<(u64, Episode)>,
    pub(super) cut_between: (f64, f64),
    pub(super) settle_within: Duration,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Episode {
    /// The front serves `Fault` for at least this long, and until it served it once.
    Faulty(Fault, Duration),
    /// Nothing listens for this long.
    Down(Duration),
}

impl Plan {
    pub(super) fn short() -> Plan {
        Plan {
            invoices: 10,
            groups: 2,
            first_step: 8,
            group_gap: 30,
            chaos: Duration::from_secs(70),
            kill_between: (2.0, 5.0),
            min_kills: 12,
            server_restarts: vec![40],
            provider: vec![
                (
                    8,
                    Episode::Faulty(Fault::Hold(HOLD), Duration::from_secs(1)),
                ),
                (
                    18,
                    Episode::Faulty(Fault::ServerError, Duration::from_secs(5)),
                ),
                (26, Episode::Faulty(Fault::Throttle, Duration::from_secs(5))),
                (50, Episode::Down(Duration::from_secs(15))),
            ],
            cut_between: (10.0, 20.0),
            settle_within: Duration::from_secs(150),
        }
    }

    pub(super) fn full() -> Plan {
        let minute = Duration::from_secs(60);
        let error = Episode::Faulty(Fault::ServerError, Duration::from_secs(12));
        let throttle = Episode::Faulty(Fault::Throttle, Duration::from_secs(12));
        let hold = Episode::Faulty(Fault::Hold(HOLD), Duration::from_secs(3));
        Plan {
            invoices: 80,
            groups: 10,
            first_step: 20,
            group_gap: 52,
            chaos: Duration::from_secs(600),
            kill_between: (1.0, 4.0),
            min_kills: 200,
            server_restarts: vec![100, 250, 400, 530],
            provider: vec![
                (40, error),
                (70, throttle),
                (110, hold),
                (160, Episode::Down(minute)),
                (240, error),
                (290, throttle),
                (330, hold),
                (380, Episode::Down(minute)),
                (460, error),
                (490, throttle),
                (520, hold),
            ],
            cut_between: (15.0, 35.0),
            settle_within: Duration::from_secs(600),
        }
    }

    pub(super) fn min_restarts(&self) -> usize {
        self.server_restarts.len()
    }
}

/// A small, seeded generator: a run can be repeated with `--seed`.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn between(&mut self, (low, high): (f64, f64)) -> f64 {
        low + (high - low) * self.unit()
    }

    pub(super) fn seconds(&mut self, range: (f64, f64)) -> Duration {
        Duration::from_secs_f64(self.between(range))
    }
}

/// The ways a payment comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Door {
    Cli,
    OwnerApi,
    Webhook,
    RawSignal,
}

impl Door {
    pub(super) const EACH: [Door; 4] = [Door::Cli, Door::OwnerApi, Door::Webhook, Door::RawSignal];

    pub(super) fn name(self) -> &'static str {
        match self {
            Door::Cli => "`chaser paid`",
            Door::OwnerApi => "owner API",
            Door::Webhook => "signed webhook",
            Door::RawSignal => "raw `temporal workflow signal`",
        }
    }
}

pub(super) struct Inv {
    pub(super) number: String,
    pub(super) group: usize,
    pub(super) contact: String,
    pub(super) owner: String,
    /// When, after the import, a payment comes in, and through which door.
    pub(super) paid: Option<(Duration, Door)>,
}

impl Inv {
    pub(super) fn terms(&self) -> String {
        format!("custom:g{}", self.group)
    }

    pub(super) fn row(&self, issued: Timestamp) -> String {
        let day = issued.to_zoned(jiff::tz::TimeZone::UTC).date();
        format!(
            "{n},Customer {n},{contact},1250.00,USD,{day},{day},{terms},https://pay.example/{n},{owner},no,{issued}\n",
            n = self.number,
            contact = self.contact,
            terms = self.terms(),
            owner = self.owner,
        )
    }

    pub(super) fn addressed(&self, to: &[String]) -> bool {
        to.iter().any(|a| *a == self.contact || *a == self.owner)
    }
}

pub(super) fn invoices(plan: &Plan, rng: &mut Rng) -> Vec<Inv> {
    let mut doors = Door::EACH.iter().cycle();
    (0..plan.invoices)
        .map(|i| {
            // Half are paid, each at a random moment of the run.
            let paid = (i % 2 == 0).then(|| {
                let at = rng.seconds((5.0, plan.chaos.as_secs_f64() - 5.0));
                (at, *doors.next().unwrap_or(&Door::Cli))
            });
            Inv {
                number: format!("CH-{i:03}"),
                group: i % plan.groups,
                contact: format!("ap-ch-{i:03}@chaos.example"),
                owner: format!("owner-ch-{i:03}@chaos.example"),
                paid,
            }
        })
        .collect()
}

pub(super) fn rules(plan: &Plan) -> String {
    let mut cadences = String::new();
    for group in 0..plan.groups {
        let base = plan.first_step + group as u64 * plan.group_gap;
        let whens: Vec<(String, &str)> = STEPS
            .iter()
            .map(|(step, after)| (format!("after_issue {}s", base + after), *step))
            .collect();
        let steps: Vec<(&str, &str)> = whens.iter().map(|(w, s)| (w.as_str(), *s)).collect();
        cadences.push_str(&cadence(&format!("custom:g{group}"), &steps));
    }
    // Lateness up to a day is tolerated: every step is owed, however late the faults make it.
    seconds_rules_tolerating("1d", &cadences)
}

/// When a step of `inv` fell due.
pub(super) fn due(plan: &Plan, inv: &Inv, issued: SystemTime, after: u64) -> SystemTime {
    issued + Duration::from_secs(plan.first_step + inv.group as u64 * plan.group_gap + after)
}
