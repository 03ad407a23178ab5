//! The forwarded-PDF lane end to end on the committed fixtures.
#![allow(clippy::unwrap_used)]

mod generate;

use std::path::PathBuf;

use chaser_extract::{
    Document, ExtractError, ProposalSource, documents_from_file, documents_from_mime, pdf_text,
    proposal_from_model_json, propose_from_text, read_message, validate,
};
use jiff::civil::date;
use proptest::prelude::*;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/documents")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap()
}

#[test]
fn committed_fixtures_match_their_generator() {
    let dir = fixture_dir();
    let regenerate = std::env::var_os("REGENERATE_FIXTURES").is_some();
    for (name, bytes) in generate::fixtures() {
        if regenerate {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), &bytes).unwrap();
        }
        assert!(
            fixture(name) == bytes,
            "{name} differs from its generator: run REGENERATE_FIXTURES=1 cargo test -p chaser-extract"
        );
    }
}

#[test]
fn the_invoice_pdf_is_read_proposed_and_validated() {
    let text = pdf_text(&fixture("invoice-acme.pdf")).unwrap();
    assert!(
        text.contains("INV-2041") && text.contains("1,250.00"),
        "{text}"
    );

    let p = propose_from_text(&text);
    assert_eq!(p.source, ProposalSource::Rules);
    assert_eq!(p.number.as_deref(), Some("INV-2041"));
    assert_eq!(p.customer_name.as_deref(), Some("Acme Ltd"));
    assert_eq!(p.contact_email.as_deref(), Some("ap@acme.example"));
    // Settled values are written plainly; the evidence keeps them as printed.
    assert_eq!(p.amount.as_deref(), Some("1250.00"));
    assert_eq!(p.currency.as_deref(), Some("USD"));
    assert_eq!(p.issue_date.as_deref(), Some("2026-11-02"));
    assert_eq!(p.due_date.as_deref(), Some("2026-12-02"));
    assert_eq!(p.terms.as_deref(), Some("Net 30"));
    let items: Vec<_> = p
        .line_items
        .iter()
        .map(|l| (l.description.as_str(), l.amount.as_str()))
        .collect();
    assert_eq!(
        items,
        [
            ("Brand identity workshop", "750.00"),
            ("Website design, 5 pages", "500.00")
        ]
    );

    let v = validate(&p, None);
    assert_eq!(v.problems, []);
    assert_eq!(v.warnings, []);
    assert_eq!(v.amount.unwrap().to_string(), "USD 1250.00");
    assert_eq!(v.number.unwrap().as_str(), "INV-2041");
    assert_eq!(v.contact_email.unwrap().as_str(), "ap@acme.example");
    assert_eq!(v.issue_date, Some(date(2026, 11, 2)));
    assert_eq!(v.due_date, Some(date(2026, 12, 2)));
    assert_eq!(v.terms, Some(chaser_domain::Terms::Net(30)));
}

#[test]
fn a_total_that_disagrees_with_the_line_items_is_a_warning() {
    let text = pdf_text(&fixture("invoice-mismatch.pdf")).unwrap();
    let v = validate(&propose_from_text(&text), None);
    assert_eq!(v.problems, []);
    let messages: Vec<_> = v
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.field, w.message))
        .collect();
    assert_eq!(
        messages,
        [
            "due_date: not printed: worked out as 2026-12-04 from terms net-14 and the invoice date; check it",
            "amount: total 1,200.00 but line items add up to 1,100.00: check the total before chasing",
        ]
    );
    assert_eq!(v.amount.unwrap().to_string(), "GBP 1200.00");
    assert_eq!(v.customer_name.as_deref(), Some("Brightside Cafe"));
}

#[test]
fn a_scan_has_no_text_and_the_error_points_to_textract() {
    let err = pdf_text(&fixture("scan-no-text.pdf")).unwrap_err();
    assert_eq!(err, ExtractError::NoText);
    assert!(err.to_string().contains("probably a scan"));
    assert!(err.to_string().contains("Textract"));
}

#[test]
fn the_forwarded_email_yields_its_sender_subject_and_the_pdf() {
    let message = read_message(&fixture("forwarded.eml")).unwrap();
    assert_eq!(message.from.as_deref(), Some("owner@example.com"));
    assert_eq!(message.subject.as_deref(), Some("Fwd: Invoice INV-2041"));
    assert_eq!(
        message.documents,
        [Document {
            filename: "invoice-acme.pdf".to_owned(),
            bytes: fixture("invoice-acme.pdf"),
        }]
    );
    let by_name = documents_from_file("forwarded.eml", &fixture("forwarded.eml")).unwrap();
    assert_eq!(by_name, message.documents);
    let pdf = documents_from_file("scans/invoice-acme.PDF", &fixture("invoice-acme.pdf")).unwrap();
    assert_eq!(pdf[0].filename, "invoice-acme.PDF");
    assert_eq!(
        documents_from_file("invoice.docx", b"PK")
            .unwrap_err()
            .to_string(),
        "`invoice.docx` is neither a .pdf nor an .eml file: pass the invoice PDF or the saved e-mail"
    );
}

#[test]
fn an_attachment_is_a_pdf_by_type_or_by_name_and_none_is_a_clear_error() {
    let mail = |parts: &str| {
        format!(
            "From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain\r\n\r\nhello\r\n{parts}--b--\r\n"
        )
    };
    let part = |ctype: &str, name: &str| {
        format!(
            "--b\r\nContent-Type: {ctype}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        )
    };
    let docs = documents_from_mime(
        mail(&(part("application/octet-stream", "a.pdf") + &part("application/pdf", "b.bin")))
            .as_bytes(),
    )
    .unwrap();
    let names: Vec<_> = docs.iter().map(|d| d.filename.as_str()).collect();
    assert_eq!(names, ["a.pdf", "b.bin"]);
    assert_eq!(docs[0].bytes, b"%PDF-1.4\n");

    let err = documents_from_mime(mail(&part("image/png", "logo.png")).as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the message has no PDF attachment (found logo.png): forward the e-mail with the invoice attached as a PDF"
    );
    assert_eq!(
        documents_from_mime(mail("").as_bytes()).unwrap_err(),
        ExtractError::NoPdfAttachment { found: vec![] }
    );
    assert_eq!(documents_from_mime(b"").unwrap_err(), ExtractError::Empty);
}

#[test]
fn a_pdf_attachment_read_as_text_keeps_its_bytes() {
    // mail-parser takes a part without a content type, or with a `text/*` one, for text and
    // converts it to UTF-8; the PDF must come out as the sender's bytes all the same.
    let pdf: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n\xff\xfe\n%%EOF\n";
    let head = "From: a@example.com\r\nSubject: x\r\nContent-Disposition: attachment; filename=\"inv.pdf\"\r\n";
    let untyped = [format!("{head}\r\n").as_bytes(), pdf].concat();
    let latin1 = [
        format!("{head}Content-Type: text/plain; charset=iso-8859-1\r\n\r\n").as_bytes(),
        pdf,
    ]
    .concat();
    let base64 = format!(
        "{head}Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJeLjz9MK\r\n//4KJSVFT0YK\r\n"
    );
    for raw in [untyped, latin1, base64.into_bytes()] {
        let docs = documents_from_mime(&raw).unwrap();
        assert_eq!(
            docs,
            [Document {
                filename: "inv.pdf".to_owned(),
                bytes: pdf.to_vec(),
            }],
            "{}",
            String::from_utf8_lossy(&raw)
        );
    }
}

#[test]
fn model_json_is_read_plain_fenced_or_after_prose() {
    let json = r#"{"number":"INV-2041","customer_name":"Acme Ltd","contact_email":null,
        "amount":"1,250.00","currency":"USD","issue_date":"2026-11-02","due_date":null,
        "terms":"Net 30","line_items":[{"description":"Work","amount":"1,250.00"}]}"#;
    for answer in [
        json.to_owned(),
        format!("```json\n{json}\n```"),
        format!("Here is the invoice {{as asked}}:\n{json}\nAnything else?"),
    ] {
        let p = proposal_from_model_json(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
        assert_eq!(p.number.as_deref(), Some("INV-2041"));
        assert_eq!(p.source, ProposalSource::Model);
        assert_eq!(p.line_items.len(), 1);
    }
    let partial = proposal_from_model_json(r#"{"number":"7","extra":1}"#).unwrap();
    assert_eq!(partial.amount, None);
}

#[test]
fn model_json_of_the_wrong_type_names_the_field() {
    let err = proposal_from_model_json(r#"{"number":"INV-1","amount":1250.0}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the model's answer, field `amount`: invalid type: floating point `1250.0`, expected a string"
    );
    let err =
        proposal_from_model_json(r#"{"line_items":[{"description":"x","amount":5}]}"#).unwrap_err();
    assert!(
        err.to_string().contains("field `line_items[0].amount`"),
        "{err}"
    );
    assert_eq!(
        proposal_from_model_json("I could not read it.").unwrap_err(),
        ExtractError::NoJson
    );
}

#[test]
fn validation_collects_every_problem_at_once() {
    let p = proposal_from_model_json(
        r#"{"number":"  ","contact_email":"not an email","amount":"1.250",
            "currency":"USD","issue_date":"03/04/2026","due_date":"2026-02-30"}"#,
    )
    .unwrap();
    let v = validate(&p, None);
    let fields: Vec<_> = v.problems.iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        [
            "number",
            "customer_name",
            "contact_email",
            "amount",
            "issue_date",
            "due_date"
        ]
    );
    assert_eq!(
        v.problems[4].message,
        "`03/04/2026` could be 3 April 2026 or 4 March 2026: confirm which"
    );
    assert!(!v.is_complete());
}

#[test]
fn a_date_that_reads_one_way_settles_the_other_and_the_default_currency_applies() {
    let p = proposal_from_model_json(
        r#"{"number":"7","customer_name":"Globex","amount":"$1,000.00",
            "issue_date":"03/04/2026","due_date":"03/25/2026"}"#,
    )
    .unwrap();
    let v = validate(&p, Some("USD"));
    assert_eq!(v.issue_date, Some(date(2026, 3, 4)));
    assert_eq!(v.due_date, Some(date(2026, 3, 25)));
    assert_eq!(v.problems, []);
    assert_eq!(v.amount.unwrap().to_string(), "USD 1000.00");
    let v = validate(&p, None);
    assert!(v.problems.iter().any(|p| p.field == "currency"));
    let v = validate(&p, Some("EUR"));
    assert!(
        v.problems.iter().any(|p| p.field == "amount"),
        "$ is not a euro sign"
    );
}

#[test]
fn hostile_pdfs_are_refused_with_what_to_do() {
    let acme = fixture("invoice-acme.pdf");
    let truncated = pdf_text(&acme[..acme.len() / 2]).unwrap_err();
    assert!(
        matches!(
            truncated,
            ExtractError::Unreadable(_) | ExtractError::NoText
        ),
        "{truncated:?}"
    );
    assert_eq!(pdf_text(b"").unwrap_err(), ExtractError::Empty);
    assert_eq!(
        pdf_text(b"<html>invoice</html>").unwrap_err(),
        ExtractError::NotPdf
    );
    let huge = vec![b' '; chaser_extract::MAX_DOCUMENT_BYTES + 1];
    assert_eq!(
        pdf_text(&huge).unwrap_err().to_string(),
        "the file is 21 MB, over the 20 MB limit: send the invoice on its own, or compress it"
    );
    // An object that declares a stream far longer than the file.
    let lying = b"%PDF-1.4\n1 0 obj\n<< /Length 99999999999 >>\nstream\nabc\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF";
    assert!(pdf_text(lying).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = pdf_text(&bytes);
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend_from_slice(&bytes);
        let _ = pdf_text(&pdf);
        let _ = documents_from_mime(&bytes);
        let _ = documents_from_file("x.eml", &bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = validate(&propose_from_text(&text), Some("USD"));
        let _ = proposal_from_model_json(&text);
    }

    #[test]
    fn mangled_invoices_never_panic(cut in 0usize..1637, flip in any::<u8>()) {
        let mut acme = fixture("invoice-acme.pdf");
        acme.truncate(cut.max(8));
        if let Some(b) = acme.last_mut() {
            *b ^= flip;
        }
        let _ = pdf_text(&acme);
    }
}
