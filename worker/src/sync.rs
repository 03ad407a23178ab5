//! `[[sync]]` sources: resolved from the config, and one Temporal Schedule each, kept in step
//! with the config by `chaser worker` (created if missing, updated if the interval changed,
//! deleted when the source is gone from the config).

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::Context as _;
use chaser_activities::fetch::Location;
use chaser_app::sync::SyncSource;
use chaser_workflows::SheetSync;
use chaser_workflows::contracts::SheetSyncInput;
use chaser_workflows::names;
use futures::StreamExt;
use temporalio_client::Client;
use temporalio_client::schedules::{
    CreateScheduleOptions, ListSchedulesOptions, ScheduleAction, ScheduleDescriptionAction,
    ScheduleError, ScheduleOverlapPolicy, ScheduleSpec,
};

use crate::context::Context;

/// The shortest interval a sync may run at.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The config's sources, checked: unique names of letters, digits, `-` and `_`, locations
/// that parse, intervals of at least a second.
pub fn sources(app: &Context) -> anyhow::Result<Vec<(SyncSource, Duration)>> {
    let mut seen = BTreeSet::new();
    let mut out = vec![];
    for (i, sync) in app.config.sync.iter().enumerate() {
        let at = format!("sync[{i}]");
        anyhow::ensure!(
            !sync.name.is_empty()
                && sync
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{at}.name: `{}` must be letters, digits, `-` or `_`",
            sync.name
        );
        anyhow::ensure!(
            seen.insert(sync.name.clone()),
            "{at}.name: `{}` is used by two sources",
            sync.name
        );
        let location: Location = sync
            .location
            .parse()
            .map_err(|e| anyhow::anyhow!("{at}.location: {e}"))?;
        let every = Duration::try_from(sync.every.as_duration())
            .ok()
            .filter(|d| *d >= MIN_INTERVAL)
            .with_context(|| format!("{at}.every: `{}` must be at least 1s", sync.every))?;
        let options = app.config.intake_options(sync.preset, sync.date_format)?;
        out.push((
            SyncSource {
                name: sync.name.clone(),
                location,
                options,
            },
            every,
        ));
    }
    Ok(out)
}

fn is_not_found(error: &ScheduleError) -> bool {
    matches!(error, ScheduleError::Rpc(status) if status.code() == tonic::Code::NotFound)
}

fn action(source: &str, task_queue: &str) -> ScheduleAction {
    ScheduleAction::start_workflow(
        SheetSync::run,
        SheetSyncInput {
            source: source.to_owned(),
        },
        task_queue,
        names::sheet_sync_id(source),
    )
}

/// Creates, updates and deletes this task queue's sync schedules to match the config.
async fn ensure_schedules(
    client: &Client,
    task_queue: &str,
    sources: &[(SyncSource, Duration)],
) -> anyhow::Result<()> {
    for (source, every) in sources {
        let note = format!("reads {} (chaser [[sync]])", source.location);
        upsert_schedule(
            client,
            &names::sheet_sync_id(&source.name),
            ScheduleSpec::from_interval(*every),
            action(&source.name, task_queue),
            note,
            true,
        )
        .await?;
    }
    delete_stale(client, task_queue, sources).await
}

/// Schedules of sources no longer in the config, on this task queue.
async fn delete_stale(
    client: &Client,
    task_queue: &str,
    sources: &[(SyncSource, Duration)],
) -> anyhow::Result<()> {
    let wanted: BTreeSet<String> = sources
        .iter()
        .map(|(s, _)| names::sheet_sync_id(&s.name))
        .collect();
    let mut stream = client.list_schedules(ListSchedulesOptions::default());
    let mut stale = vec![];
    while let Some(summary) = stream.next().await {
        let summary = summary.context("listing schedules")?;
        let id = summary.schedule_id();
        if id.starts_with(&names::sheet_sync_id("")) && !wanted.contains(id) {
            stale.push(id.to_owned());
        }
    }
    for id in stale {
        let handle = client.get_schedule_handle(id.clone());
        let Ok(description) = handle.describe(Default::default()).await else {
            continue;
        };
        let ScheduleDescriptionAction::StartWorkflow(start) = description.action() else {
            continue;
        };
        if start.task_queue() == task_queue {
            handle
                .delete(Default::default())
                .await
                .with_context(|| format!("deleting the schedule {id}"))?;
            tracing::info!(schedule = %id, "sync schedule deleted: the source left the config");
        }
    }
    Ok(())
}

/// `chaser sync NAME`: runs the source's schedule now.
pub async fn trigger(app: &Context, source: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        app.config.sync.iter().any(|s| s.name == source),
        "there is no [[sync]] source named `{source}` in the config"
    );
    let id = names::sheet_sync_id(source);
    app.client()?
        .get_schedule_handle(id.clone())
        .trigger(ScheduleOverlapPolicy::Skip, Default::default())
        .await
        .map_err(|e| match e {
            e if is_not_found(&e) => anyhow::anyhow!(
                "the schedule {id} does not exist yet: start `chaser worker`, which creates it"
            ),
            e => anyhow::anyhow!("triggering {id}: {e}"),
        })?;
    Ok(())
}

/// Every schedule the worker keeps in step with the config, checked before anything reaches
/// Temporal, so a bad setting stops the worker at once while a missing server is waited for.
pub struct Schedules {
    task_queue: String,
    sources: Vec<(SyncSource, Duration)>,
    /// `[review] hour`, in `zone`.
    review_hour: u8,
    zone: String,
    daily_review: bool,
    monthly_summary: bool,
    reconcile_every: Duration,
}

impl Schedules {
    pub fn from_config(app: &Context, sources: &[(SyncSource, Duration)]) -> anyhow::Result<Self> {
        let config = &app.config;
        anyhow::ensure!(
            config.review.hour < 24,
            "review.hour: `{}` must be 0 to 23",
            config.review.hour
        );
        Ok(Schedules {
            task_queue: config.temporal.task_queue.clone(),
            sources: sources.to_vec(),
            review_hour: config.review.hour,
            zone: app.rules.company.time_zone.name().to_owned(),
            daily_review: config.review.email,
            monthly_summary: config.review.monthly_summary,
            reconcile_every: config.reconcile.interval()?,
        })
    }

    /// Creates, updates and deletes the schedules to match; safe to repeat.
    pub async fn ensure(&self, client: &Client) -> anyhow::Result<()> {
        ensure_schedules(client, &self.task_queue, &self.sources).await?;
        self.ensure_review(client).await?;
        self.ensure_reconcile(client).await
    }

    /// Runs the reconciler now: what the doors journaled while Temporal was away goes to its
    /// chase at once, not at the next interval.
    pub async fn reconcile_now(&self, client: &Client) -> anyhow::Result<()> {
        let id = names::reconcile_schedule_id(&self.task_queue);
        client
            .get_schedule_handle(id.clone())
            .trigger(ScheduleOverlapPolicy::Skip, Default::default())
            .await
            .with_context(|| format!("triggering {id}"))
    }

    /// The daily review's and the monthly summary's schedules, at `[review] hour` in the
    /// company's time zone (the summary on the 1st), or removed when turned off.
    async fn ensure_review(&self, client: &Client) -> anyhow::Result<()> {
        use chaser_workflows::contracts::{DailyReviewInput, MonthlySummaryInput};
        use chaser_workflows::{DailyReview, MonthlySummary};
        let task_queue = &self.task_queue;
        let daily_id = names::daily_review_schedule_id(task_queue);
        let daily = ScheduleAction::start_workflow(
            DailyReview::run,
            DailyReviewInput {},
            task_queue,
            daily_id.clone(),
        );
        self.ensure_calendar(client, &daily_id, self.daily_review, "*", daily)
            .await?;
        let monthly_id = names::monthly_summary_schedule_id(task_queue);
        let monthly = ScheduleAction::start_workflow(
            MonthlySummary::run,
            MonthlySummaryInput::default(),
            task_queue,
            monthly_id.clone(),
        );
        self.ensure_calendar(client, &monthly_id, self.monthly_summary, "1", monthly)
            .await
    }

    /// A schedule at `[review] hour` on `day_of_month` (`*` for every day) in the company's
    /// time zone: created, updated, or deleted when `wanted` is false.
    async fn ensure_calendar(
        &self,
        client: &Client,
        id: &str,
        wanted: bool,
        day_of_month: &str,
        action: ScheduleAction,
    ) -> anyhow::Result<()> {
        use temporalio_client::schedules::ScheduleCalendarSpec;
        let handle = client.get_schedule_handle(id.to_owned());
        if !wanted {
            if schedule_exists(&handle, id).await? {
                handle
                    .delete(Default::default())
                    .await
                    .with_context(|| format!("deleting {id}"))?;
            }
            return Ok(());
        }
        let spec = ScheduleSpec::builder()
            .calendars(vec![
                ScheduleCalendarSpec::builder()
                    .hour(self.review_hour.to_string())
                    .minute("0".to_owned())
                    .second("0".to_owned())
                    .day_of_month(day_of_month.to_owned())
                    .build(),
            ])
            .timezone_name(self.zone.clone())
            .build();
        upsert_schedule(
            client,
            id,
            spec,
            action,
            "chaser [review]".to_owned(),
            false,
        )
        .await
    }

    /// The reconciler's schedule, every `reconcile.interval`.
    async fn ensure_reconcile(&self, client: &Client) -> anyhow::Result<()> {
        use chaser_workflows::Reconcile;
        use chaser_workflows::contracts::ReconcileInput;
        let task_queue = &self.task_queue;
        let id = names::reconcile_schedule_id(task_queue);
        let action = ScheduleAction::start_workflow(
            Reconcile::run,
            ReconcileInput {},
            task_queue,
            id.clone(),
        );
        upsert_schedule(
            client,
            &id,
            ScheduleSpec::from_interval(self.reconcile_every),
            action,
            "chaser [reconcile]".to_owned(),
            false,
        )
        .await
    }
}

async fn schedule_exists(
    handle: &temporalio_client::schedules::ScheduleHandle<Client>,
    id: &str,
) -> anyhow::Result<bool> {
    match handle.describe(Default::default()).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(e).with_context(|| format!("reading the schedule {id}")),
    }
}

/// Creates the schedule `id` (running it at once when `trigger_now`), or brings an existing
/// one to `spec` and `action`; either way runs never overlap.
async fn upsert_schedule(
    client: &Client,
    id: &str,
    spec: ScheduleSpec,
    action: ScheduleAction,
    note: String,
    trigger_now: bool,
) -> anyhow::Result<()> {
    let handle = client.get_schedule_handle(id.to_owned());
    if schedule_exists(&handle, id).await? {
        handle
            .update(
                move |u| {
                    u.set_spec(spec)
                        .set_action(action)
                        .set_overlap_policy(ScheduleOverlapPolicy::Skip);
                },
                Default::default(),
            )
            .await
            .with_context(|| format!("updating the schedule {id}"))?;
    } else {
        let options = CreateScheduleOptions::builder()
            .action(action)
            .spec(spec)
            .overlap_policy(ScheduleOverlapPolicy::Skip)
            .trigger_immediately(trigger_now)
            .note(note)
            .build();
        client
            .create_schedule(id.to_owned(), options)
            .await
            .with_context(|| format!("creating the schedule {id}"))?;
        tracing::info!(schedule = %id, "schedule created");
    }
    Ok(())
}
