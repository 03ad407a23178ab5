//! The reconciler: compares the store with Temporal and repairs what drifted, each repair
//! audited. It runs on a Temporal Schedule (every `reconcile.interval`, 5 minutes by
//! default) and as `chaser reconcile [--dry-run]`.
//!
//! What can drift, although the chase is the single writer of its state:
//! - a command a door accepted that never reached the chase (Temporal was down, the worker
//!   gone and the signal failed too): it waits in the journal and is delivered;
//! - an open invoice without a running chase (a start that failed after the store write):
//!   the chase is started, or, when it has ended, the store takes its final state;
//! - a closed invoice whose chase still runs open (a stop written by an older version that
//!   never reached the chase): the stop is sent;
//! - a message handed to the provider whose attempt died before the answer and that no
//!   later attempt came back for (a stop ended the chase meanwhile): it is recorded
//!   `uncertain`, as a later attempt would have recorded it.
//!
//! Only what has been quiet for a grace period is touched, so a command or a start still on
//! its way is never repaired twice.

use std::collections::BTreeMap;
use std::time::Duration;

use chaser_activities::store::{AuditRecord, CommandStatus, JournalEntry, StoredInvoice};
use chaser_domain::{AuditAction, ChaseState, Command};
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{CommandRequest, ReconcileInput, ReconcileOutcome};
use chaser_workflows::names;
use chaser_workflows::names::search_attribute::key;
use futures::StreamExt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use temporalio_client::errors::WorkflowInteractionError;
use temporalio_client::{WorkflowDescribeOptions, WorkflowExecutionStatus, WorkflowListOptions};

use crate::chaser::Chaser;
use crate::error::{AppError, temporal};
use crate::execute::Outcome;
use crate::review_queue::kind;

/// One repair, as planned and as done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "repair", rename_all = "snake_case")]
pub enum Repair {
    /// A command a door accepted that the chase never got.
    Deliver {
        invoice: String,
        id: String,
        command: String,
    },
    /// A command for a chase that has ended: it can never apply.
    Drop {
        invoice: String,
        id: String,
        command: String,
        why: String,
    },
    /// An open invoice with no chase: start it.
    Start { invoice: String },
    /// An open invoice whose chase has ended: the store takes the chase's final state.
    Project { invoice: String, state: ChaseState },
    /// A closed invoice whose chase still runs open: send it the stop.
    Stop { invoice: String, state: ChaseState },
    /// A chase that ended without finishing (terminated, failed): a human must look.
    Flag { invoice: String, why: String },
    /// A message handed to the provider that no attempt finished: it may have been sent.
    Uncertain { invoice: String, message: String },
}

impl Repair {
    /// The repair's kind, as written on the wire and in the metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Repair::Deliver { .. } => "deliver",
            Repair::Drop { .. } => "drop",
            Repair::Start { .. } => "start",
            Repair::Project { .. } => "project",
            Repair::Stop { .. } => "stop",
            Repair::Flag { .. } => "flag",
            Repair::Uncertain { .. } => "uncertain",
        }
    }

    pub fn invoice(&self) -> &str {
        match self {
            Repair::Deliver { invoice, .. }
            | Repair::Drop { invoice, .. }
            | Repair::Start { invoice }
            | Repair::Project { invoice, .. }
            | Repair::Stop { invoice, .. }
            | Repair::Flag { invoice, .. }
            | Repair::Uncertain { invoice, .. } => invoice,
        }
    }

    /// One line for the operator and the audit log.
    pub fn describe(&self) -> String {
        match self {
            Repair::Deliver { id, command, .. } => {
                format!("deliver the `{command}` command {id} the chase never got")
            }
            Repair::Drop {
                id, command, why, ..
            } => format!("drop the `{command}` command {id}: {why}"),
            Repair::Start { .. } => "start the chase: the invoice is open but no chase runs".into(),
            Repair::Project { state, .. } => {
                format!(
                    "record the chase's final state ({state}): it ended without the store knowing"
                )
            }
            Repair::Stop { state, .. } => {
                format!("stop the chase: the invoice is {state} but its chase still runs")
            }
            Repair::Flag { why, .. } => format!("flag for review: {why}"),
            Repair::Uncertain { message, .. } => format!(
                "record the {message} message uncertain: it was handed to the provider and no attempt heard the answer"
            ),
        }
    }
}

impl Chaser {
    /// What a reconcile run would repair now, changing nothing.
    pub async fn reconcile_plan(&self, grace: Duration) -> Result<Vec<Repair>, AppError> {
        Ok(self.survey(grace).await?.repairs)
    }

    /// Repairs what drifted; each repair is audited. Returns what was done.
    pub async fn reconcile(&self, grace: Duration) -> Result<Vec<Repair>, AppError> {
        let survey = self.survey(grace).await?;
        let mut done = Vec::new();
        for repair in survey.repairs {
            match self
                .repair(&repair, &survey.journal, &survey.invoices)
                .await
            {
                Ok(()) => {
                    self.audit_repair(&repair).await?;
                    self.metrics().repaired(repair.kind());
                    done.push(repair);
                }
                Err(e) => {
                    tracing::warn!(invoice = repair.invoice(), error.message = %e, "a repair failed; the next run tries again")
                }
            }
        }
        Ok(done)
    }

    async fn survey(&self, grace: Duration) -> Result<Survey, AppError> {
        let client = self.client()?;
        let now = Timestamp::now();
        let quiet_since = now.checked_sub(grace).unwrap_or(now);
        let invoices: BTreeMap<String, StoredInvoice> = self
            .store()
            .all_invoices()
            .await?
            .into_iter()
            .map(|s| (s.invoice.number.normalized(), s))
            .collect();
        // Every running chase of this deployment, with the state it shows.
        let query = format!(
            "WorkflowType = '{}' AND ExecutionStatus = 'Running' AND TaskQueue = '{}'",
            names::workflow::INVOICE_CHASE,
            self.task_queue()
        );
        let mut running: BTreeMap<String, Option<ChaseState>> = BTreeMap::new();
        let mut stream = client.list_workflows(query, WorkflowListOptions::default());
        while let Some(execution) = stream.next().await {
            let execution = execution.map_err(temporal)?;
            let state = execution
                .search_attributes()
                .get(&key::CHASE_STATE)
                .and_then(|s| serde_json::from_value(serde_json::Value::String(s)).ok());
            running.insert(execution.id().to_owned(), state);
        }

        let mut repairs = Vec::new();
        let journal = self.store().pending_commands(quiet_since).await?;
        let mut waiting: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &journal {
            *waiting.entry(entry.invoice.as_str()).or_default() += 1;
            let command = verb(entry);
            let invoice = entry.invoice.clone();
            let id = entry.id.clone();
            let closed = invoices
                .get(&entry.invoice)
                .is_some_and(|s| s.state.is_closed());
            if running.contains_key(&entry.workflow_id) || !closed {
                repairs.push(Repair::Deliver {
                    invoice,
                    id,
                    command,
                });
            } else {
                // A signal Temporal kept was taken by the chase before it ended (a chase
                // cannot end with a signal it has not run).
                let queued = entry
                    .outcome
                    .as_deref()
                    .is_some_and(|o| o.starts_with(crate::execute::QUEUED_AS_SIGNAL));
                let why = if queued {
                    "the chase took it as a signal, then ended"
                } else {
                    "the chase has ended"
                };
                repairs.push(Repair::Drop {
                    invoice,
                    id,
                    command,
                    why: why.into(),
                });
            }
        }
        for (key, stored) in &invoices {
            if stored.updated_at > quiet_since {
                continue;
            }
            let shown = running.get(&stored.workflow_id);
            match (stored.state.is_closed(), shown) {
                // Open in the store, and a chase runs: as it should be.
                (false, Some(_)) => {}
                (false, None) => {
                    repairs.push(self.ended_or_missing(&client, key, stored).await?);
                }
                (true, Some(Some(state)))
                    if !state.is_closed() && !waiting.contains_key(key.as_str()) =>
                {
                    repairs.push(Repair::Stop {
                        invoice: key.clone(),
                        state: stored.state,
                    });
                }
                (true, _) => {}
            }
        }
        // An attempt lives at most its send timeout; one handed over longer ago is over.
        let handed_before = quiet_since
            .checked_sub(chaser_workflows::invoice_chase::SEND_TIMEOUT)
            .unwrap_or(quiet_since);
        for (workflow_id, message) in self.store().handed_unfinished(handed_before).await? {
            let invoice = workflow_id
                .strip_prefix(names::WORKFLOW_ID_PREFIX)
                .unwrap_or(&workflow_id)
                .to_owned();
            repairs.push(Repair::Uncertain { invoice, message });
        }
        Ok(Survey {
            repairs,
            journal,
            invoices,
        })
    }

    /// An open invoice with no running chase: never started, or ended behind the store's back.
    async fn ended_or_missing(
        &self,
        client: &temporalio_client::Client,
        key: &str,
        stored: &StoredInvoice,
    ) -> Result<Repair, AppError> {
        let handle = client.get_workflow_handle::<InvoiceChase>(stored.workflow_id.clone());
        let invoice = key.to_owned();
        match handle.describe(WorkflowDescribeOptions::default()).await {
            Err(WorkflowInteractionError::NotFound(_)) => Ok(Repair::Start { invoice }),
            Err(e) => Err(temporal(e)),
            Ok(description) => {
                let state: Option<ChaseState> = description
                    .search_attributes()
                    .get(&key::CHASE_STATE)
                    .and_then(|s| serde_json::from_value(serde_json::Value::String(s)).ok());
                Ok(match (description.status(), state) {
                    (WorkflowExecutionStatus::Running, _) => Repair::Flag {
                        invoice,
                        why: "the chase runs on another task queue".into(),
                    },
                    (WorkflowExecutionStatus::Completed, Some(state)) => {
                        Repair::Project { invoice, state }
                    }
                    (status, _) => Repair::Flag {
                        invoice,
                        why: format!(
                            "the chase ended as {status:?} while the invoice is open: reset it in Temporal or close the invoice"
                        ),
                    },
                })
            }
        }
    }

    async fn repair(
        &self,
        repair: &Repair,
        journal: &[JournalEntry],
        invoices: &BTreeMap<String, StoredInvoice>,
    ) -> Result<(), AppError> {
        let now = Timestamp::now();
        match repair {
            Repair::Deliver { id, .. } => {
                let entry = journal
                    .iter()
                    .find(|e| &e.id == id)
                    .ok_or_else(|| AppError::Invalid(format!("command {id} is not journaled")))?;
                let request: CommandRequest = serde_json::from_value(entry.request.clone())
                    .map_err(|e| AppError::Invalid(format!("command {id}: {e}")))?;
                if let Some(stored) = invoices.get(&entry.invoice)
                    && !stored.state.is_closed()
                {
                    // The chase may never have started: starting finds a running one.
                    self.start(&stored.invoice, "reconciler").await?;
                }
                match self.deliver(&entry.workflow_id, &request).await {
                    Ok(Outcome::Accepted { why }) => Err(AppError::Temporal(why)),
                    Ok(_) | Err(AppError::Refused(_)) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Repair::Drop { id, why, .. } => {
                self.store()
                    .settle_command(id, CommandStatus::Dropped, why, now)
                    .await?;
                Ok(())
            }
            Repair::Start { invoice } => {
                let stored = invoices
                    .get(invoice)
                    .ok_or_else(|| AppError::UnknownInvoice(invoice.clone()))?;
                self.start(&stored.invoice, "reconciler").await
            }
            Repair::Project { invoice, state } => {
                self.store().set_state(invoice, *state, now).await?;
                Ok(())
            }
            Repair::Stop { invoice, state } => {
                let stored = invoices
                    .get(invoice)
                    .ok_or_else(|| AppError::UnknownInvoice(invoice.clone()))?;
                let reason = format!("the store says {state}");
                let command = match state {
                    ChaseState::Paid => Command::Paid {
                        paid_at: None,
                        reference: None,
                    },
                    ChaseState::Void => Command::Void { reason },
                    _ => Command::Writeoff { reason },
                };
                let request = CommandRequest {
                    command,
                    by: "reconciler".to_owned(),
                    id: format!("reconcile:stop:{}", stored.workflow_id),
                };
                let json =
                    serde_json::to_value(&request).map_err(|e| AppError::Invalid(e.to_string()))?;
                self.store()
                    .journal_command(&request.id, invoice, &stored.workflow_id, &json, now)
                    .await?;
                match self.deliver(&stored.workflow_id, &request).await {
                    Ok(Outcome::Accepted { why }) => Err(AppError::Temporal(why)),
                    Ok(_) | Err(AppError::Refused(_)) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Repair::Uncertain { invoice, message } => {
                let workflow_id = format!("{}{invoice}", names::WORKFLOW_ID_PREFIX);
                let why = "handed to the provider, and no attempt heard the answer: it may have been sent";
                if self
                    .store()
                    .settle_handed_uncertain(&workflow_id, message, why, now)
                    .await?
                {
                    Ok(())
                } else {
                    Err(AppError::Invalid(format!(
                        "the {message} message was settled meanwhile"
                    )))
                }
            }
            Repair::Flag { invoice, why } => {
                let item = chaser_activities::store::NewReviewItem {
                    kind: kind::CHASE_DRIFT.to_owned(),
                    invoice: Some(invoice.clone()),
                    summary: format!("{invoice}: {why}"),
                    detail: serde_json::json!({ "why": why }),
                    dedup_key: format!("{}/{invoice}", kind::CHASE_DRIFT),
                };
                self.store().flag_for_review(&item, now).await?;
                Ok(())
            }
        }
    }

    async fn audit_repair(&self, repair: &Repair) -> Result<(), AppError> {
        let invoice = repair.invoice().to_owned();
        let workflow_id = format!("{}{invoice}", names::WORKFLOW_ID_PREFIX);
        let action = match repair {
            Repair::Drop { .. } => AuditAction::CommandDropped,
            _ => AuditAction::Reconciled,
        };
        let record = AuditRecord {
            at: Timestamp::now(),
            invoice,
            workflow_id: workflow_id.clone(),
            action,
            actor: "reconciler".to_owned(),
            before: None,
            after: None,
            detail: Some(repair.describe()),
            dedup_key: format!("{workflow_id}/reconcile/{}", uuid::Uuid::new_v4()),
        };
        self.store().append_audit(&record).await?;
        Ok(())
    }
}

/// The reconcile schedule's activity.
pub struct Reconciler {
    pub chaser: std::sync::Arc<Chaser>,
    /// How long something must have been quiet before a run touches it.
    pub grace: Duration,
}

#[temporalio_macros::activities]
impl Reconciler {
    #[activity(definition = chaser_workflows::reconcile::activity_defs::Reconcile)]
    pub async fn reconcile(
        self: std::sync::Arc<Self>,
        ctx: temporalio_sdk::activities::ActivityContext,
        _input: ReconcileInput,
    ) -> Result<ReconcileOutcome, temporalio_sdk::activities::ActivityError> {
        let every = chaser_workflows::reconcile::HEARTBEAT_TIMEOUT / 4;
        let survey = self.chaser.reconcile(self.grace);
        let done = chaser_activities::heartbeat::beating(&ctx, every, survey).await?;
        for repair in &done {
            tracing::info!(invoice = repair.invoice(), repair = %repair.describe(), "reconciled");
        }
        Ok(ReconcileOutcome {
            repaired: done
                .iter()
                .map(|r| format!("{}: {}", r.invoice(), r.describe()))
                .collect(),
        })
    }
}

/// What a survey found, and the rows it read (the repairs act on them).
struct Survey {
    repairs: Vec<Repair>,
    journal: Vec<JournalEntry>,
    invoices: BTreeMap<String, StoredInvoice>,
}

/// The journaled command's name, for people.
fn verb(entry: &JournalEntry) -> String {
    entry
        .request
        .get("command")
        .and_then(|c| c.as_str())
        .unwrap_or("command")
        .to_owned()
}
