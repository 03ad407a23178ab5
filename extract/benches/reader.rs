//! The forwarded-PDF reader over the generated corpus (`tests/generate/corpus.rs`: seven
//! languages, eight layouts): its field-level accuracy, printed once, and its time per page,
//! in process (text and positions, then the fields), the fields alone, and through the
//! isolated reader (a child process per document, as the worker reads them). `cargo bench -p chaser-extract --bench
//! reader`; the figures go to BENCHMARKS.md.
// The corpus generator is test code, which unwraps.
#![allow(clippy::unwrap_used)]

#[path = "../tests/generate/corpus.rs"]
mod corpus;

use std::hint::black_box;

use chaser_extract::reader::{Limits, Reader};
use chaser_extract::{pdf_read, read_invoice, validate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn reader(c: &mut Criterion) {
    let samples = corpus::corpus();
    let score = corpus::score(&samples, |sample| {
        let content =
            pdf_read(&sample.pdf).unwrap_or_else(|e| panic!("{}: {e}", sample.invoice.name));
        let proposal = read_invoice(&content.text, &content.layout, &[]);
        let checked = validate(&proposal, None);
        (proposal, checked)
    });
    eprintln!("\nfield-level accuracy over the corpus: {score}");

    let isolated = Reader::new(
        env!("CARGO_BIN_EXE_chaser-read-document"),
        vec![],
        Limits::default(),
    );
    let mut group = c.benchmark_group("reader");
    // Every invoice of the corpus is one page: elements are pages.
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.sample_size(20);
    group.bench_function("in process: text, positions, fields", |b| {
        b.iter(|| {
            for sample in &samples {
                if let Ok(content) = pdf_read(black_box(&sample.pdf)) {
                    black_box(read_invoice(&content.text, &content.layout, &[]));
                }
            }
        })
    });
    let read: Vec<_> = samples
        .iter()
        .filter_map(|sample| pdf_read(&sample.pdf).ok())
        .collect();
    group.bench_function("fields only, from text and positions", |b| {
        b.iter(|| {
            for content in &read {
                black_box(read_invoice(
                    black_box(&content.text),
                    black_box(&content.layout),
                    &[],
                ));
            }
        })
    });
    group.sample_size(10);
    group.bench_function("isolated reader child, then fields", |b| {
        b.iter(|| {
            for sample in &samples {
                if let Ok(content) = isolated.read(sample.invoice.name, black_box(&sample.pdf)) {
                    black_box(read_invoice(&content.text, &content.layout, &[]));
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, reader);
criterion_main!(benches);
