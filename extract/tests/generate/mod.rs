//! The generator of `tests/fixtures/documents/`: realistic invoice PDFs written with lopdf,
//! and the forwarded e-mail around one of them. Deterministic, so the committed files are
//! checked against it; `REGENERATE_FIXTURES=1 cargo test -p chaser-extract` rewrites them.

mod pdf;

use base64::Engine;
use lopdf::content::Operation;
use lopdf::{Object, Stream, dictionary};
use pdf::{Piece, pdf, text_pdf};

/// One invoice's printed text: `(x, text)` pieces per line, top to bottom.
type Page = Vec<Vec<(i64, &'static str)>>;

fn acme() -> Page {
    vec![
        vec![(50, "Northwind Design Studio"), (430, "INVOICE")],
        vec![(50, "12 Harbour Street, Bristol BS1 4RN")],
        vec![(50, "billing@northwind.example")],
        vec![],
        vec![(50, "Invoice No: INV-2041")],
        vec![(50, "Invoice date: 2 Nov 2026")],
        vec![(50, "Due date: 2026-12-02")],
        vec![(50, "Payment terms: Net 30")],
        vec![],
        vec![(50, "Bill to:")],
        vec![(50, "Acme Ltd")],
        vec![(50, "Attn: Accounts Payable")],
        vec![(50, "ap@acme.example")],
        vec![],
        vec![(50, "Description"), (430, "Amount")],
        vec![(50, "Brand identity workshop"), (430, "USD 750.00")],
        vec![(50, "Website design, 5 pages"), (430, "USD 500.00")],
        vec![(50, "Subtotal"), (430, "USD 1,250.00")],
        vec![(50, "Total due"), (430, "USD 1,250.00")],
        vec![],
        vec![(50, "Please pay by bank transfer within 30 days. Thank you!")],
    ]
}

fn mismatch() -> Page {
    vec![
        vec![(50, "Harbour Print Co."), (430, "INVOICE")],
        vec![(50, "accounts@harbourprint.example")],
        vec![],
        vec![(50, "Invoice # HP-0977")],
        vec![(50, "Issue date: 20/11/2026")],
        vec![(50, "Terms: Net 14")],
        vec![],
        vec![(50, "Customer:")],
        vec![(50, "Brightside Cafe")],
        vec![(50, "orders@brightside.example")],
        vec![],
        vec![(50, "Description"), (430, "Amount")],
        vec![(50, "Menu printing, 500 copies"), (430, "£600.00")],
        vec![(50, "Window posters"), (430, "£500.00")],
        vec![(50, "Total"), (430, "£1,200.00")],
    ]
}

fn invoice_pdf(page: &Page) -> Vec<u8> {
    let mut pieces = Vec::new();
    for (row, texts) in page.iter().enumerate() {
        let y = 790 - 18 * i64::try_from(row).unwrap();
        for (x, text) in texts {
            pieces.push(Piece::new(*x, y, text));
        }
    }
    text_pdf(&pieces)
}

/// A page that is only a picture: a 2x2 grey image drawn full page, as a scanner makes.
fn scan_pdf() -> Vec<u8> {
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => 2,
            "Height" => 2,
            "ColorSpace" => "DeviceGray",
            "BitsPerComponent" => 8,
        },
        vec![0x20, 0xE0, 0xE0, 0x20],
    );
    let ops = vec![
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                595.into(),
                0.into(),
                0.into(),
                842.into(),
                0.into(),
                0.into(),
            ],
        ),
        Operation::new("Do", vec!["Im1".into()]),
        Operation::new("Q", vec![]),
    ];
    pdf(
        ops,
        dictionary! { "XObject" => dictionary! { "Im1" => Object::Stream(image) } },
    )
}

/// The owner forwarding `pdf` to the chaser, as SES inbound stores it.
fn forwarded_eml(pdf: &[u8]) -> Vec<u8> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(pdf);
    let mut body = String::new();
    for chunk in encoded.as_bytes().chunks(76) {
        body.push_str(std::str::from_utf8(chunk).unwrap());
        body.push_str("\r\n");
    }
    let boundary = "=_chaser_fixture_boundary";
    format!(
        "Return-Path: <owner@example.com>\r\n\
         From: Olivia Owner <owner@example.com>\r\n\
         To: invoices@chaser.example\r\n\
         Subject: Fwd: Invoice INV-2041\r\n\
         Date: Mon, 02 Nov 2026 09:15:00 +0000\r\n\
         Message-ID: <fixture-inv-2041@example.com>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Please chase this one from the 1st of next month.\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: application/pdf; name=\"invoice-acme.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"invoice-acme.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {body}\
         --{boundary}--\r\n"
    )
    .into_bytes()
}

/// Every fixture, by file name.
pub fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let acme = invoice_pdf(&acme());
    vec![
        ("forwarded.eml", forwarded_eml(&acme)),
        ("invoice-acme.pdf", acme),
        ("invoice-mismatch.pdf", invoice_pdf(&mismatch())),
        ("scan-no-text.pdf", scan_pdf()),
    ]
}
