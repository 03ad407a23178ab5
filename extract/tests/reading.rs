//! The reader on its corpus (issue 22): invoices in seven languages and eight layouts, read
//! from their PDFs field by field, with the score per field reported and held at 100%; the
//! same invoices read from Textract-style line boxes; a correction that teaches a template
//! after which the next invoice of the issuer reads fully right; a currency nothing settles,
//! flagged and never defaulted silently; and a model's answer given the same flags.
#![allow(clippy::unwrap_used)]

#[path = "generate/corpus.rs"]
mod corpus;

use chaser_extract::reader::{Limits, Reader};
use chaser_extract::{
    Confidence, Field, FlagKind, Layout, Origin, Place, Proposal, Template, TextRun, Validated,
    check_model_proposal, learn, pdf_read, proposal_from_model_json, read_invoice, validate,
};
use corpus::{Sample, corpus, score};

fn read(sample: &Sample) -> (Proposal, Validated) {
    let content = pdf_read(&sample.pdf).unwrap();
    let proposal = read_invoice(&content.text, &content.layout, &[]);
    let checked = validate(&proposal, None);
    (proposal, checked)
}

#[test]
fn every_field_of_the_corpus_reads_right_and_the_score_is_reported() {
    let samples = corpus();
    let languages: std::collections::BTreeSet<_> =
        samples.iter().map(|s| s.invoice.language).collect();
    assert_eq!(languages.len(), 7, "{languages:?}");
    let arrangements: std::collections::BTreeSet<_> = samples
        .iter()
        .map(|s| s.invoice.arrangement.name())
        .collect();
    assert_eq!(arrangements.len(), 8, "{arrangements:?}");
    let currencies: std::collections::BTreeSet<_> = samples
        .iter()
        .map(|s| s.invoice.expected.currency)
        .collect();
    assert_eq!(currencies.len(), 7, "{currencies:?}");
    let score = score(&samples, read);
    eprintln!("\nread from the PDF text layer:\n{score}");
    assert_eq!(score.right, score.total, "{score}");
    assert_eq!(score.fully_right, score.invoices, "{score}");
}

#[test]
fn the_corpus_reads_the_same_from_textract_style_line_boxes() {
    // Textract gives each line a box as fractions of its page; the reader places them on a
    // letter page and reads them like the PDF's own runs.
    let score = score(&corpus(), |sample| {
        let content = pdf_read(&sample.pdf).unwrap();
        let runs = content.layout.runs().iter().map(|r| {
            TextRun::from_fractions(
                r.page,
                r.x / 595.0,
                (r.y - r.size) / 842.0,
                r.width / 595.0,
                r.size / 842.0,
                &r.text,
            )
        });
        let layout = Layout::from_runs(runs);
        let text = layout.reading_text();
        let proposal = read_invoice(&text, &layout, &[]);
        let checked = validate(&proposal, None);
        (proposal, checked)
    });
    eprintln!("\nread from Textract-style line boxes:\n{score}");
    assert_eq!(score.right, score.total, "{score}");
    assert_eq!(score.fully_right, score.invoices, "{score}");
}

#[test]
fn every_field_read_carries_its_label_position_and_confidence() {
    for sample in corpus() {
        let (p, v) = read(&sample);
        for field in [
            Field::Number,
            Field::CustomerName,
            Field::Amount,
            Field::IssueDate,
            Field::DueDate,
        ] {
            let e = p
                .evidence_for(field)
                .unwrap_or_else(|| panic!("{}: no evidence for {field}", sample.invoice.name));
            assert_eq!(e.origin, Origin::Label, "{}: {e}", sample.invoice.name);
            assert!(
                e.label.is_some() && e.place.is_some(),
                "{}: {e}",
                sample.invoice.name
            );
            let at = e.at.unwrap();
            assert_eq!(at.page, 1);
            assert!(at.x > 0.0 && at.y > 0.0, "{}: {e}", sample.invoice.name);
            assert!(
                e.confidence >= Confidence::Medium,
                "{}: {e}",
                sample.invoice.name
            );
        }
        assert!(
            p.evidence_for(Field::Currency).is_some(),
            "{}",
            sample.invoice.name
        );
        assert_eq!(v.problems, [], "{}", sample.invoice.name);
        assert_eq!(v.warnings, [], "{}", sample.invoice.name);
        let flagged: Vec<_> = p.flags.iter().map(ToString::to_string).collect();
        assert_eq!(flagged, Vec::<String>::new(), "{}", sample.invoice.name);
    }
}

fn sample(name: &str) -> Sample {
    corpus()
        .into_iter()
        .find(|s| s.invoice.name == name)
        .unwrap()
}

#[test]
fn positions_undo_what_the_flattened_text_glues_and_reorders() {
    let glued = sample("nl-glued-totaal");
    let content = pdf_read(&glued.pdf).unwrap();
    assert!(
        content.text.contains("993548900Factuurnummer:"),
        "{}",
        content.text
    );
    let (p, _) = read(&glued);
    let e = p.evidence_for(Field::Number).unwrap();
    assert_eq!(
        e.to_string(),
        "`993548900` before `Factuurnummer`, page 1 at (50, 106); high confidence"
    );

    // The value drawn first, far right of its label: the text puts it before the label.
    let drawn_first = sample("de-right-block-zu-zahlen");
    let content = pdf_read(&drawn_first.pdf).unwrap();
    assert!(
        content.text.contains("20261104Rechnungsnummer:"),
        "{}",
        content.text
    );
    let (p, _) = read(&drawn_first);
    assert_eq!(p.number.as_deref(), Some("20261104"));
    assert_eq!(
        p.evidence_for(Field::Number).unwrap().place,
        Some(Place::Right)
    );

    // French dates, the total with tax over the one before it, said in the evidence.
    let (p, _) = read(&sample("fr-inline-ht-ttc"));
    let amount = p.evidence_for(Field::Amount).unwrap();
    assert_eq!(
        amount.to_string(),
        "`1 200,00 €` right of `Total TTC`, page 1 at (470, 330), total with tax; also printed: `Total HT` 1 000,00 €; high confidence"
    );
    assert_eq!(p.terms.as_deref(), Some("Net 30"));
    let (p, _) = read(&sample("en-header-row-cad-part-paid"));
    assert_eq!(
        p.evidence_for(Field::Amount).unwrap().to_string(),
        "`CA$2,000.00` after `Balance due`, page 1 at (330, 282), what is owed; also printed: `Total` CA$2,400.00; high confidence"
    );
    let (p, _) = read(&sample("es-columns-total-a-pagar"));
    assert_eq!(
        p.evidence_for(Field::IssueDate).unwrap().to_string(),
        "`03/08/2026` right of `Fecha`, page 1 at (170, 122), day first, as Spanish dates are written; medium confidence"
    );
}

#[test]
fn the_isolated_reader_sends_back_the_same_layout() {
    let reader = Reader::new(
        env!("CARGO_BIN_EXE_chaser-read-document"),
        vec![],
        Limits::default(),
    );
    for name in ["nl-glued-totaal", "fr-inline-ht-ttc"] {
        let s = sample(name);
        let child = reader.read(name, &s.pdf).unwrap();
        assert_eq!(child, pdf_read(&s.pdf).unwrap(), "{name}");
        assert!(!child.layout.is_truncated());
    }
}

/// Helvetica on A4, one line per row: an invoice of an issuer whose labels no grammar knows.
fn kestrel(
    number: &str,
    raised: &str,
    settle: &str,
    customer: [&str; 3],
    lines: [(&str, &str); 3],
) -> Vec<u8> {
    use corpus::{Arrangement, Invoice};
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let invoice = Invoice {
        name: "kestrel",
        language: "English",
        arrangement: Arrangement::Columns,
        issuer: [
            "Kestrel Labs",
            "Unit 4, Harbour Yard",
            "billing@kestrel.example",
        ],
        title: "STATEMENT",
        number: ("Ref.", leak(number)),
        issue: ("Raised", leak(raised)),
        issue_prefix: "",
        due: ("Settle by", leak(settle)),
        customer_label: "For",
        customer: [leak(customer[0]), leak(customer[1]), leak(customer[2])],
        table: ("Work", "Charge"),
        lines: &[],
        totals: Box::leak(Box::new(lines.map(|(l, a)| (leak(l), leak(a))))),
        footer: &[],
        expected: corpus::Expected {
            number: "",
            customer_name: "",
            contact_email: "",
            amount: "",
            currency: "",
            issue_date: "",
            due_date: "",
        },
    };
    corpus::text_pdf_of(&invoice)
}

#[test]
fn a_correction_teaches_a_template_and_the_next_invoice_reads_fully_right() {
    // Arrange: the first invoice of an issuer the reader has never seen.
    let first = kestrel(
        "KL-1001",
        "03/04/2026",
        "01/05/2026",
        [
            "Pemberton & Co",
            "4 Crane St, Bath",
            "accounts@pemberton.example",
        ],
        [
            ("Subtotal", "$1,000.00"),
            ("Shipping", "$100.00"),
            ("To settle", "$1,100.00"),
        ],
    );
    let content = pdf_read(&first).unwrap();
    let read = read_invoice(&content.text, &content.layout, &[]);
    let as_read = validate(&read, None);
    assert_eq!(read.number, None);
    assert_eq!(
        read.amount.as_deref(),
        Some("1000.00"),
        "only the subtotal is labelled"
    );
    assert!(!as_read.is_complete());
    let flags: Vec<_> = read.flags.iter().map(ToString::to_string).collect();
    assert_eq!(
        flags,
        [
            "number: missing: not printed beside a label the reader knows",
            "customer_name: missing: not printed beside a label the reader knows",
            "contact_email: missing: not printed beside a label the reader knows",
            "amount: guessed: only a total before tax is printed (`Subtotal`): check whether tax is due",
            "currency: ambiguous: `$` could be USD, CAD, AUD, NZD, SGD, HKD, MXN: no country on the document settles it",
            "issue_date: missing: not printed beside a label the reader knows",
            "due_date: missing: not printed beside a label the reader knows",
        ]
    );

    // Act: the owner corrects every field on the approval page and approves; the chaser learns.
    let mut approved = read.clone();
    approved.number = Some("KL-1001".into());
    approved.customer_name = Some("Pemberton & Co".into());
    approved.contact_email = Some("accounts@pemberton.example".into());
    approved.amount = Some("1,100.00".into());
    approved.currency = Some("AUD".into());
    approved.issue_date = Some("2026-04-03".into());
    approved.due_date = Some("2026-05-01".into());
    assert!(validate(&approved, None).is_complete());
    let learned = learn(
        &approved,
        &content.text,
        &content.layout,
        None,
        "document 1",
    )
    .unwrap();
    assert_eq!(
        learned.corrected,
        [
            Field::Number,
            Field::CustomerName,
            Field::ContactEmail,
            Field::Amount,
            Field::IssueDate,
            Field::DueDate,
            Field::Currency
        ]
    );
    assert_eq!(learned.unplaced, []);
    let file = learned.template.to_toml();
    assert_eq!(learned.template.file_name(), "kestrel-labs.toml");
    let expected_file = "\
issuer = \"Kestrel Labs\"
match = [\"Kestrel Labs\", \"billing@kestrel.example\"]
learned_from = \"document 1\"
date_order = \"day-first\"
currency = \"AUD\"

[fields.amount]
label = \"To settle\"
place = \"right\"

[fields.contact_email]
page = 1
x = 170.0
y = 202.0

[fields.customer_name]
label = \"For\"
place = \"right\"

[fields.due_date]
label = \"Settle by\"
place = \"right\"

[fields.issue_date]
label = \"Raised\"
place = \"right\"

[fields.number]
label = \"Ref.\"
place = \"right\"
";
    assert!(file.ends_with(expected_file), "{file}");
    // The owner can read and edit it; what is read back is the same template.
    let template = Template::from_toml(&file).unwrap();
    assert_eq!(template, learned.template);

    // Assert: the next invoice from the issuer reads fully right with the template.
    let second = kestrel(
        "KL-1002",
        "06/05/2026",
        "05/06/2026",
        [
            "Quayside Books",
            "18 Quay Rd, Bristol",
            "ap@quayside.example",
        ],
        [
            ("Subtotal", "$2,000.00"),
            ("Shipping", "$150.00"),
            ("To settle", "$2,150.00"),
        ],
    );
    let content = pdf_read(&second).unwrap();
    let p = read_invoice(
        &content.text,
        &content.layout,
        std::slice::from_ref(&template),
    );
    let v = validate(&p, None);
    assert_eq!(p.template.as_deref(), Some("Kestrel Labs"));
    assert_eq!(v.problems, []);
    assert_eq!(v.warnings, []);
    assert_eq!(p.flags, []);
    assert_eq!(v.number.unwrap().as_str(), "KL-1002");
    assert_eq!(v.customer_name.as_deref(), Some("Quayside Books"));
    assert_eq!(v.contact_email.unwrap().as_str(), "ap@quayside.example");
    assert_eq!(v.amount.unwrap().to_string(), "AUD 2150.00");
    assert_eq!(v.issue_date.unwrap().to_string(), "2026-05-06");
    assert_eq!(v.due_date.unwrap().to_string(), "2026-06-05");
    let amount = p.evidence_for(Field::Amount).unwrap();
    assert_eq!(amount.origin, Origin::Template);
    assert_eq!(amount.confidence, Confidence::High);

    // Another issuer's invoice is not read with it.
    let other = sample("en-columns-gbp");
    let content = pdf_read(&other.pdf).unwrap();
    assert_eq!(
        read_invoice(&content.text, &content.layout, &[template]).template,
        None
    );
}

#[test]
fn a_currency_that_cannot_be_determined_is_flagged_never_defaulted_silently() {
    let text = "Invoice No: 17\nInvoice date: 2026-11-02\nDue date: 2026-12-02\nBill to: Globex\nap@globex.example\nTotal: $319.00";
    let p = read_invoice(text, &Layout::from_text(text), &[]);
    assert_eq!(p.currency, None);

    // No default: a problem that says why.
    let v = validate(&p, None);
    assert_eq!(v.problems.len(), 1);
    assert_eq!(v.problems[0].field, "currency");
    assert_eq!(
        v.problems[0].message,
        "not found: the document names no one currency (`$` could be USD, CAD, AUD, NZD, SGD, HKD, MXN: no country on the document settles it); set it, or set a default currency"
    );

    // The owner's default: used, and said so.
    let v = validate(&p, Some("USD"));
    assert!(v.is_complete());
    assert_eq!(v.amount.unwrap().to_string(), "USD 319.00");
    assert_eq!(
        v.warnings
            .iter()
            .map(|w| format!("{}: {}", w.field, w.message))
            .collect::<Vec<_>>(),
        [
            "currency: defaulted: the document names no one currency (`$` could be USD, CAD, AUD, NZD, SGD, HKD, MXN: no country on the document settles it); USD is the configured default (email.default_currency): check it"
        ]
    );

    // Rupees with India in the address are rupees, whatever the default.
    let text = "Invoice No: 18\nInvoice date: 2026-11-02\nDue date: 2026-12-02\nBill to: Ravi Traders\n12 MG Road, Bengaluru, India\nTotal: Rs 319.00";
    let p = read_invoice(text, &Layout::from_text(text), &[]);
    let v = validate(&p, Some("USD"));
    assert_eq!(v.amount.unwrap().to_string(), "INR 319.00");
    assert!(
        v.warnings.iter().all(|w| w.field != "currency"),
        "{:?}",
        v.warnings
    );
    assert_eq!(
        p.evidence_for(Field::Currency).unwrap().to_string(),
        "`Rs` by `Total`, page 1 at (0, 72), `Rs` with the address country India; medium confidence"
    );
}

#[test]
fn totals_that_disagree_or_stop_before_tax_are_flagged() {
    let text = "Invoice No: 19\nInvoice date: 2026-11-02\nDue date: 2026-12-02\nBill to: Globex\nap@globex.example\nTotal: EUR 1,100.00\nTotal: EUR 1,200.00";
    let p = read_invoice(text, &Layout::from_text(text), &[]);
    assert_eq!(p.amount.as_deref(), Some("1200.00"));
    assert_eq!(
        p.flags.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "amount: ambiguous: several totals disagree (`Total` EUR 1,200.00, `Total` EUR 1,100.00): the last printed, EUR 1,200.00, is taken"
        ]
    );
    assert_eq!(
        p.evidence_for(Field::Amount).unwrap().confidence,
        Confidence::Medium
    );
    let v = validate(&p, None);
    assert!(
        v.warnings
            .iter()
            .any(|w| w.message.starts_with("ambiguous: several totals disagree"))
    );
}

#[test]
fn a_models_answer_gets_the_same_evidence_flags_and_template() {
    let s = sample("nl-midline-factuur-totaal");
    let content = pdf_read(&s.pdf).unwrap();
    let model = proposal_from_model_json(
        r#"{"number":"2026-0415","customer_name":"Jan de Vries","contact_email":"jan.devries@example.nl",
            "amount":"49,99","currency":"EUR","issue_date":"3 maart 2026","due_date":"17 maart 2026",
            "terms":null,"line_items":[]}"#,
    )
    .unwrap();
    let p = check_model_proposal(model, &content.text, &content.layout, &[]);
    let v = validate(&p, None);
    assert_eq!(v.problems, []);
    assert_eq!(p.flags, []);
    assert_eq!(p.amount.as_deref(), Some("49.99"));
    assert_eq!(p.issue_date.as_deref(), Some("2026-03-03"));
    let e = p.evidence_for(Field::IssueDate).unwrap();
    assert_eq!(
        (e.origin, e.confidence),
        (Origin::Model, Confidence::Medium)
    );
    assert!(e.at.is_some());

    // A value the document does not print, and a currency the model picked for a bare `$`.
    let text = "Invoice No: 20\nTotal: $500.00";
    let model =
        proposal_from_model_json(r#"{"number":"21","amount":"500.00","currency":"USD"}"#).unwrap();
    let p = check_model_proposal(model, text, &Layout::from_text(text), &[]);
    let flags: Vec<_> = p.flags.iter().map(|f| (f.field, f.kind)).collect();
    assert_eq!(
        flags,
        [
            (Field::Number, FlagKind::Guessed),
            (Field::CustomerName, FlagKind::Missing),
            (Field::ContactEmail, FlagKind::Missing),
            (Field::Currency, FlagKind::Ambiguous),
            (Field::IssueDate, FlagKind::Missing),
            (Field::DueDate, FlagKind::Missing),
        ]
    );
    assert_eq!(p.currency.as_deref(), Some("USD"));
    let v = validate(&p, None);
    assert!(
        v.warnings.iter().any(|w| w.field == "currency"
            && w.message
                .starts_with("ambiguous: the model said USD, but `$` could be")),
        "{:?}",
        v.warnings
    );
}

/// Labels, values and noise, for layouts made up by proptest.
fn piece() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let words = [
        "Invoice No:",
        "Facture n°",
        "Rechnungsnr.",
        "Factuurnummer:",
        "Date:",
        "Datum",
        "Due date",
        "Vervaldatum",
        "Total",
        "Total TTC",
        "Total HT",
        "Somme à payer",
        "Balance due",
        "Bill to:",
        "Klant:",
        "Cliente",
        "Currency",
        "TVA 20 %",
        "$1,250.00",
        "1 234,56 €",
        "Rs 1939",
        "03/04/2026",
        "7. Mai 2014",
        "2026-11-02",
        "INV-7",
        "ap@acme.example",
        "Acme Ltd",
        "USA",
        "Canada",
        "India",
        ":",
        "#",
    ];
    prop_oneof![
        proptest::sample::select(words.to_vec()).prop_map(str::to_owned),
        "[0-9.,/ -]{1,12}",
        "\\PC{0,24}",
        (
            proptest::sample::select(words.to_vec()),
            "[0-9A-Za-z€$.,/ -]{0,10}"
        )
            .prop_map(|(w, v)| format!("{v}{w}")),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn any_layout_reads_and_learns_without_panicking(
        runs in proptest::collection::vec(
            (1u16..3, 0f32..600.0, 0f32..800.0, 4f32..20.0, piece()),
            0..60,
        )
    ) {
        let layout = Layout::from_runs(runs.into_iter().map(|(page, x, y, size, text)| TextRun {
            page,
            x,
            y,
            width: text.chars().count() as f32 * size * 0.5,
            size,
            text,
        }));
        let text = layout.reading_text();
        let p = read_invoice(&text, &layout, &[]);
        let _ = validate(&p, Some("USD"));
        // Every value placed on the page is printed there.
        for e in p.evidence.iter().filter(|e| e.at.is_some()) {
            proptest::prop_assert!(
                layout.runs().iter().any(|r| r.text.contains(&e.printed)),
                "{e}"
            );
        }
        if let Ok(learned) = learn(&p, &text, &layout, None, "proptest") {
            let again = Template::from_toml(&learned.template.to_toml());
            proptest::prop_assert_eq!(again.as_ref(), Ok(&learned.template));
            let _ = read_invoice(&text, &layout, &[learned.template]);
        }
    }
}
