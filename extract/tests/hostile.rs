//! Hostile PDFs, read the way the worker reads them: through the isolated reader, a child
//! process (`chaser-read-document`) under memory, CPU and time limits. Each document of issue
//! 14 is refused with a clear reason, the test process never crashes, and every read is
//! bounded in time. The inputs committed under `fuzz/regressions/pdf_text/` run here too.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chaser_extract::reader::{Limits, ReadError, Reader};
use chaser_extract::{
    ExtractError, MAX_DRAWS, MAX_FORM_DEPTH, MAX_INFLATED_BYTES, MAX_MAPPED_CODES, MAX_PAGES,
    pdf_text,
};
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

fn reader(limits: Limits) -> Reader {
    Reader::new(env!("CARGO_BIN_EXE_chaser-read-document"), vec![], limits)
}

/// Reads `bytes` through the child with the default limits, within the wall-clock bound.
fn read(bytes: &[u8]) -> Result<String, ReadError> {
    let start = Instant::now();
    let result = reader(Limits::default())
        .read("hostile.pdf", bytes)
        .map(|content| content.text);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    result
}

fn refused(bytes: &[u8]) -> ExtractError {
    match read(bytes) {
        Err(ReadError::Document { file, reason }) => {
            assert_eq!(file, "hostile.pdf");
            // The in-process reader agrees (it runs the same checks first).
            assert_eq!(pdf_text(bytes).unwrap_err(), reason);
            reason
        }
        other => panic!("expected the document to be refused, got {other:?}"),
    }
}

fn encode(ops: Vec<Operation>) -> Vec<u8> {
    Content { operations: ops }.encode().unwrap()
}

fn text_ops(font: &str, text: &str) -> Vec<Operation> {
    vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec![font.into(), 11.into()]),
        Operation::new("Td", vec![50.into(), 700.into()]),
        Operation::new("Tj", vec![Object::string_literal(text)]),
        Operation::new("ET", vec![]),
    ]
}

fn helvetica() -> Dictionary {
    dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" }
}

/// A document of pages, each with `content` and `resources`, under one page-tree node.
struct Pdf {
    doc: Document,
    pages_id: ObjectId,
    kids: Vec<Object>,
}

impl Pdf {
    fn new() -> Pdf {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        Pdf {
            doc,
            pages_id,
            kids: vec![],
        }
    }

    fn page(&mut self, content: Vec<u8>, resources: Dictionary) -> ObjectId {
        let content_id = self.doc.add_object(Stream::new(dictionary! {}, content));
        let page = self.doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => self.pages_id,
            "Contents" => content_id,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        self.kids.push(page.into());
        page
    }

    fn finish(mut self, pages_extra: Dictionary) -> Vec<u8> {
        let mut pages = dictionary! {
            "Type" => "Pages",
            "Count" => i64::try_from(self.kids.len()).unwrap(),
            "Kids" => self.kids,
        };
        pages.extend(&pages_extra);
        self.doc
            .objects
            .insert(self.pages_id, Object::Dictionary(pages));
        let catalog = self
            .doc
            .add_object(dictionary! { "Type" => "Catalog", "Pages" => self.pages_id });
        self.doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        self.doc.save_to(&mut bytes).unwrap();
        bytes
    }
}

#[test]
fn a_plain_invoice_reads_through_the_child() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/documents");
    let acme = std::fs::read(dir.join("invoice-acme.pdf")).unwrap();
    let text = read(&acme).unwrap();
    assert!(text.contains("INV-2041"), "{text}");
    assert_eq!(text, pdf_text(&acme).unwrap());
    let scan = std::fs::read(dir.join("scan-no-text.pdf")).unwrap();
    assert!(matches!(
        read(&scan),
        Err(ReadError::Document {
            reason: ExtractError::NoText,
            ..
        })
    ));
}

#[test]
fn a_page_tree_that_points_back_to_itself_is_malformed() {
    let mut pdf = Pdf::new();
    let pages_id = pdf.pages_id;
    // The page inherits its resources: the lookup climbs /Parent, which loops.
    let page = pdf.page(encode(text_ops("F1", "hello")), dictionary! {});
    pdf.doc
        .get_dictionary_mut(page)
        .unwrap()
        .remove(b"Resources");
    let bytes = pdf.finish(dictionary! { "Parent" => pages_id });
    assert_eq!(
        refused(&bytes),
        ExtractError::Malformed("its page tree points back to itself (a /Parent cycle)".into())
    );
}

#[test]
fn a_form_that_draws_itself_is_malformed() {
    let mut pdf = Pdf::new();
    let form_id = pdf.doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()] },
        b"/X1 Do".to_vec(),
    ));
    pdf.page(
        b"/X1 Do".to_vec(),
        dictionary! { "XObject" => dictionary! { "X1" => form_id } },
    );
    let bytes = pdf.finish(dictionary! {});
    assert_eq!(
        refused(&bytes),
        ExtractError::Malformed("the form XObject /X1 draws itself".into())
    );
}

#[test]
fn forms_that_fan_out_or_nest_deep_are_over_the_limits() {
    // Each form draws the next twice: 2^13 draws from 13 objects, none deeper than 13.
    let mut pdf = Pdf::new();
    let mut next: Option<ObjectId> = None;
    for _ in 0..13 {
        let (content, resources) = match next {
            Some(id) => (
                b"/N Do /N Do".to_vec(),
                dictionary! { "XObject" => dictionary! { "N" => id } },
            ),
            None => (encode(text_ops("F1", "x")), dictionary! {}),
        };
        next = Some(pdf.doc.add_object(Stream::new(
            dictionary! { "Subtype" => "Form", "Resources" => resources },
            content,
        )));
    }
    pdf.page(
        b"/N Do".to_vec(),
        dictionary! { "XObject" => dictionary! { "N" => next.unwrap() } },
    );
    assert_eq!(
        refused(&pdf.finish(dictionary! {})).to_string(),
        format!(
            "the PDF draws more than {MAX_DRAWS} XObjects, over the limit of {MAX_DRAWS} XObjects drawn: the chaser does not read it; export the invoice again from the accounting tool, on its own"
        )
    );

    let mut pdf = Pdf::new();
    let mut next: Option<ObjectId> = None;
    for _ in 0..=MAX_FORM_DEPTH {
        let resources = match next {
            Some(id) => dictionary! { "XObject" => dictionary! { "N" => id } },
            None => dictionary! {},
        };
        next = Some(pdf.doc.add_object(Stream::new(
            dictionary! { "Subtype" => "Form", "Resources" => resources },
            b"/N Do".to_vec(),
        )));
    }
    pdf.page(
        b"/N Do".to_vec(),
        dictionary! { "XObject" => dictionary! { "N" => next.unwrap() } },
    );
    assert!(matches!(
        refused(&pdf.finish(dictionary! {})),
        ExtractError::OverLimit { limit, .. } if limit == format!("forms {MAX_FORM_DEPTH} deep")
    ));
}

#[test]
fn a_cmap_range_of_2_to_the_32_codes_is_over_the_limit() {
    let mut pdf = Pdf::new();
    let cmap = pdf.doc.add_object(Stream::new(
        dictionary! {},
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange <00000000> <ffffffff> endcodespacerange\n1 beginbfrange\n<00000000> <ffffffff> <0041>\nendbfrange\nendcmap end end".to_vec(),
    ));
    let mut font = helvetica();
    font.set("ToUnicode", cmap);
    pdf.page(
        encode(text_ops("F1", "hello")),
        dictionary! { "Font" => dictionary! { "F1" => font } },
    );
    let err = refused(&pdf.finish(dictionary! {}));
    assert_eq!(
        err,
        ExtractError::OverLimit {
            found: "font /F1 maps 4294967296 character codes".into(),
            limit: format!("{MAX_MAPPED_CODES} codes a font"),
        }
    );
}

#[test]
fn a_cid_width_range_of_billions_is_over_the_limit() {
    let mut pdf = Pdf::new();
    let cid = dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "X",
        "W" => vec![0.into(), 4_000_000_000i64.into(), 500.into()],
    };
    let font = dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "X",
        "Encoding" => "Identity-H", "DescendantFonts" => vec![Object::Dictionary(cid)],
    };
    pdf.page(
        encode(text_ops("F1", "hi")),
        dictionary! { "Font" => dictionary! { "F1" => font } },
    );
    assert!(matches!(
        refused(&pdf.finish(dictionary! {})),
        ExtractError::OverLimit { found, .. } if found == "font /F1 maps 4000000000 character codes"
    ));
}

#[test]
fn a_1_mb_stream_that_inflates_to_1_gib_is_refused_before_it_inflates() {
    // 1 GiB of spaces (valid content: nothing to draw) deflates to about 1 MB.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..1024 {
        z.write_all(&chunk).unwrap();
    }
    let bomb = z.finish().unwrap();
    assert!(bomb.len() < 1_100_000, "{} bytes", bomb.len());
    let mut pdf = Pdf::new();
    let page = pdf.page(vec![], dictionary! {});
    let content = pdf
        .doc
        .get_dictionary(page)
        .unwrap()
        .get(b"Contents")
        .unwrap()
        .as_reference()
        .unwrap();
    pdf.doc.objects.insert(
        content,
        Object::Stream(
            Stream::new(dictionary! { "Filter" => "FlateDecode" }, bomb).with_compression(false),
        ),
    );
    let err = refused(&pdf.finish(dictionary! {}));
    assert_eq!(
        err,
        ExtractError::OverLimit {
            found: format!("inflates to more than {MAX_INFLATED_BYTES} bytes of streams"),
            limit: "32 MiB inflated".into(),
        }
    );
}

#[test]
fn more_pages_than_the_limit_are_refused() {
    let mut pdf = Pdf::new();
    let font = pdf.doc.add_object(helvetica());
    for _ in 0..=MAX_PAGES {
        pdf.page(
            encode(text_ops("F1", "page")),
            dictionary! { "Font" => dictionary! { "F1" => font } },
        );
    }
    assert!(matches!(
        refused(&pdf.finish(dictionary! {})),
        ExtractError::OverLimit { limit, .. } if limit == format!("{MAX_PAGES} pages")
    ));
}

#[test]
fn a_child_that_runs_out_of_memory_or_time_is_a_stopped_reader_not_a_crash() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/documents");
    let acme = std::fs::read(dir.join("invoice-acme.pdf")).unwrap();
    // 13 MB of text content: parsed, it needs far more than 32 MiB, so an allocation fails and
    // the child aborts, as it would on a stack overflow.
    let mut pdf = Pdf::new();
    pdf.page(
        b"BT /F1 9 Tf 50 700 Td (x) Tj ET\n".repeat(400_000),
        dictionary! { "Font" => dictionary! { "F1" => helvetica() } },
    );
    let big = pdf.finish(dictionary! {});
    let tight = Limits {
        memory_bytes: 32 * 1024 * 1024,
        ..Limits::default()
    };
    match reader(tight).read("big.pdf", &big) {
        Err(ReadError::Document {
            reason: ExtractError::ReaderStopped(why),
            ..
        }) => assert!(why.contains("ran out of its 32 MiB of memory"), "{why}"),
        other => panic!("{other:?}"),
    }
    // A child that never answers (here `sleep`, which ignores its input) is killed at the
    // wall-clock limit.
    let hurried = Limits {
        wall: Duration::from_millis(200),
        ..Limits::default()
    };
    let start = Instant::now();
    let stuck = Reader::new("sleep", vec!["30".into()], hurried);
    assert_eq!(
        stuck.read("acme.pdf", &acme),
        Err(ReadError::Document {
            file: "acme.pdf".into(),
            reason: ExtractError::ReaderStopped("it ran over its 200ms limit".into()),
        })
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    let short = Limits {
        max_text_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        reader(short).read("acme.pdf", &acme),
        Err(ReadError::Document {
            reason: ExtractError::OverLimit { .. },
            ..
        })
    ));
}

#[test]
fn a_reader_that_cannot_start_is_worth_a_retry() {
    let missing = Reader::new("/nonexistent/chaser", vec![], Limits::default());
    let err = missing.read("a.pdf", b"%PDF-1.4\n").unwrap_err();
    assert!(matches!(err, ReadError::Reader { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("a.pdf: the PDF reader could not run: cannot start")
    );
    // Not a PDF at all: refused before any child starts.
    assert_eq!(
        missing.read("a.pdf", b"<html>").unwrap_err(),
        ReadError::Document {
            file: "a.pdf".into(),
            reason: ExtractError::NotPdf
        }
    );
}

#[test]
fn fuzz_regressions_of_the_pdf_reader_are_refused_or_read() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/pdf_text");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        // Through the child only: these are inputs that took the in-process reader down.
        match read(&bytes) {
            Ok(text) => assert!(text.chars().any(char::is_alphanumeric)),
            Err(ReadError::Document { .. }) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

#[test]
fn fuzz_regressions_of_inbound_mail_are_answered() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/inbound_mime");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let start = Instant::now();
        if let Ok(message) = chaser_extract::read_message(&bytes) {
            assert!(!message.documents.is_empty());
            // Decoding only shrinks: an attachment larger than its message was converted.
            assert!(
                message
                    .documents
                    .iter()
                    .all(|d| d.bytes.len() <= bytes.len())
            );
        }
        assert!(start.elapsed() < Duration::from_secs(10));
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}
