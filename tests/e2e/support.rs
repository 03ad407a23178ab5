//! The seconds-scale rules doc and invoice rows the scenarios share.

use std::time::{Duration, Instant};

pub use chaser_domain::schedule::StepState;
pub use chaser_domain::{ChaseState, Money};
pub use chaser_tests::*;
pub use chaser_workflows::contracts::StatusView;

/// Nudge at 5 s, follow-up at 10 s, escalation to the owner at 15 s after issue; at most one
/// pause of up to two days.
pub fn rules() -> String {
    seconds_rules(
        r#"[company.pause_cap]
max_pauses = 1
max_paused_days = 2

[[cadences.default.steps]]
when = "after_issue 5s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 10s"
move = "follow_up"

[[cadences.default.steps]]
when = "after_issue 15s"
move = "escalate"
"#,
    )
}

/// A nudge 2 s after issue, and nothing else for a minute: for tests whose commands take a
/// while to land (a worker restart, a reconciler run) and must not race the next step.
pub fn slow_rules() -> String {
    seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_issue 2s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 60s"
move = "follow_up"
"#,
    )
}

/// A nudge at 3 s and a follow-up at 6 s after issue.
pub fn two_steps() -> String {
    seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_issue 3s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 6s"
move = "follow_up"
"#,
    )
}

pub const HEADER: &str = "number,customer,contact_email,amount,currency,issue_date,due_date,terms,pay_url,pdf_url,owner_email,paid,issued_at\n";

/// One invoice for `test`, issued now: its billing contact, owner, and the instant of issue.
pub struct Invoice {
    pub number: String,
    pub billing: String,
    pub owner: String,
    pub issued: Instant,
}

impl Invoice {
    pub fn new(test: &str, number: &str) -> Invoice {
        Invoice {
            // Unique per test and per run: tests share one Temporal server.
            number: format!("{number}-{test}-{}", std::process::id()),
            billing: address(test, &format!("ap-{number}")),
            owner: address(test, &format!("owner-{number}")),
            issued: Instant::now(),
        }
    }

    /// The CSV row; the invoice is issued at the moment of this call.
    pub fn row(&mut self, paid: bool) -> String {
        self.issued = Instant::now();
        format!(
            "{},Acme Ltd,{},1200.00,USD,{today},{today},,https://pay.example/{},,{},{},{}\n",
            self.number,
            self.billing,
            self.number,
            self.owner,
            if paid { "yes" } else { "no" },
            in_secs(0),
            today = today(),
        )
    }

    pub fn workflow_id(&self) -> String {
        workflow_id(&self.number)
    }

    /// Sleeps until `secs` after issue.
    pub fn sleep_until(&self, secs: f64) {
        let at = self.issued + Duration::from_secs_f64(secs);
        if let Some(wait) = at.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }

    /// Waits for `count` messages to `address`.
    pub fn wait_mail(&self, address: &str, count: usize) -> Vec<Mail> {
        wait_for(
            &format!("{count} message(s) to {address}"),
            Duration::from_secs(45),
            || {
                let mail = stack().mail_to(address);
                (mail.len() >= count).then_some(mail)
            },
        )
    }
}

/// A chaser with the seconds-scale rules and a running worker.
pub fn chaser(name: &str, backend: Backend) -> Chaser {
    let mut chaser = Chaser::new(name, &rules(), backend);
    chaser.start_worker();
    chaser
}

/// Imports the given rows as one CSV file.
pub fn import(chaser: &Chaser, rows: &[String]) -> String {
    let path = chaser.csv("invoices.csv", &format!("{HEADER}{}", rows.concat()));
    chaser.ok(&["import", &path])
}

/// The step ids of a status's sends whose state is one `state` accepts (`done`, `failed`,
/// `skipped`, `uncertain`).
pub fn sends(status: &StatusView, state: fn(&StepState) -> bool) -> Vec<String> {
    status
        .sends
        .iter()
        .filter(|s| state(&s.state))
        .map(|s| s.step_id.clone())
        .collect()
}

pub fn done(state: &StepState) -> bool {
    *state == StepState::Done
}

pub fn failed(state: &StepState) -> bool {
    matches!(state, StepState::Failed { .. })
}

pub fn skipped(state: &StepState) -> bool {
    matches!(state, StepState::Skipped { .. })
}

pub fn uncertain(state: &StepState) -> bool {
    matches!(state, StepState::Uncertain { .. })
}

/// An amount in its wire form (`"USD 700.00"`).
pub fn money(wire: &str) -> Money {
    wire.parse().unwrap_or_else(|e| panic!("{wire}: {e:?}"))
}

/// The open items of the owner's review queue (`chaser review --json`).
pub fn review_items(chaser: &Chaser) -> Vec<serde_json::Value> {
    let review: serde_json::Value =
        serde_json::from_str(&chaser.ok(&["review", "--json"])).unwrap();
    review.as_array().unwrap().clone()
}

/// The open review item of `kind`, if there is one.
pub fn review_item(chaser: &Chaser, kind: &str) -> Option<serde_json::Value> {
    review_items(chaser).into_iter().find(|i| i["kind"] == kind)
}

/// The URL of the one-tap action `label` for `invoice`, from any section of today's review.
pub fn review_action(chaser: &Chaser, invoice: &str, label: &str) -> Option<String> {
    let digest: serde_json::Value =
        serde_json::from_str(&chaser.ok(&["digest", "--json"])).unwrap();
    digest
        .as_object()?
        .values()
        .filter_map(|v| v.as_array())
        .flatten()
        .find_map(|line| {
            (line["subject"] == invoice).then_some(())?;
            line["actions"]
                .as_array()?
                .iter()
                .find(|a| a["label"] == label)?["url"]
                .as_str()
                .map(str::to_owned)
        })
}

/// Runs `sql` against `number`'s invoice row in the chaser's store (SQLite or Postgres), bound
/// as `$1`, and reads the one row it returns with `read`.
pub fn invoice_row<T>(
    chaser: &Chaser,
    number: &str,
    sql: &str,
    read: impl FnOnce(&sqlx::any::AnyRow) -> T,
) -> T {
    sqlx::any::install_default_drivers();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pool = sqlx::AnyPool::connect(&chaser.database_url).await.unwrap();
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(number.to_uppercase())
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        read(&row)
    })
}
