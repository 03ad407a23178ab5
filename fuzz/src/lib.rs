//! What every fuzz target shares: the memory budget, the panic policy, and the layouts that
//! split one fuzz input into the several values an outside request carries.
//!
//! The budget: `cap` counts the Rust heap, and [`setup`] limits it to 256 MiB, so one input
//! that allocates past it fails its allocation and aborts the run with that input saved (the
//! promise of RELIABILITY.md is "at most 256 MB for any input within the limits").
//!
//! The panic policy: libFuzzer-sys aborts on every panic, even one the code catches. The PDF
//! reader and calamine run under `catch_unwind` in production on purpose (their panics become
//! "unreadable"), so [`setup`] lets a panic raised inside those crates unwind to that catch and
//! counts it; any other panic still aborts. A contained panic that escaped its catch would
//! still abort, through libFuzzer-sys's own `catch_unwind` around the target.

use std::alloc::System;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use cap::Cap;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// What the Rust heap may hold at once while an input is read.
pub const MEMORY_BUDGET: usize = 256 * 1024 * 1024;

/// Panics raised inside a contained crate and caught by the code, since the run started.
pub static CONTAINED_PANICS: AtomicU64 = AtomicU64::new(0);

/// Installs the memory budget and the panic policy; `contained` names the crates (as their
/// source paths spell them, e.g. `calamine-`) whose panics production code catches.
pub fn setup(contained: &'static [&'static str]) {
    ALLOCATOR
        .set_limit(ALLOCATOR.allocated() + MEMORY_BUDGET)
        .unwrap_or_else(|()| std::process::abort());
    let abort_on_panic = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let inside = info.location().is_some_and(|at| {
            contained
                .iter()
                .any(|krate| at.file().contains(&format!("/{krate}")))
        });
        if inside {
            CONTAINED_PANICS.fetch_add(1, Ordering::Relaxed);
        } else {
            abort_on_panic(info);
        }
    }));
}

/// A webhook request as one input: the signature header's value on the first line, the body
/// after it.
pub fn header_and_body(data: &[u8]) -> (String, &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(at) => (String::from_utf8_lossy(&data[..at]).into_owned(), &data[at + 1..]),
        None => (String::from_utf8_lossy(data).into_owned(), &[][..]),
    }
}

/// A workbook around `sheet_data` (the inside of `<worksheet>`) and an optional shared-strings
/// part, with only the parts calamine needs: the fuzzer then mutates the XML that matters
/// rather than the zip container around it.
pub fn workbook(sheet_data: &[u8], shared_strings: Option<&[u8]>) -> Vec<u8> {
    const NS: &str = "http://schemas.openxmlformats.org";
    let fixed = [
        (
            "[Content_Types].xml",
            format!(
                r#"<Types xmlns="{NS}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
        ),
    ];
    let mut out = Vec::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
    // Stored, not deflated: building the input should cost the fuzzer nothing.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut sheet = format!(r#"<worksheet xmlns="{NS}/spreadsheetml/2006/main">"#).into_bytes();
    sheet.extend_from_slice(sheet_data);
    sheet.extend_from_slice(b"</worksheet>");
    let mut parts: Vec<(&str, &[u8])> = fixed.iter().map(|(n, b)| (*n, b.as_bytes())).collect();
    parts.push(("xl/worksheets/sheet1.xml", &sheet));
    if let Some(strings) = shared_strings {
        parts.push(("xl/sharedStrings.xml", strings));
    }
    for (name, body) in parts {
        // Writing to a Vec cannot fail.
        let _ = zip.start_file(name, options);
        let _ = zip.write_all(body);
    }
    let _ = zip.finish();
    out
}
