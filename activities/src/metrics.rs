//! The chaser's own counters. They go to the same meter as the Temporal SDK's worker metrics,
//! so one Prometheus endpoint (`[metrics] listen`) shows both; without it they go nowhere.
//! Every name and label is here, in one place: docs/operating.md lists them with the alerts.

use std::sync::Arc;

use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, Gauge, MetricKeyValue, MetricParameters, MetricValue, NewAttributes,
    NoOpCoreMeter,
};

/// The counters and gauges, each with its one label.
#[derive(Clone)]
pub struct Metrics {
    meter: Arc<dyn CoreMeter>,
    sends: Counter,
    guardrails: Counter,
    approvals_waiting: Gauge,
    imports: Counter,
    webhook_rejects: Counter,
    repairs: Counter,
    queries: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn counter(meter: &dyn CoreMeter, name: &'static str, description: &'static str) -> Counter {
    meter.counter(
        MetricParameters::builder()
            .name(name)
            .description(description)
            .build(),
    )
}

impl Metrics {
    pub fn new(meter: Arc<dyn CoreMeter>) -> Metrics {
        let m = meter.as_ref();
        Metrics {
            sends: counter(
                m,
                "chaser_sends",
                "Messages by outcome: sent, dry_run, declined, deferred, awaiting_approval, unreachable, uncertain, failed",
            ),
            guardrails: counter(
                m,
                "chaser_guardrail_holds",
                "Messages a guardrail declined or deferred, by guardrail and verdict",
            ),
            approvals_waiting: meter.gauge(
                MetricParameters::builder()
                    .name("chaser_approvals_waiting")
                    .description("Messages waiting for the owner's approval")
                    .build(),
            ),
            imports: counter(
                m,
                "chaser_imports",
                "Invoices from imports, syncs and webhooks, by what became of them",
            ),
            webhook_rejects: counter(
                m,
                "chaser_webhook_rejects",
                "Webhook deliveries refused, by webhook and HTTP status",
            ),
            repairs: counter(
                m,
                "chaser_reconciler_repairs",
                "Drift the reconciler repaired, by kind",
            ),
            queries: counter(
                m,
                "chaser_chase_queries",
                "Workflow queries sent to a chase (each is billed), by query: status and schedule on request only; pages, reports and the daily review read the store",
            ),
            meter,
        }
    }

    /// Counts nothing: for commands and tests without an endpoint.
    pub fn off() -> Metrics {
        Metrics::new(Arc::new(NoOpCoreMeter))
    }

    fn add(&self, counter: &Counter, labels: &[(&'static str, &str)]) {
        let attributes = self.meter.new_attributes(NewAttributes {
            attributes: labels
                .iter()
                .map(|(k, v)| MetricKeyValue::new(*k, MetricValue::String((*v).to_owned())))
                .collect(),
        });
        counter.add(1, &attributes);
    }

    pub fn send(&self, outcome: &str) {
        self.add(&self.sends, &[("outcome", outcome)]);
    }

    pub fn guardrail(&self, guardrail: &str, verdict: &str) {
        self.add(
            &self.guardrails,
            &[("guardrail", guardrail), ("verdict", verdict)],
        );
    }

    pub fn approvals_waiting(&self, count: u64) {
        let none = self
            .meter
            .new_attributes(NewAttributes { attributes: vec![] });
        self.approvals_waiting.record(count, &none);
    }

    pub fn import(&self, result: &str) {
        self.add(&self.imports, &[("result", result)]);
    }

    pub fn webhook_rejected(&self, webhook: &str, status: u16) {
        self.add(
            &self.webhook_rejects,
            &[("webhook", webhook), ("status", &status.to_string())],
        );
    }

    pub fn repaired(&self, kind: &str) {
        self.add(&self.repairs, &[("kind", kind)]);
    }

    pub fn queried(&self, query: &str) {
        self.add(&self.queries, &[("query", query)]);
    }
}
