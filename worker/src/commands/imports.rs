//! What comes in: exports (`import`, `suggest-mapping`), bank statements (`payments`), forwarded invoices (`inbound`, `proposals`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chaser_app::sheet;
use chaser_intake::{self as intake, DateFormat, PresetName};

use super::chaser;
use crate::context::Context;

/// How `chaser import` reads a file.
pub struct ImportArgs<'a> {
    pub file: &'a Path,
    pub preset: Option<PresetName>,
    pub date_format: Option<DateFormat>,
    pub source: Option<&'a str>,
    pub dry_run: bool,
}

/// Reads an export, with a progress bar on big files when stderr is a terminal.
fn read_with_progress(
    bytes: &[u8],
    name: &str,
    options: &intake::Options,
) -> anyhow::Result<intake::Export> {
    let bar = indicatif::ProgressBar::hidden();
    let mut progress = |done: usize, total: usize| {
        if done == 1 && total >= 5_000 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            bar.set_message("rows read");
        }
        bar.set_position(done as u64);
    };
    let export = intake::read_export_with_progress(bytes, name, options, &mut progress)?;
    bar.finish_and_clear();
    Ok(export)
}

pub async fn import(app: &Context, args: ImportArgs<'_>, by: &str) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let bytes = std::fs::read(args.file).with_context(|| format!("cannot read {name}"))?;
    let options = app.config.intake_options(args.preset, args.date_format)?;
    let export = read_with_progress(&bytes, &name, &options)?;
    eprintln!(
        "{name}: read as {} ({} invoices)",
        export.layout,
        export.rows.len()
    );
    if !export.unmapped_columns.is_empty() {
        eprintln!("  ignored columns: {}", export.unmapped_columns.join(", "));
    }
    let chaser = chaser(app);
    if args.dry_run {
        let preview = sheet::preview(&chaser, args.source, &export).await?;
        print_preview(&name, args.source, &preview);
        return Ok(if preview.has_rejected() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let report = sheet::apply(&chaser, args.source, &export, by).await?;
    println!("{name}: {}", report.counts());
    for p in &report.problems {
        println!("  {p}");
    }
    for p in &report.pending {
        println!("  pending: {p}");
    }
    for f in &report.flagged {
        println!("  flagged for review: {f}");
    }
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A dry run's answer: the counts, then every line of the file with its state after the
/// import, then what vanished from a named source.
fn print_preview(name: &str, source: Option<&str>, preview: &sheet::Preview) {
    println!("{name} (dry run, nothing changed): {}", preview.counts());
    for line in &preview.lines {
        println!("  {line}");
    }
    for v in &preview.vanished {
        println!(
            "  vanished: {} · {} · {}: open in the last `{}` export and missing from this one; would be flagged for review, not closed",
            v.invoice.number,
            v.invoice.customer.name,
            v.invoice.balance.grouped(),
            source.unwrap_or_default()
        );
    }
}

/// `chaser import FILE --suggest-mapping`: an `[intake.custom]` block for the file, from the
/// file alone (no store, no Temporal).
pub fn suggest_mapping(
    config: &crate::config::Config,
    file: &Path,
    date_format: Option<DateFormat>,
) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let options = intake::Options {
        date_format: date_format.or(config.intake.date_format),
        ..intake::Options::default()
    };
    print!("{}", intake::suggest_mapping(&bytes, &name, &options)?);
    Ok(ExitCode::SUCCESS)
}

pub async fn inbound(app: &Context, file: &Path, by: &str) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let handed = chaser_api::inbound::hand_in(&chaser(app), &name, &bytes, by)
        .await
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    for doc in &handed {
        if doc.started {
            println!(
                "{}: document {} received; the owner gets an approval link (see `chaser proposals`)",
                doc.filename, doc.document_id
            );
        } else {
            println!(
                "{}: document {} was handed in before; nothing new started",
                doc.filename, doc.document_id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn proposals(app: &Context, all: bool, json: bool) -> anyhow::Result<ExitCode> {
    let documents = app.store.documents(all).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&documents)?);
        return Ok(ExitCode::SUCCESS);
    }
    if documents.is_empty() {
        println!("no documents awaiting approval");
    }
    for d in &documents {
        let p = d.proposal.clone().unwrap_or_default();
        let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        println!(
            "{}  {:<9} {}  {} · {} · {} {} · due {}",
            d.id,
            d.state,
            d.filename,
            field(&p.number),
            field(&p.customer_name),
            field(&p.currency),
            field(&p.amount),
            field(&p.due_date)
        );
        for problem in &d.problems {
            println!("    to fix: {problem}");
        }
        for warning in &d.warnings {
            println!("    note:   {warning}");
        }
        // Where each value was read: label, place, page position, confidence.
        for evidence in &p.evidence {
            println!("    read:   {}: {evidence}", evidence.field);
        }
        if let Some(issuer) = &p.template {
            println!("    read with the template learned for {issuer}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn decide_proposal(
    app: &Context,
    id: &str,
    approve: bool,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let Some(doc) = app
        .store
        .documents(true)
        .await?
        .into_iter()
        .find(|d| d.id.starts_with(id) && !id.is_empty())
    else {
        anyhow::bail!("there is no document {id} (see `chaser proposals --all`)");
    };
    anyhow::ensure!(
        doc.is_open(),
        "document {} was {} already",
        doc.id,
        doc.state
    );
    if approve {
        anyhow::ensure!(
            doc.problems.is_empty(),
            "document {} cannot be approved as read:\n  {}\nCorrect the fields on the approval page the owner was e-mailed",
            doc.id,
            doc.problems.join("\n  ")
        );
    }
    app.store.set_document_decider(&doc.id, by).await?;
    chaser(app).decide_proposal(&doc.id, approve, by).await?;
    println!(
        "document {}: {}",
        doc.id,
        if approve {
            "approved; the chase starts"
        } else {
            "rejected"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn payments(
    app: &Context,
    file: &Path,
    date_format: Option<DateFormat>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let options = intake::StatementOptions {
        date_format: date_format.or(app.config.intake.date_format),
        default_currency: app.config.default_currency()?,
    };
    let statement = intake::read_statement(&name, &bytes, &options)?;
    let report = chaser_app::payments::apply(&chaser(app), &statement.payments, &name, by).await?;
    println!(
        "{name}: {} payments, {} debits skipped: {}",
        statement.payments.len(),
        statement.debits,
        report.counts()
    );
    for a in &report.applied {
        println!("  applied   {a}");
    }
    for p in &report.pending {
        println!("  pending   {p}");
    }
    for f in &report.flagged {
        println!("  review    {f}");
    }
    for p in report.problems.iter().chain(
        statement
            .rejected
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .iter(),
    ) {
        println!("  problem   {p}");
    }
    Ok(
        if report.problems.is_empty() && statement.rejected.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
