//! `actions`: what a chase costs in Temporal Cloud actions, counted from real histories by
//! Temporal Cloud's published rules.

use std::collections::BTreeMap;
use std::time::Duration;

use chaser_tests::seconds_rules;
use jiff::Timestamp;

use crate::report::Run;
use crate::ses_front::SesFront;
use crate::stack::{self, cadence, export, invoice_row, paid_event};

use super::{STORE_NOTE, chaser_with, keep_history, today};

/// Temporal Cloud's list price per million actions, and where it is stated.
const PRICE_PER_MILLION: f64 = 50.0;
const PRICE_SOURCE: &str = "https://docs.temporal.io/cloud/pricing (\"Actions pricing starts at $50 per million Actions\"); what counts: https://docs.temporal.io/cloud/actions";

/// Billable actions in a history by Temporal Cloud's rules, by kind.
pub fn billable_actions(history: &serde_json::Value) -> BTreeMap<&'static str, usize> {
    let mut actions = BTreeMap::new();
    let mut marker_tasks = std::collections::BTreeSet::new();
    let mut previous = "";
    for event in history["events"].as_array().into_iter().flatten() {
        let Some((kind, attributes)) = event["attributes"]
            .as_object()
            .and_then(|a| a.iter().next())
        else {
            continue;
        };
        let after = std::mem::replace(&mut previous, kind.as_str());
        let (name, count) = match kind.as_str() {
            "WorkflowExecutionStartedEventAttributes" => ("workflow started", 1),
            // "One total action occurs for any Signal-With-Start": its signal comes free.
            "WorkflowExecutionSignaledEventAttributes"
                if after == "WorkflowExecutionStartedEventAttributes" =>
            {
                continue;
            }
            "WorkflowExecutionContinuedAsNewEventAttributes" => ("continued as new", 1),
            "WorkflowExecutionSignaledEventAttributes" => ("signal received", 1),
            "TimerStartedEventAttributes" => ("timer started", 1),
            "ActivityTaskScheduledEventAttributes" => ("activity started", 1),
            "ActivityTaskStartedEventAttributes" => {
                let attempt = attributes["attempt"].as_u64().unwrap_or(1);
                (
                    "activity retried",
                    usize::try_from(attempt.saturating_sub(1)).unwrap_or(0),
                )
            }
            // The patch marker's own TemporalChangeVersion upsert is exempt.
            "UpsertWorkflowSearchAttributesEventAttributes"
                if attributes["search_attributes"]["indexedFields"]
                    .as_object()
                    .is_some_and(|f| f.keys().all(|k| k == "TemporalChangeVersion")) =>
            {
                continue;
            }
            "UpsertWorkflowSearchAttributesEventAttributes" => ("search attributes upserted", 1),
            "StartChildWorkflowExecutionInitiatedEventAttributes" => ("child workflow started", 2),
            "SignalExternalWorkflowExecutionInitiatedEventAttributes" => ("signal sent", 1),
            "WorkflowExecutionUpdateAcceptedEventAttributes" => ("update", 1),
            "MarkerRecordedEventAttributes" => {
                // All local activities of one workflow task are one action.
                let task = attributes["workflow_task_completed_event_id"].as_i64();
                if marker_tasks.insert(task) {
                    ("local activities (per workflow task)", 1)
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        if count > 0 {
            *actions.entry(name).or_insert(0) += count;
        }
    }
    actions
}

/// `actions`: histories of a typical chase and a long one, priced.
pub fn actions() -> anyhow::Result<Run> {
    let (runtime, client) = stack::start()?;
    let front = runtime.block_on(SesFront::start(&chaser_tests::stack().ses_url, None))?;
    let typical_cadence = cadence(
        "default",
        &[
            ("after_issue 2s", "nudge"),
            ("after_issue 4s", "follow_up"),
            ("after_issue 6s", "final_notice"),
        ],
    );
    let long_cadence = cadence(
        "custom:long",
        &[
            ("after_issue 2s", "nudge"),
            ("repeat every 2s, at most 9 times", "follow_up"),
        ],
    );
    let rules = seconds_rules(&format!("{typical_cadence}{long_cadence}"));
    let name = "actions";
    let chaser = chaser_with(
        name,
        &rules,
        &[("aws.ses_endpoint_url", front.url.clone().into())],
    );
    let issued = Timestamp::now();
    let typical = "ACT-TYPICAL";
    let long = "ACT-LONG";
    let csv = export([
        invoice_row(typical, "net-30", today(), issued),
        invoice_row(long, "custom:long", today(), issued),
    ]);
    let path = chaser.csv("invoices.csv", &csv);
    chaser.ok(&["import", &path]);
    let reminders = |number: &str| {
        front
            .arrivals()
            .iter()
            .filter(|a| {
                a.to.contains(&stack::contact(number)) && !a.subject.starts_with("Thank you")
            })
            .count()
    };
    // The final notice's copy to the owner is part of the typical chase: paid only after it.
    let owner_copy = || {
        front
            .arrivals()
            .iter()
            .any(|a| a.to.iter().any(|t| t == "owner@bench.example") && a.subject.contains(typical))
    };
    chaser_tests::wait_for(
        "three reminders and the owner's copy",
        Duration::from_secs(60),
        || (reminders(typical) >= 3 && owner_copy()).then_some(()),
    );
    let (status, answer) = chaser_tests::post_webhook(
        &chaser.url("/webhooks/accounting"),
        &chaser.secrets.accounting,
        &paid_event(typical),
    );
    anyhow::ensure!(status == 200, "paid webhook: {status} {answer}");
    chaser_tests::wait_for("ten reminders", Duration::from_secs(90), || {
        (reminders(long) >= 10).then_some(())
    });
    chaser.ok(&[
        "writeoff",
        long,
        "--reason",
        "bench: nine repeats, no answer",
    ]);
    let queue = stack::task_queue(name);
    let closed = format!("TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'");
    runtime.block_on(stack::wait_count(
        &client,
        &closed,
        2,
        Duration::from_secs(60),
    ))?;

    let mut out = Run::default();
    let mut typical_actions = 0;
    for (label, number) in [("typical chase", typical), ("long chase", long)] {
        let history = runtime.block_on(stack::history(&client, &stack::workflow_id(number)))?;
        keep_history(number, &history)?;
        let events = history["events"].as_array().map_or(0, Vec::len);
        let by_kind = billable_actions(&history);
        let total: usize = by_kind.values().sum();
        if number == typical {
            typical_actions = total;
        }
        out.figure(&format!("{label}: history events"), "", events as f64);
        out.figure(&format!("{label}: billable actions"), "", total as f64);
        let kinds: Vec<String> = by_kind.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out.note(format!(
            "{label} ({number}) actions: {} (history kept in target/bench/{number}.json)",
            kinds.join(", ")
        ));
    }
    for invoices in [200.0, 2000.0] {
        let dollars = invoices * typical_actions as f64 * PRICE_PER_MILLION / 1e6;
        out.figure(
            &format!("{invoices:.0} typical chases a month"),
            "$/month",
            dollars,
        );
    }
    out.note("Typical chase: nudge, follow-up and final notice (with its copy to the owner), then an `invoice.paid` webhook, then the thank-you. Long chase: a nudge and 9 repeats, then `chaser writeoff`.");
    out.note(format!(
        "Actions counted from the histories by Temporal Cloud's rules: workflow started (a signal-with-start's signal included), signal received, timer started, activity scheduled (+1 per retry), search-attribute upsert (not a patch's TemporalChangeVersion), and all local activities and markers of one workflow task as one. Price: ${PRICE_PER_MILLION} per million actions, {PRICE_SOURCE}; plan minimums and storage are not included."
    ));
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_temporal_clouds_rules() {
        let history = serde_json::json!({ "events": [
            { "attributes": { "WorkflowExecutionStartedEventAttributes": {} } },
            { "attributes": { "WorkflowExecutionSignaledEventAttributes": {} } },
            { "attributes": { "WorkflowTaskCompletedEventAttributes": {} } },
            { "attributes": { "WorkflowExecutionSignaledEventAttributes": {} } },
            { "attributes": { "UpsertWorkflowSearchAttributesEventAttributes": {} } },
            { "attributes": { "UpsertWorkflowSearchAttributesEventAttributes":
                { "search_attributes": { "indexedFields": { "TemporalChangeVersion": {} } } } } },
            { "attributes": { "TimerStartedEventAttributes": {} } },
            { "attributes": { "TimerFiredEventAttributes": {} } },
            { "attributes": { "ActivityTaskScheduledEventAttributes": {} } },
            { "attributes": { "ActivityTaskStartedEventAttributes": { "attempt": 3 } } },
            { "attributes": { "ActivityTaskCompletedEventAttributes": {} } },
            { "attributes": { "MarkerRecordedEventAttributes": { "workflow_task_completed_event_id": 9 } } },
            { "attributes": { "MarkerRecordedEventAttributes": { "workflow_task_completed_event_id": 9 } } },
            { "attributes": { "MarkerRecordedEventAttributes": { "workflow_task_completed_event_id": 12 } } },
            { "attributes": { "WorkflowExecutionCompletedEventAttributes": {} } },
        ]});
        let actions = billable_actions(&history);
        assert_eq!(actions["workflow started"], 1);
        assert_eq!(actions["signal received"], 1);
        assert_eq!(actions["search attributes upserted"], 1);
        assert_eq!(actions["timer started"], 1);
        assert_eq!(actions["activity started"], 1);
        assert_eq!(actions["activity retried"], 2);
        assert_eq!(actions["local activities (per workflow task)"], 2);
        assert_eq!(actions.values().sum::<usize>(), 9);
    }
}
