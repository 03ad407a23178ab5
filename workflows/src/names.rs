//! Every wire name, pinned in one place. Renaming a Rust item never changes these, so running
//! chases keep working across refactors. Changing one of these breaks running chases.

use chaser_domain::InvoiceNumber;

/// The task queue the chase workflows and their activities run on.
pub const TASK_QUEUE: &str = "chaser";

/// `<task queue>-send`: where a chase's messages go out, rate-limited by the worker to the
/// mail provider's maximum send rate, so a storm of due reminders never meets throttling.
pub fn sending_queue(task_queue: &str) -> String {
    format!("{task_queue}-send")
}

/// `invoice-<number>`, with the number normalised (`InvoiceNumber::normalized`): upper-case
/// ASCII letters and digits, every other run of characters turned into one `-`.
pub fn workflow_id(number: &InvoiceNumber) -> String {
    format!("{WORKFLOW_ID_PREFIX}{}", number.normalized())
}

pub const WORKFLOW_ID_PREFIX: &str = "invoice-";

pub mod workflow {
    pub const INVOICE_CHASE: &str = "invoice_chase";
    pub const SHEET_SYNC: &str = "sheet_sync";
    pub const INVOICE_PROPOSAL: &str = "invoice_proposal";
    pub const DAILY_REVIEW: &str = "daily_review";
    pub const MONTHLY_SUMMARY: &str = "monthly_summary";
    pub const RECONCILE: &str = "reconcile";
}

/// `reconcile-<task queue>`: the reconciler's schedule, one per deployment.
pub fn reconcile_schedule_id(task_queue: &str) -> String {
    format!("reconcile-{task_queue}")
}

/// `monthly-summary-<task queue>`: the monthly summary's schedule, one per deployment.
pub fn monthly_summary_schedule_id(task_queue: &str) -> String {
    format!("monthly-summary-{task_queue}")
}

/// `daily-review-<task queue>`: the daily review's schedule, one per deployment.
pub fn daily_review_schedule_id(task_queue: &str) -> String {
    format!("daily-review-{task_queue}")
}

/// `proposal-<document id>`: one review per document; the same PDF handed in twice is one.
pub fn proposal_workflow_id(document_id: &str) -> String {
    format!("proposal-{document_id}")
}

/// `sheet-sync-<source>`: the Temporal Schedule of one `[[sync]]` source, and the prefix of
/// its runs' workflow ids (the server appends the run's time).
pub fn sheet_sync_id(source: &str) -> String {
    format!("sheet-sync-{source}")
}

pub mod signal {
    pub const PAID: &str = "paid";
    pub const PAYMENT: &str = "payment";
    pub const PAUSE: &str = "pause";
    pub const RESUME: &str = "resume";
    pub const DISPUTE: &str = "dispute";
    pub const RESOLVE: &str = "resolve";
    pub const WRITEOFF: &str = "writeoff";
    pub const VOID: &str = "void";
    pub const UPDATE_INVOICE: &str = "update_invoice";
    pub const APPROVAL: &str = "approval";
    pub const RESEND: &str = "resend";
    pub const PAY_LINK_CLICKED: &str = "pay_link_clicked";
    pub const PROMISE: &str = "promise";
    pub const RESCHEDULE: &str = "reschedule";
    pub const PROPOSAL_DECISION: &str = "proposal_decision";
    /// The `command` update's payload as a signal: durable without a worker, answered by
    /// nobody. A door falls back to it when no worker takes the update.
    pub const COMMAND: &str = "command";
}

pub mod update {
    /// `pause` with a validator: the caller learns at once if the cap refuses it.
    pub const REQUEST_PAUSE: &str = "request_pause";
    /// Every command (`chaser_domain::Command`), answered: refused by the validator with the
    /// reason, or done once the store shows it and, for a stop, no send is in flight.
    pub const COMMAND: &str = "command";
}

pub mod query {
    pub const STATUS: &str = "status";
    pub const SCHEDULE: &str = "schedule";
    pub const DECISION: &str = "decision";
}

/// Patch ids (`ctx.patched`): a chase started before a change keeps replaying the old way.
pub mod patch {
    /// The audit is written by a local activity, a paid chase writes it once after the
    /// thank-you, and a step that falls due does not re-publish its NextTouchAt.
    pub const FEWER_ACTIONS: &str = "fewer-actions-1";
    /// The chase writes the store's copy before a thank-you and while a send is in flight,
    /// cancels a send a stop makes wrong, and leaves a step it stopped pending.
    pub const ONE_WRITER: &str = "one-writer-1";
    /// A thank-you deferred again (held sending) keeps waiting instead of giving up.
    pub const THANK_YOU_WAITS_OUT_HOLDS: &str = "thank-you-waits-out-holds-1";
    /// The first task finds its search attributes set at start, `NextTouchAt` moves only with
    /// the state, the balance or the due date, and a message that goes out (a step's last,
    /// the thank-you) writes its own audit event: no activity of the chase's own after it.
    pub const FEWER_ACTIONS_2: &str = "fewer-actions-2";
}

pub mod activity {
    pub const SEND_MESSAGE: &str = "email.send_message";
    pub const RECORD_AUDIT: &str = "store.record_audit";
    pub const EXPIRE_APPROVAL: &str = "store.expire_approval";
    pub const SYNC_SHEET: &str = "sheet.sync";
    pub const PROPOSE_INVOICE: &str = "documents.propose";
    pub const REQUEST_PROPOSAL_APPROVAL: &str = "documents.request_approval";
    pub const ACCEPT_PROPOSAL: &str = "documents.accept";
    pub const CLOSE_PROPOSAL: &str = "documents.close";
    pub const SEND_DIGESTS: &str = "review.send_digests";
    pub const SEND_MONTHLY_SUMMARY: &str = "reports.send_monthly_summary";
    pub const RECONCILE: &str = "reconcile.run";
}

/// Failure types that activities raise and the workflow branches on.
pub mod failure {
    /// The provider refused the message for good (bad address, rejected content).
    pub const EMAIL_REJECTED: &str = "EmailRejected";
    /// A sync source that retrying cannot fix: unknown, or an export that cannot be read as one.
    pub const SOURCE_UNUSABLE: &str = "SourceUnusable";
    /// A document that cannot be read, or a proposal that cannot become an invoice.
    pub const DOCUMENT_UNUSABLE: &str = "DocumentUnusable";
}

/// Search attributes. `REGISTRATION` is the one list: `chaser search-attributes` prints it for
/// the demo and operators, and tests/hygiene holds docker-compose.yml's copy to it.
pub mod search_attribute {
    pub const INVOICE_NUMBER: &str = "InvoiceNumber";
    pub const CUSTOMER: &str = "Customer";
    pub const CHASE_STATE: &str = "ChaseState";
    pub const AMOUNT_DUE: &str = "AmountDue";
    pub const DUE_DATE: &str = "DueDate";
    pub const NEXT_TOUCH_AT: &str = "NextTouchAt";

    /// Typed keys, for setting the attributes from the workflow and at start.
    pub mod key {
        use temporalio_common::search_attributes::{SearchAttributeKey, Timestamp};

        pub const INVOICE_NUMBER: SearchAttributeKey<String> =
            SearchAttributeKey::keyword(super::INVOICE_NUMBER);
        pub const CUSTOMER: SearchAttributeKey<String> =
            SearchAttributeKey::keyword(super::CUSTOMER);
        pub const CHASE_STATE: SearchAttributeKey<String> =
            SearchAttributeKey::keyword(super::CHASE_STATE);
        pub const AMOUNT_DUE: SearchAttributeKey<f64> =
            SearchAttributeKey::float(super::AMOUNT_DUE);
        pub const DUE_DATE: SearchAttributeKey<Timestamp> =
            SearchAttributeKey::datetime(super::DUE_DATE);
        pub const NEXT_TOUCH_AT: SearchAttributeKey<Timestamp> =
            SearchAttributeKey::datetime(super::NEXT_TOUCH_AT);
    }

    /// `Name=Type` pairs for `temporal server start-dev --search-attribute`.
    pub const REGISTRATION: [(&str, &str); 6] = [
        (INVOICE_NUMBER, "Keyword"),
        (CUSTOMER, "Keyword"),
        (CHASE_STATE, "Keyword"),
        (AMOUNT_DUE, "Double"),
        (DUE_DATE, "Datetime"),
        (NEXT_TOUCH_AT, "Datetime"),
    ];
}
