//! The scheduled sync's activity: fetch a `[[sync]]` source's export, read it, and apply it
//! through the sheet lane ([`crate::sheet::apply`]), which diffs it against the source's last
//! snapshot. It lives here, not in `chaser-activities`, because applying means starting and
//! signalling chases, which is what [`Chaser`] does.

use std::collections::BTreeMap;
use std::sync::Arc;

use chaser_activities::fetch::{FetchError, Fetcher, Location};
use chaser_activities::store::NewReviewItem;
use chaser_intake as intake;
use chaser_workflows::contracts::{SheetSyncInput, SheetSyncOutcome};
use chaser_workflows::names;
use chaser_workflows::sheet_sync::activity_defs;
use jiff::Timestamp;
use serde_json::json;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::sheet;
use crate::{AppError, Chaser};

/// One `[[sync]]` source, resolved from the config.
#[derive(Debug, Clone)]
pub struct SyncSource {
    pub name: String,
    pub location: Location,
    pub options: intake::Options,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("there is no [[sync]] source named `{0}` in the config")]
    UnknownSource(String),
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Unreadable(#[from] intake::FileError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl SyncError {
    fn is_permanent(&self) -> bool {
        match self {
            SyncError::UnknownSource(_) | SyncError::Unreadable(_) => true,
            SyncError::Fetch(e) => e.is_permanent(),
            SyncError::App(_) => false,
        }
    }
}

pub struct SheetSyncer {
    chaser: Arc<Chaser>,
    fetcher: Fetcher,
    sources: BTreeMap<String, SyncSource>,
}

impl SheetSyncer {
    pub fn new(chaser: Arc<Chaser>, fetcher: Fetcher, sources: Vec<SyncSource>) -> SheetSyncer {
        let sources = sources.into_iter().map(|s| (s.name.clone(), s)).collect();
        SheetSyncer {
            chaser,
            fetcher,
            sources,
        }
    }

    /// One run: fetch, read, apply. A source that cannot be fetched or read is put in the
    /// owner's review queue (once while it stays broken) and the run fails.
    pub async fn sync(&self, source: &str) -> Result<SheetSyncOutcome, SyncError> {
        let Some(config) = self.sources.get(source) else {
            return Err(SyncError::UnknownSource(source.to_owned()));
        };
        match self.read(config).await {
            Ok(export) => {
                let by = format!("sync:{source}");
                let report = sheet::apply(&self.chaser, Some(source), &export, &by).await?;
                tracing::info!(source, counts = %report.counts(), "sheet sync applied");
                Ok(SheetSyncOutcome {
                    source: source.to_owned(),
                    location: config.location.to_string(),
                    preset: export.preset.to_string(),
                    counts: report.counts(),
                    problems: report.problems,
                    flagged: report.flagged,
                })
            }
            Err(error) => {
                if error.is_permanent() {
                    self.flag_broken(config, &error).await?;
                }
                Err(error)
            }
        }
    }

    async fn read(&self, config: &SyncSource) -> Result<intake::Export, SyncError> {
        let bytes = self.fetcher.fetch(&config.location).await?;
        let name = config.location.file_name();
        Ok(intake::read_export(&bytes, &name, &config.options)?)
    }

    async fn flag_broken(&self, config: &SyncSource, error: &SyncError) -> Result<(), AppError> {
        let kind = crate::review_queue::kind::SYNC_FAILED;
        let item = NewReviewItem {
            kind: kind.to_owned(),
            dedup_key: format!("{kind}/{}", config.name),
            invoice: None,
            summary: format!(
                "the `{}` sync cannot read {}: {error}. Nothing was changed.",
                config.name, config.location
            ),
            detail: json!({ "source": config.name, "location": config.location.to_string() }),
        };
        self.chaser
            .store()
            .flag_for_review(&item, Timestamp::now())
            .await?;
        Ok(())
    }
}

#[activities]
impl SheetSyncer {
    #[activity(definition = activity_defs::SyncSheet)]
    pub async fn sync_sheet(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: SheetSyncInput,
    ) -> Result<SheetSyncOutcome, ActivityError> {
        self.sync(&input.source).await.map_err(|error| {
            let failure = if error.is_permanent() {
                ApplicationFailure::builder(error.to_string())
                    .type_name(names::failure::SOURCE_UNUSABLE.to_owned())
                    .non_retryable(true)
                    .build()
            } else {
                ApplicationFailure::builder(error.to_string()).build()
            };
            ActivityError::application(failure)
        })
    }
}
