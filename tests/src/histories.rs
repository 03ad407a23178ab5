//! A chaser's Temporal client and its workflows' histories: read back (decoded with the
//! chaser's key) and, with `UPDATE_HISTORIES=1`, saved as the replay tests' fixtures.

use std::time::Duration;

use crate::harness::Chaser;
use crate::process::{repo_root, wait_for};
use crate::stack::{stack, workflows_matching};

impl Chaser {
    /// A Temporal client that seals and opens payloads with this chaser's codec key, as its
    /// worker and CLI do.
    pub async fn client(&self) -> temporalio_client::Client {
        use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};
        let url: temporalio_client::Url = format!("http://{}", stack().temporal_address)
            .parse()
            .unwrap();
        let connection = Connection::connect(ConnectionOptions::new(url).build())
            .await
            .unwrap();
        let mut options = ClientOptions::new("default").build();
        options.data_converter = self.secrets.codec().data_converter();
        Client::new(connection, options).unwrap()
    }

    /// A chase's history as the SDK's JSON: as stored (`decoded` false: payloads sealed), or
    /// with every payload opened with this chaser's key (replay fixtures stay readable and
    /// replay under any key).
    pub fn history_json(&self, workflow_id: &str, decoded: bool) -> Vec<u8> {
        use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowHistory};
        use temporalio_common::data_converters::SerializationContextData;
        use temporalio_common::protos::temporal::api::history::v1::History;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = self.client().await;
            let handle = client
                .get_workflow_handle::<chaser_workflows::InvoiceChase>(workflow_id.to_owned());
            let mut events = handle
                .fetch_history(WorkflowFetchHistoryOptions::default())
                .into_events()
                .await
                .unwrap();
            if decoded {
                let codec = self.secrets.codec();
                for event in &mut events {
                    temporalio_common::payload_visitor::decode_payloads(
                        event,
                        &codec,
                        &SerializationContextData::None,
                    )
                    .await
                    .unwrap();
                }
            }
            WorkflowHistory::from(History { events })
                .to_json()
                .await
                .unwrap()
        })
    }
}

/// With `UPDATE_HISTORIES=1`, saves a finished chase's history as a replay fixture
/// (`tests/fixtures/histories/invoice_chase/<scenario>.json`).
pub fn save_history_if_asked(chaser: &Chaser, workflow_id: &str, scenario: &str) {
    if histories_asked() {
        save_history(chaser, "invoice_chase", workflow_id, scenario);
    }
}

/// With `UPDATE_HISTORIES=1`, saves a completed run of the workflow type `kind` on this
/// chaser's task queue as a replay fixture (`tests/fixtures/histories/<kind>/<scenario>.json`):
/// for the workflows a schedule or a document starts, whose ids the test does not choose.
pub fn save_completed_run_if_asked(chaser: &Chaser, kind: &str, scenario: &str) {
    if !histories_asked() {
        return;
    }
    let query = format!(
        "WorkflowType = '{kind}' AND ExecutionStatus = 'Completed' AND TaskQueue = 'e2e-{}-{}'",
        chaser.name,
        std::process::id()
    );
    let id = wait_for(
        &format!("a completed {kind}"),
        Duration::from_secs(30),
        || workflows_matching(&query).into_iter().next(),
    );
    save_history(chaser, kind, &id, scenario);
}

fn histories_asked() -> bool {
    std::env::var("UPDATE_HISTORIES").as_deref() == Ok("1")
}

fn save_history(chaser: &Chaser, kind: &str, workflow_id: &str, scenario: &str) {
    let json = chaser.history_json(workflow_id, true);
    let dir = repo_root().join("tests/fixtures/histories").join(kind);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{scenario}.json"));
    std::fs::write(&path, json).unwrap();
    println!("saved {}", path.display());
}
