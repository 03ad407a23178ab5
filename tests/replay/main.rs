//! Every committed history replays against today's workflow code, with the payload codec on
//! (the fixtures are plaintext, as every history from before encryption is). A failure here means a
//! change is not replay-safe: guard it with `ctx.patched(..)`, never edit the fixture.
//! Refresh fixtures with `UPDATE_HISTORIES=1 cargo test -p chaser-tests --test e2e`: every
//! workflow type has its own folder (`TYPES`).

#![allow(clippy::unwrap_used)]

use chaser_workflows::{
    DailyReview, InvoiceChase, InvoiceProposal, MonthlySummary, Reconcile, SheetSync,
};
use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

/// Each workflow type with committed histories, its folder under `fixtures/histories`, and
/// how many histories it must have at least.
const TYPES: [(&str, usize); 6] = [
    ("invoice_chase", 2),
    ("daily_review", 1),
    ("monthly_summary", 1),
    ("sheet_sync", 1),
    ("invoice_proposal", 1),
    ("reconcile", 1),
];

#[tokio::test]
async fn committed_histories_replay_with_the_current_workflow() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/histories");
    // Under the payload codec, as the worker runs: the fixtures were recorded before payloads
    // were encrypted, and such histories must go on replaying.
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<InvoiceChase>()
            .unwrap()
            .register_workflow::<DailyReview>()
            .unwrap()
            .register_workflow::<MonthlySummary>()
            .unwrap()
            .register_workflow::<SheetSync>()
            .unwrap()
            .register_workflow::<InvoiceProposal>()
            .unwrap()
            .register_workflow::<Reconcile>()
            .unwrap()
            .data_converter(chaser_tests::Secrets::random().codec().data_converter())
            .build(),
    )
    .unwrap();
    for (kind, at_least) in TYPES {
        let dir = root.join(kind);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(
            files.len() >= at_least,
            "expected at least {at_least} committed histories in {}",
            dir.display()
        );
        for file in files {
            let history = WorkflowHistory::from_json(&std::fs::read(&file).unwrap()).unwrap();
            replayer
                .replay_workflow(history)
                .await
                .unwrap_or_else(|e| panic!("{} does not replay: {e:?}", file.display()));
        }
    }
}

/// The same wire name with different code: it sleeps first instead of recording the start.
mod changed {
    use std::time::Duration;

    use chaser_workflows::contracts::{ChaseInput, ChaseOutcome};
    use chaser_workflows::names;
    use temporalio_macros::{workflow, workflow_methods};
    use temporalio_workflow::{WorkflowContext, WorkflowContextView, WorkflowResult};

    #[workflow]
    pub struct ChangedChase {
        _input: ChaseInput,
    }

    #[workflow_methods]
    impl ChangedChase {
        #[init]
        pub fn new(_ctx: &WorkflowContextView, input: ChaseInput) -> Self {
            Self { _input: input }
        }

        #[run(name = names::workflow::INVOICE_CHASE)]
        pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<ChaseOutcome> {
            loop {
                ctx.timer(Duration::from_secs(3600)).await;
            }
        }
    }
}

#[tokio::test]
async fn a_change_that_is_not_replay_safe_is_caught() {
    use temporalio_sdk::workflow_replayer::{WorkflowReplayError, WorkflowReplayFailure};
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/histories/invoice_chase/paid_after_nudge.json");
    let history = WorkflowHistory::from_json(&std::fs::read(file).unwrap()).unwrap();
    let replayer = WorkflowReplayer::new(
        WorkflowReplayerOptions::new()
            .register_workflow::<changed::ChangedChase>()
            .unwrap()
            .build(),
    )
    .unwrap();
    let error = replayer.replay_workflow(history).await.unwrap_err();
    assert!(
        matches!(
            error,
            WorkflowReplayError::Replay(WorkflowReplayFailure::Nondeterminism { .. })
        ),
        "{error:?}"
    );
}
