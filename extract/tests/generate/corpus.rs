//! The reader's corpus: invoices in English, French, German, Dutch, Spanish, Italian and
//! Portuguese, each laid out one of several ways real invoices are (label before value,
//! value before label in the same run, label and value columns drawn in either order, a row of
//! labels over a row of values, values left of their labels, label and value mid-line), with
//! totals with and without tax and part-paid balances, in several currencies. Each carries the
//! fields it should read as. Generated, never committed: the tests and the benchmark build it.

#[path = "pdf.rs"]
mod pdf;

use std::collections::BTreeMap;
use std::fmt;

use chaser_extract::{Field, Proposal, Validated};
use pdf::{Piece, text_pdf};

/// What an invoice of the corpus must read as: amounts plain (`1234.50`), dates ISO.
#[derive(Debug, Clone, Copy)]
pub struct Expected {
    pub number: &'static str,
    pub customer_name: &'static str,
    pub contact_email: &'static str,
    pub amount: &'static str,
    pub currency: &'static str,
    pub issue_date: &'static str,
    pub due_date: &'static str,
}

/// Where the labels and values go, and in which order the content stream draws them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// `Invoice No: INV-1` as one run per field; the customer's label over its block.
    Inline,
    /// Labels in a column, values in the next column on the same lines.
    Columns,
    /// Labels and values in a block at the right, each value drawn before its label.
    RightBlock,
    /// Every label drawn first, then every value, in two columns.
    LabelColumns,
    /// A row of labels over a row of values; totals as `Label value` runs.
    HeaderRow,
    /// Each value printed against the start of its label, in one run: `993548900Factuurnummer:`.
    Glued,
    /// Each value printed to the left of its label.
    ValueLeft,
    /// Label and value in the middle of a line: `Guest Name: Sanjay Date: 31/12/2017`.
    Midline,
}

impl Arrangement {
    pub fn name(self) -> &'static str {
        match self {
            Arrangement::Inline => "label: value",
            Arrangement::Columns => "label | value columns",
            Arrangement::RightBlock => "value drawn before label",
            Arrangement::LabelColumns => "label column, then value column",
            Arrangement::HeaderRow => "labels over values",
            Arrangement::Glued => "value glued before label",
            Arrangement::ValueLeft => "value left of label",
            Arrangement::Midline => "label and value mid-line",
        }
    }
}

/// One invoice as printed.
pub struct Invoice {
    pub name: &'static str,
    pub language: &'static str,
    pub arrangement: Arrangement,
    /// Name, address, e-mail.
    pub issuer: [&'static str; 3],
    pub title: &'static str,
    pub number: (&'static str, &'static str),
    pub issue: (&'static str, &'static str),
    /// Printed before the issue date's label on its line (`Guest Name: Sanjay`).
    pub issue_prefix: &'static str,
    pub due: (&'static str, &'static str),
    pub customer_label: &'static str,
    /// Name, address, e-mail.
    pub customer: [&'static str; 3],
    /// The line-item table's two headings.
    pub table: (&'static str, &'static str),
    pub lines: &'static [(&'static str, &'static str)],
    pub totals: &'static [(&'static str, &'static str)],
    pub footer: &'static [&'static str],
    pub expected: Expected,
}

/// An invoice of the corpus, as a PDF.
pub struct Sample {
    pub invoice: Invoice,
    pub pdf: Vec<u8>,
}

fn row(n: i64) -> i64 {
    800 - 16 * n
}

/// Helvetica's advance for the characters the glued values use, in thousandths of the size.
fn advance(text: &str, size: i64) -> i64 {
    let units: i64 = text
        .chars()
        .map(|c| match c {
            '0'..='9' => 556,
            '-' => 333,
            '.' | ',' | '/' | ' ' => 278,
            _ => 556,
        })
        .sum();
    (units * size + 500) / 1000
}

/// `invoice` as a PDF.
pub fn text_pdf_of(invoice: &Invoice) -> Vec<u8> {
    text_pdf(&pieces(invoice))
}

/// The pieces of `invoice` as its arrangement places them, in drawing order.
fn pieces(invoice: &Invoice) -> Vec<Piece> {
    use Arrangement::*;
    let mut out = Vec::new();
    let mut put = |x: i64, y: i64, text: &str| out.push(Piece::new(x, y, text));
    put(50, row(0), invoice.issuer[0]);
    put(430, row(0), invoice.title);
    put(50, row(1), invoice.issuer[1]);
    put(50, row(2), invoice.issuer[2]);

    let issue_label = if invoice.issue_prefix.is_empty() {
        invoice.issue.0.to_owned()
    } else {
        format!("{} {}", invoice.issue_prefix, invoice.issue.0)
    };
    let meta = [
        (invoice.number.0.to_owned(), invoice.number.1),
        (issue_label, invoice.issue.1),
        (invoice.due.0.to_owned(), invoice.due.1),
    ];
    let c = &invoice.customer;
    // Meta fields, then the customer's block; `next` is the first free row after them.
    let next = match invoice.arrangement {
        Inline | Midline => {
            for (k, (label, value)) in meta.iter().enumerate() {
                put(50, row(4 + k as i64), &format!("{label} {value}"));
            }
            put(50, row(8), invoice.customer_label);
            for (k, line) in c.iter().enumerate() {
                put(50, row(9 + k as i64), line);
            }
            13
        }
        Columns => {
            for (k, (label, value)) in meta.iter().enumerate() {
                put(50, row(4 + k as i64), label);
                put(170, row(4 + k as i64), value);
            }
            put(50, row(8), invoice.customer_label);
            for (k, line) in c.iter().enumerate() {
                put(170, row(8 + k as i64), line);
            }
            12
        }
        RightBlock => {
            for (k, (label, value)) in meta.iter().enumerate() {
                put(460, row(4 + k as i64), value);
                put(340, row(4 + k as i64), label);
            }
            put(50, row(4), invoice.customer_label);
            for (k, line) in c.iter().enumerate() {
                put(50, row(5 + k as i64), line);
            }
            10
        }
        LabelColumns => {
            for (k, (label, _)) in meta.iter().enumerate() {
                put(50, row(4 + k as i64), label);
            }
            for (k, (_, value)) in meta.iter().enumerate() {
                put(180, row(4 + k as i64), value);
            }
            put(50, row(8), invoice.customer_label);
            for (k, line) in c.iter().enumerate() {
                put(50, row(9 + k as i64), line);
            }
            13
        }
        HeaderRow => {
            for (k, (label, _)) in meta.iter().enumerate() {
                put(50 + 160 * k as i64, row(4), label);
            }
            for (k, (_, value)) in meta.iter().enumerate() {
                put(50 + 160 * k as i64, row(5), value);
            }
            put(50, row(7), invoice.customer_label);
            for (k, line) in c.iter().enumerate() {
                put(150, row(7 + k as i64), line);
            }
            11
        }
        Glued => {
            for (k, (label, value)) in meta.iter().enumerate() {
                put(50, row(4 + k as i64), value);
                put(50 + advance(value, 11), row(4 + k as i64), label);
            }
            put(50, row(8), invoice.customer_label);
            for (k, line) in c.iter().enumerate() {
                put(50, row(9 + k as i64), line);
            }
            13
        }
        ValueLeft => {
            for (k, (label, value)) in meta.iter().enumerate() {
                put(50, row(4 + k as i64), value);
                put(200, row(4 + k as i64), label);
            }
            put(50, row(8), invoice.customer_label);
            for (k, line) in c.iter().enumerate() {
                put(50, row(9 + k as i64), line);
            }
            13
        }
    };

    put(50, row(next), invoice.table.0);
    put(470, row(next), invoice.table.1);
    let mut r = next + 1;
    for (description, amount) in invoice.lines {
        put(50, row(r), description);
        put(470, row(r), amount);
        r += 1;
    }
    match invoice.arrangement {
        HeaderRow | Midline => {
            for (label, amount) in invoice.totals {
                put(330, row(r), &format!("{label} {amount}"));
                r += 1;
            }
        }
        LabelColumns => {
            for (k, (label, _)) in invoice.totals.iter().enumerate() {
                put(330, row(r + k as i64), label);
            }
            for (k, (_, amount)) in invoice.totals.iter().enumerate() {
                put(470, row(r + k as i64), amount);
            }
            r += invoice.totals.len() as i64;
        }
        RightBlock | Glued => {
            for (label, amount) in invoice.totals {
                put(470, row(r), amount);
                put(330, row(r), label);
                r += 1;
            }
        }
        ValueLeft => {
            for (label, amount) in invoice.totals {
                put(330, row(r), amount);
                put(450, row(r), label);
                r += 1;
            }
        }
        Inline | Columns => {
            for (label, amount) in invoice.totals {
                put(330, row(r), label);
                put(470, row(r), amount);
                r += 1;
            }
        }
    }
    for line in invoice.footer {
        r += 1;
        put(50, row(r), line);
    }
    out
}

/// Every invoice of the corpus, as PDFs.
pub fn corpus() -> Vec<Sample> {
    invoices()
        .into_iter()
        .map(|invoice| Sample {
            pdf: text_pdf_of(&invoice),
            invoice,
        })
        .collect()
}

const EN_TABLE: (&str, &str) = ("Description", "Amount");

fn invoices() -> Vec<Invoice> {
    use Arrangement::*;
    vec![
        // English.
        Invoice {
            name: "en-inline-usd-tax",
            language: "English",
            arrangement: Inline,
            issuer: [
                "Northwind Design Studio",
                "400 SW 6th Ave, Portland, OR, USA",
                "billing@northwind.example",
            ],
            title: "INVOICE",
            number: ("Invoice No:", "INV-2041"),
            issue: ("Invoice date:", "November 2, 2026"),
            issue_prefix: "",
            due: ("Due date:", "December 2, 2026"),
            customer_label: "Bill to:",
            customer: [
                "Acme Corp",
                "1200 5th Ave, Seattle, WA, USA",
                "ap@acme.example",
            ],
            table: EN_TABLE,
            lines: &[
                ("Brand identity workshop", "$750.00"),
                ("Website design", "$500.00"),
            ],
            totals: &[
                ("Subtotal", "$1,250.00"),
                ("Sales tax 8%", "$100.00"),
                ("Total incl. tax", "$1,350.00"),
            ],
            footer: &["Payment terms: Net 30"],
            expected: Expected {
                number: "INV-2041",
                customer_name: "Acme Corp",
                contact_email: "ap@acme.example",
                amount: "1350.00",
                currency: "USD",
                issue_date: "2026-11-02",
                due_date: "2026-12-02",
            },
        },
        Invoice {
            name: "en-columns-gbp",
            language: "English",
            arrangement: Columns,
            issuer: [
                "Harbour Print Co.",
                "9 Quay Street, Bristol BS1 4RN",
                "accounts@harbourprint.example",
            ],
            title: "INVOICE",
            number: ("Invoice number", "HP-0977"),
            issue: ("Date of issue", "20/11/2026"),
            issue_prefix: "",
            due: ("Due date", "04/12/2026"),
            customer_label: "Customer",
            customer: [
                "Brightside Cafe",
                "2 Mill Lane, Bath BA1 1AA",
                "orders@brightside.example",
            ],
            table: EN_TABLE,
            lines: &[
                ("Menu printing, 500 copies", "£600.00"),
                ("Window posters", "£500.00"),
            ],
            totals: &[("Total", "£1,100.00")],
            footer: &[],
            expected: Expected {
                number: "HP-0977",
                customer_name: "Brightside Cafe",
                contact_email: "orders@brightside.example",
                amount: "1100.00",
                currency: "GBP",
                issue_date: "2026-11-20",
                due_date: "2026-12-04",
            },
        },
        Invoice {
            name: "en-header-row-cad-part-paid",
            language: "English",
            arrangement: HeaderRow,
            issuer: [
                "Maple Leaf Consulting Inc.",
                "150 King St W, Toronto, ON, Canada",
                "ar@mapleleaf.example",
            ],
            title: "INVOICE",
            number: ("Invoice #", "ML-3310"),
            issue: ("Date", "2026-10-15"),
            issue_prefix: "",
            due: ("Payment due", "2026-11-14"),
            customer_label: "Billed to:",
            customer: [
                "Great Lakes Outfitters",
                "88 Front St, Toronto, ON",
                "payables@greatlakes.example",
            ],
            table: EN_TABLE,
            lines: &[("Strategy sessions", "CA$2,400.00")],
            totals: &[
                ("Total", "CA$2,400.00"),
                ("Amount paid", "CA$400.00"),
                ("Balance due", "CA$2,000.00"),
            ],
            footer: &[],
            expected: Expected {
                number: "ML-3310",
                customer_name: "Great Lakes Outfitters",
                contact_email: "payables@greatlakes.example",
                amount: "2000.00",
                currency: "CAD",
                issue_date: "2026-10-15",
                due_date: "2026-11-14",
            },
        },
        Invoice {
            name: "en-midline-inr",
            language: "English",
            arrangement: Midline,
            issuer: [
                "Bangalore Stays Pvt Ltd",
                "14 MG Road, Bengaluru 560001, India",
                "accounts@blrstays.example",
            ],
            title: "TAX INVOICE",
            number: ("Invoice No : #", "BLR_1234567"),
            issue: ("Date:", "31/12/2017"),
            issue_prefix: "Guest Name: Sanjay",
            due: ("Due Date:", "15/01/2018"),
            customer_label: "Bill to:",
            customer: [
                "Sanjay Mehta",
                "22 Park Street, Kolkata",
                "sanjay.mehta@example.in",
            ],
            table: EN_TABLE,
            lines: &[("Deluxe room, 2 nights", "Rs 1701")],
            totals: &[
                ("Sub Total", "Rs 1701"),
                ("GST 14%", "Rs 238"),
                ("Total", "Rs 1939"),
            ],
            footer: &[],
            expected: Expected {
                number: "BLR_1234567",
                customer_name: "Sanjay Mehta",
                contact_email: "sanjay.mehta@example.in",
                amount: "1939.00",
                currency: "INR",
                issue_date: "2017-12-31",
                due_date: "2018-01-15",
            },
        },
        Invoice {
            name: "en-right-block-eur",
            language: "English",
            arrangement: RightBlock,
            issuer: [
                "Dublin Data Ltd",
                "5 Harcourt St, Dublin 2, Ireland",
                "invoices@dublindata.example",
            ],
            title: "INVOICE",
            number: ("Invoice number:", "DD-2026-118"),
            issue: ("Invoice date:", "3 Nov 2026"),
            issue_prefix: "",
            due: ("Due by:", "3 Dec 2026"),
            customer_label: "Invoice to:",
            customer: [
                "Liffey Analytics",
                "12 Quay Rd, Dublin 1",
                "finance@liffey.example",
            ],
            table: EN_TABLE,
            lines: &[("Data pipeline build", "€2,000.00")],
            totals: &[
                ("Net total", "€2,000.00"),
                ("VAT 23%", "€460.00"),
                ("Total due", "€2,460.00"),
            ],
            footer: &[],
            expected: Expected {
                number: "DD-2026-118",
                customer_name: "Liffey Analytics",
                contact_email: "finance@liffey.example",
                amount: "2460.00",
                currency: "EUR",
                issue_date: "2026-11-03",
                due_date: "2026-12-03",
            },
        },
        Invoice {
            name: "en-label-columns-us-dates",
            language: "English",
            arrangement: LabelColumns,
            issuer: [
                "Pioneer Web LLC",
                "77 Main St, Austin, TX, USA",
                "billing@pioneerweb.example",
            ],
            title: "INVOICE",
            number: ("Invoice No.", "PW-5521"),
            issue: ("Invoice Date", "11/02/2026"),
            issue_prefix: "",
            due: ("Due Date", "11/30/2026"),
            customer_label: "Sold to",
            customer: [
                "Lone Star Bakery",
                "9 Congress Ave, Austin, TX",
                "owner@lonestarbakery.example",
            ],
            table: EN_TABLE,
            lines: &[
                ("Hosting, November", "$80.00"),
                ("Site redesign", "$900.00"),
            ],
            totals: &[("Total", "$980.00")],
            footer: &[],
            expected: Expected {
                number: "PW-5521",
                customer_name: "Lone Star Bakery",
                contact_email: "owner@lonestarbakery.example",
                amount: "980.00",
                currency: "USD",
                issue_date: "2026-11-02",
                due_date: "2026-11-30",
            },
        },
        Invoice {
            name: "en-value-left-gbp",
            language: "English",
            arrangement: ValueLeft,
            issuer: [
                "Coastline Audio Ltd",
                "3 Pier Rd, Brighton BN1 1AA, United Kingdom",
                "hello@coastline.example",
            ],
            title: "INVOICE",
            number: ("Invoice number", "CA-0042"),
            issue: ("Invoice date", "August 3 , 2014"),
            issue_prefix: "",
            due: ("Due date", "September 2, 2014"),
            customer_label: "Customer",
            customer: [
                "Seaside Radio",
                "1 Marine Parade, Hove",
                "accounts@seasideradio.example",
            ],
            table: EN_TABLE,
            lines: &[("Studio hire, 2 days", "£320.00")],
            totals: &[("Total", "£320.00")],
            footer: &[],
            expected: Expected {
                number: "CA-0042",
                customer_name: "Seaside Radio",
                contact_email: "accounts@seasideradio.example",
                amount: "320.00",
                currency: "GBP",
                issue_date: "2014-08-03",
                due_date: "2014-09-02",
            },
        },
        // French.
        Invoice {
            name: "fr-inline-ht-ttc",
            language: "French",
            arrangement: Inline,
            issuer: [
                "Atelier Lumière SARL",
                "12 rue des Lilas, 75011 Paris",
                "compta@atelier-lumiere.example",
            ],
            title: "FACTURE",
            number: ("Facture n°", "2015-07-118"),
            issue: ("Date de facture :", "02 Juillet 2015"),
            issue_prefix: "",
            due: ("Date d'échéance :", "01 Août 2015"),
            customer_label: "Facturé à :",
            customer: [
                "Boulangerie Dupont",
                "3 place du Marché, 69002 Lyon",
                "contact@dupont.example",
            ],
            table: ("Désignation", "Montant"),
            lines: &[("Séance photo", "800,00 €"), ("Retouches", "200,00 €")],
            totals: &[
                ("Total HT", "1 000,00 €"),
                ("TVA 20 %", "200,00 €"),
                ("Total TTC", "1 200,00 €"),
            ],
            footer: &["Conditions de paiement : 30 jours"],
            expected: Expected {
                number: "2015-07-118",
                customer_name: "Boulangerie Dupont",
                contact_email: "contact@dupont.example",
                amount: "1200.00",
                currency: "EUR",
                issue_date: "2015-07-02",
                due_date: "2015-08-01",
            },
        },
        Invoice {
            name: "fr-label-columns-chf",
            language: "French",
            arrangement: LabelColumns,
            issuer: [
                "Studio Léman Sàrl",
                "Rue du Rhône 14, 1204 Genève, Suisse",
                "facturation@leman.example",
            ],
            title: "FACTURE",
            number: ("N° de facture", "SL-4471"),
            issue: ("Date", "15/09/2026"),
            issue_prefix: "",
            due: ("Échéance", "15/10/2026"),
            customer_label: "Client",
            customer: [
                "Horlogerie Favre SA",
                "Quai du Mont-Blanc 2, 1201 Genève",
                "compta@favre.example",
            ],
            table: ("Désignation", "Montant"),
            lines: &[("Identité visuelle", "CHF 1'850.00")],
            totals: &[
                ("Total HT", "CHF 1'850.00"),
                ("TVA 8,1 %", "CHF 149.85"),
                ("Somme à payer", "CHF 1'999.85"),
            ],
            footer: &[],
            expected: Expected {
                number: "SL-4471",
                customer_name: "Horlogerie Favre SA",
                contact_email: "compta@favre.example",
                amount: "1999.85",
                currency: "CHF",
                issue_date: "2026-09-15",
                due_date: "2026-10-15",
            },
        },
        Invoice {
            name: "fr-header-row-net-a-payer",
            language: "French",
            arrangement: HeaderRow,
            issuer: [
                "Maison Verte",
                "8 avenue Foch, 33000 Bordeaux",
                "factures@maisonverte.example",
            ],
            title: "FACTURE",
            number: ("Numéro de facture", "MV-2026-031"),
            issue: ("Date d'émission", "5 mars 2026"),
            issue_prefix: "",
            due: ("À payer avant le", "4 avril 2026"),
            customer_label: "Client :",
            customer: [
                "Cave du Port",
                "1 quai Richelieu, 33000 Bordeaux",
                "achats@caveduport.example",
            ],
            table: ("Désignation", "Montant"),
            lines: &[("Aménagement paysager", "2 500,00 €")],
            totals: &[
                ("Sous-total", "2 500,00 €"),
                ("TVA 20 %", "500,00 €"),
                ("Net à payer", "3 000,00 €"),
            ],
            footer: &[],
            expected: Expected {
                number: "MV-2026-031",
                customer_name: "Cave du Port",
                contact_email: "achats@caveduport.example",
                amount: "3000.00",
                currency: "EUR",
                issue_date: "2026-03-05",
                due_date: "2026-04-04",
            },
        },
        // German.
        Invoice {
            name: "de-columns-brutto",
            language: "German",
            arrangement: Columns,
            issuer: [
                "Bergmann & Söhne GmbH",
                "Hauptstraße 5, 10115 Berlin",
                "rechnung@bergmann.example",
            ],
            title: "RECHNUNG",
            number: ("Rechnungsnr.", "RE-2014-0507"),
            issue: ("Rechnungsdatum", "7. Mai 2014"),
            issue_prefix: "",
            due: ("Fällig am", "6. Juni 2014"),
            customer_label: "Rechnung an",
            customer: [
                "Müller Maschinenbau AG",
                "Industriestraße 20, 70565 Stuttgart",
                "einkauf@mueller.example",
            ],
            table: ("Beschreibung", "Betrag"),
            lines: &[("Beratung", "1.500,00 €"), ("Reisekosten", "180,00 €")],
            totals: &[
                ("Nettobetrag", "1.680,00 €"),
                ("MwSt. 19 %", "319,20 €"),
                ("Gesamtbetrag", "1.999,20 €"),
            ],
            footer: &["Zahlungsbedingungen: 30 Tage netto"],
            expected: Expected {
                number: "RE-2014-0507",
                customer_name: "Müller Maschinenbau AG",
                contact_email: "einkauf@mueller.example",
                amount: "1999.20",
                currency: "EUR",
                issue_date: "2014-05-07",
                due_date: "2014-06-06",
            },
        },
        Invoice {
            name: "de-right-block-zu-zahlen",
            language: "German",
            arrangement: RightBlock,
            issuer: [
                "Schneider IT-Service",
                "Marktplatz 3, 80331 München",
                "buchhaltung@schneider-it.example",
            ],
            title: "RECHNUNG",
            number: ("Rechnungsnummer:", "20261104"),
            issue: ("Datum:", "04.11.2026"),
            issue_prefix: "",
            due: ("Zahlbar bis:", "18.11.2026"),
            customer_label: "Kunde:",
            customer: [
                "Bäckerei Huber",
                "Sendlinger Str. 7, 80331 München",
                "info@baeckerei-huber.example",
            ],
            table: ("Beschreibung", "Betrag"),
            lines: &[("Netzwerkwartung", "2.400,00 EUR")],
            totals: &[
                ("Zwischensumme", "2.400,00 EUR"),
                ("USt. 19%", "456,00 EUR"),
                ("Zu zahlen", "2.856,00 EUR"),
            ],
            footer: &[],
            expected: Expected {
                number: "20261104",
                customer_name: "Bäckerei Huber",
                contact_email: "info@baeckerei-huber.example",
                amount: "2856.00",
                currency: "EUR",
                issue_date: "2026-11-04",
                due_date: "2026-11-18",
            },
        },
        Invoice {
            name: "de-label-columns-summe",
            language: "German",
            arrangement: LabelColumns,
            issuer: [
                "Alpenblick Hotel KG",
                "Seestraße 12, 6020 Innsbruck, Österreich",
                "rezeption@alpenblick.example",
            ],
            title: "RECHNUNG",
            number: ("Beleg-Nr.", "AB-7731"),
            issue: ("Ausstellungsdatum", "12.03.2026"),
            issue_prefix: "",
            due: ("Fälligkeitsdatum", "26.03.2026"),
            customer_label: "Rechnungsempfänger",
            customer: [
                "Tiroler Reisen GmbH",
                "Maria-Theresien-Str. 1, 6020 Innsbruck",
                "buchung@tirolerreisen.example",
            ],
            table: ("Beschreibung", "Betrag"),
            lines: &[("Seminarraum, 2 Tage", "850,00 €")],
            totals: &[
                ("Summe netto", "850,00 €"),
                ("MwSt. 10 %", "85,00 €"),
                ("Summe brutto", "935,00 €"),
            ],
            footer: &[],
            expected: Expected {
                number: "AB-7731",
                customer_name: "Tiroler Reisen GmbH",
                contact_email: "buchung@tirolerreisen.example",
                amount: "935.00",
                currency: "EUR",
                issue_date: "2026-03-12",
                due_date: "2026-03-26",
            },
        },
        // Dutch.
        Invoice {
            name: "nl-glued-totaal",
            language: "Dutch",
            arrangement: Glued,
            issuer: [
                "Zuiderzee Tech B.V.",
                "Keizersgracht 100, 1015 Amsterdam",
                "facturen@zuiderzee.example",
            ],
            title: "FACTUUR",
            number: ("Factuurnummer:", "993548900"),
            issue: ("Factuurdatum:", "12-03-2026"),
            issue_prefix: "",
            due: ("Vervaldatum:", "11-04-2026"),
            customer_label: "Klant:",
            customer: [
                "Grachtenhuis Events",
                "Prinsengracht 200, 1016 Amsterdam",
                "boekhouding@grachtenhuis.example",
            ],
            table: ("Omschrijving", "Bedrag"),
            lines: &[("Softwarelicentie", "€ 1.000,00")],
            totals: &[
                ("Subtotaal", "€ 1.000,00"),
                ("BTW 21%", "€ 210,00"),
                ("Totaal", "€ 1.210,00"),
            ],
            footer: &[],
            expected: Expected {
                number: "993548900",
                customer_name: "Grachtenhuis Events",
                contact_email: "boekhouding@grachtenhuis.example",
                amount: "1210.00",
                currency: "EUR",
                issue_date: "2026-03-12",
                due_date: "2026-04-11",
            },
        },
        Invoice {
            name: "nl-midline-factuur-totaal",
            language: "Dutch",
            arrangement: Midline,
            issuer: [
                "Fietsenwinkel De Spaak",
                "Oudegracht 50, 3511 Utrecht",
                "info@despaak.example",
            ],
            title: "FACTUUR",
            number: ("Factuurnr.", "2026-0415"),
            issue: ("Factuurdatum:", "3 maart 2026"),
            issue_prefix: "",
            due: ("Te betalen voor:", "17 maart 2026"),
            customer_label: "Factuur aan:",
            customer: [
                "Jan de Vries",
                "Lange Nieuwstraat 4, 3512 Utrecht",
                "jan.devries@example.nl",
            ],
            table: ("Omschrijving", "Bedrag"),
            lines: &[("Reparatie achterwiel", "EUR 49,99")],
            totals: &[("Factuur totaal", "EUR 49,99")],
            footer: &[],
            expected: Expected {
                number: "2026-0415",
                customer_name: "Jan de Vries",
                contact_email: "jan.devries@example.nl",
                amount: "49.99",
                currency: "EUR",
                issue_date: "2026-03-03",
                due_date: "2026-03-17",
            },
        },
        Invoice {
            name: "nl-header-row-incl-btw",
            language: "Dutch",
            arrangement: HeaderRow,
            issuer: [
                "Polder Bouw B.V.",
                "Dorpsstraat 8, 2611 Delft",
                "administratie@polderbouw.example",
            ],
            title: "FACTUUR",
            number: ("Factuurnummer", "PB-118"),
            issue: ("Datum", "01-10-2026"),
            issue_prefix: "",
            due: ("Vervaldatum", "31-10-2026"),
            customer_label: "Klant:",
            customer: [
                "Gemeente Delft",
                "Markt 87, 2611 Delft",
                "crediteuren@delft.example",
            ],
            table: ("Omschrijving", "Bedrag"),
            lines: &[("Renovatie fietsenstalling", "4.000,00 €")],
            totals: &[
                ("Totaal excl. btw", "4.000,00 €"),
                ("Btw 21%", "840,00 €"),
                ("Totaal incl. btw", "4.840,00 €"),
            ],
            footer: &[],
            expected: Expected {
                number: "PB-118",
                customer_name: "Gemeente Delft",
                contact_email: "crediteuren@delft.example",
                amount: "4840.00",
                currency: "EUR",
                issue_date: "2026-10-01",
                due_date: "2026-10-31",
            },
        },
        // Spanish.
        Invoice {
            name: "es-inline-total-factura",
            language: "Spanish",
            arrangement: Inline,
            issuer: [
                "Soluciones Ibéricas S.L.",
                "Calle Mayor 10, 28013 Madrid",
                "facturacion@ibericas.example",
            ],
            title: "FACTURA",
            number: ("Factura nº", "A-2014/0803"),
            issue: ("Fecha de emisión:", "3 de agosto de 2014"),
            issue_prefix: "",
            due: ("Fecha de vencimiento:", "2 de septiembre de 2014"),
            customer_label: "Cliente:",
            customer: [
                "Construcciones García",
                "Gran Vía 30, 28013 Madrid",
                "administracion@garcia.example",
            ],
            table: ("Descripción", "Importe"),
            lines: &[("Consultoría", "2.000,00 €")],
            totals: &[
                ("Base imponible", "2.000,00 €"),
                ("IVA 21%", "420,00 €"),
                ("Total factura", "2.420,00 €"),
            ],
            footer: &[],
            expected: Expected {
                number: "A-2014/0803",
                customer_name: "Construcciones García",
                contact_email: "administracion@garcia.example",
                amount: "2420.00",
                currency: "EUR",
                issue_date: "2014-08-03",
                due_date: "2014-09-02",
            },
        },
        Invoice {
            name: "es-columns-total-a-pagar",
            language: "Spanish",
            arrangement: Columns,
            issuer: [
                "Talleres Norte S.A.",
                "Av. de la Libertad 5, 48001 Bilbao",
                "cobros@tallernorte.example",
            ],
            title: "FACTURA",
            number: ("Número de factura", "TN-5512"),
            issue: ("Fecha", "03/08/2026"),
            issue_prefix: "",
            due: ("Vencimiento", "02/09/2026"),
            customer_label: "Facturar a",
            customer: [
                "Transportes Bizkaia",
                "Calle Ercilla 12, 48009 Bilbao",
                "pagos@bizkaia.example",
            ],
            table: ("Descripción", "Importe"),
            lines: &[("Revisión de flota", "1.250,00 €")],
            totals: &[
                ("Subtotal", "1.250,00 €"),
                ("IVA 21%", "262,50 €"),
                ("Total a pagar", "1.512,50 €"),
            ],
            footer: &[],
            expected: Expected {
                number: "TN-5512",
                customer_name: "Transportes Bizkaia",
                contact_email: "pagos@bizkaia.example",
                amount: "1512.50",
                currency: "EUR",
                issue_date: "2026-08-03",
                due_date: "2026-09-02",
            },
        },
        Invoice {
            name: "es-right-block-importe-total",
            language: "Spanish",
            arrangement: RightBlock,
            issuer: [
                "Estudio Sol y Mar",
                "Paseo Marítimo 4, 29016 Málaga",
                "hola@solymar.example",
            ],
            title: "FACTURA",
            number: ("Nº de factura:", "SM-0032"),
            issue: ("Fecha de la factura:", "14/02/2026"),
            issue_prefix: "",
            due: ("Fecha límite de pago:", "16/03/2026"),
            customer_label: "Facturado a:",
            customer: [
                "Hotel Las Palmeras",
                "Av. de Andalucía 8, 29002 Málaga",
                "direccion@palmeras.example",
            ],
            table: ("Descripción", "Importe"),
            lines: &[("Fotografía de interiores", "700,00 €")],
            totals: &[
                ("Subtotal", "700,00 €"),
                ("IVA 21%", "147,00 €"),
                ("Importe total", "847,00 €"),
            ],
            footer: &[],
            expected: Expected {
                number: "SM-0032",
                customer_name: "Hotel Las Palmeras",
                contact_email: "direccion@palmeras.example",
                amount: "847.00",
                currency: "EUR",
                issue_date: "2026-02-14",
                due_date: "2026-03-16",
            },
        },
        // Italian.
        Invoice {
            name: "it-columns-totale-documento",
            language: "Italian",
            arrangement: Columns,
            issuer: [
                "Rossi & Figli S.r.l.",
                "Via Roma 21, 20121 Milano",
                "amministrazione@rossi.example",
            ],
            title: "FATTURA",
            number: ("Fattura n.", "2014/118"),
            issue: ("Data fattura", "3 agosto 2014"),
            issue_prefix: "",
            due: ("Scadenza", "2 settembre 2014"),
            customer_label: "Cliente",
            customer: [
                "Trattoria Da Mario",
                "Corso Buenos Aires 5, 20124 Milano",
                "mario@trattoria.example",
            ],
            table: ("Descrizione", "Importo"),
            lines: &[("Forniture cucina", "€ 1.000,00")],
            totals: &[
                ("Imponibile", "€ 1.000,00"),
                ("IVA 22%", "€ 220,00"),
                ("Totale documento", "€ 1.220,00"),
            ],
            footer: &[],
            expected: Expected {
                number: "2014/118",
                customer_name: "Trattoria Da Mario",
                contact_email: "mario@trattoria.example",
                amount: "1220.00",
                currency: "EUR",
                issue_date: "2014-08-03",
                due_date: "2014-09-02",
            },
        },
        Invoice {
            name: "it-right-block-da-pagare",
            language: "Italian",
            arrangement: RightBlock,
            issuer: [
                "Bottega Verde Firenze",
                "Piazza della Signoria 3, 50122 Firenze",
                "fatture@bottegaverde.example",
            ],
            title: "FATTURA",
            number: ("Numero fattura:", "BV-0931"),
            issue: ("Data di emissione:", "15/06/2026"),
            issue_prefix: "",
            due: ("Data di scadenza:", "15/07/2026"),
            customer_label: "Spett.le",
            customer: [
                "Enoteca Chianti",
                "Via dei Calzaiuoli 9, 50122 Firenze",
                "ordini@enotecachianti.example",
            ],
            table: ("Descrizione", "Importo"),
            lines: &[("Cesti regalo", "€ 500,00")],
            totals: &[
                ("Totale imponibile", "€ 500,00"),
                ("IVA 22%", "€ 110,00"),
                ("Totale da pagare", "€ 610,00"),
            ],
            footer: &[],
            expected: Expected {
                number: "BV-0931",
                customer_name: "Enoteca Chianti",
                contact_email: "ordini@enotecachianti.example",
                amount: "610.00",
                currency: "EUR",
                issue_date: "2026-06-15",
                due_date: "2026-07-15",
            },
        },
        Invoice {
            name: "it-glued-totale",
            language: "Italian",
            arrangement: Glued,
            issuer: [
                "Laguna Servizi S.p.A.",
                "Fondamenta Nuove 12, 30121 Venezia",
                "contabilita@laguna.example",
            ],
            title: "FATTURA",
            number: ("N. fattura", "2026-0077"),
            issue: ("Data documento", "10-04-2026"),
            issue_prefix: "",
            due: ("Da pagare entro il", "10-05-2026"),
            customer_label: "Cliente:",
            customer: [
                "Gondole Tours",
                "Calle Larga 3, 30124 Venezia",
                "amministrazione@gondole.example",
            ],
            table: ("Descrizione", "Importo"),
            lines: &[("Noleggio imbarcazioni", "€ 3.000,00")],
            totals: &[
                ("Imponibile", "€ 3.000,00"),
                ("IVA 22%", "€ 660,00"),
                ("Totale", "€ 3.660,00"),
            ],
            footer: &[],
            expected: Expected {
                number: "2026-0077",
                customer_name: "Gondole Tours",
                contact_email: "amministrazione@gondole.example",
                amount: "3660.00",
                currency: "EUR",
                issue_date: "2026-04-10",
                due_date: "2026-05-10",
            },
        },
        // Portuguese.
        Invoice {
            name: "pt-inline-total-a-pagar",
            language: "Portuguese",
            arrangement: Inline,
            issuer: [
                "Lisboa Digital Lda.",
                "Rua Augusta 100, 1100-053 Lisboa",
                "faturacao@lisboadigital.example",
            ],
            title: "FATURA",
            number: ("Fatura n.º", "FT-2014-803"),
            issue: ("Data de emissão:", "3 de agosto de 2014"),
            issue_prefix: "",
            due: ("Data de vencimento:", "2 de setembro de 2014"),
            customer_label: "Cliente:",
            customer: [
                "Pastelaria Belém",
                "Rua de Belém 84, 1300-085 Lisboa",
                "encomendas@belem.example",
            ],
            table: ("Descrição", "Valor"),
            lines: &[("Loja online", "1.500,00 €")],
            totals: &[
                ("Total sem IVA", "1.500,00 €"),
                ("IVA 23%", "345,00 €"),
                ("Total a pagar", "1.845,00 €"),
            ],
            footer: &[],
            expected: Expected {
                number: "FT-2014-803",
                customer_name: "Pastelaria Belém",
                contact_email: "encomendas@belem.example",
                amount: "1845.00",
                currency: "EUR",
                issue_date: "2014-08-03",
                due_date: "2014-09-02",
            },
        },
        Invoice {
            name: "pt-label-columns-no-tax",
            language: "Portuguese",
            arrangement: LabelColumns,
            issuer: [
                "Porto Vinhos S.A.",
                "Cais da Ribeira 5, 4050-510 Porto",
                "contas@portovinhos.example",
            ],
            title: "FATURA",
            number: ("Número da fatura", "PV-2026-77"),
            issue: ("Data", "10/05/2026"),
            issue_prefix: "",
            due: ("Vencimento", "09/06/2026"),
            customer_label: "Faturado a",
            customer: [
                "Restaurante Douro",
                "Rua das Flores 20, 4050-265 Porto",
                "gerencia@douro.example",
            ],
            table: ("Descrição", "Valor"),
            lines: &[("Vinho do Porto, 24 garrafas", "980,00 €")],
            totals: &[("Total", "980,00 €")],
            footer: &[],
            expected: Expected {
                number: "PV-2026-77",
                customer_name: "Restaurante Douro",
                contact_email: "gerencia@douro.example",
                amount: "980.00",
                currency: "EUR",
                issue_date: "2026-05-10",
                due_date: "2026-06-09",
            },
        },
        Invoice {
            name: "pt-header-row-brl",
            language: "Portuguese",
            arrangement: HeaderRow,
            issuer: [
                "Paulista Software Ltda.",
                "Av. Paulista 1000, São Paulo, Brasil",
                "financeiro@paulista.example",
            ],
            title: "FATURA",
            number: ("Nº da fatura", "NF-8890"),
            issue: ("Data de emissão", "01/09/2026"),
            issue_prefix: "",
            due: ("Data de vencimento", "30/09/2026"),
            customer_label: "Cliente:",
            customer: [
                "Mercado Central",
                "Rua 25 de Março 300, São Paulo",
                "compras@mercadocentral.example",
            ],
            table: ("Descrição", "Valor"),
            lines: &[("Licenças anuais", "R$ 2.350,00")],
            totals: &[("Valor total", "R$ 2.350,00")],
            footer: &[],
            expected: Expected {
                number: "NF-8890",
                customer_name: "Mercado Central",
                contact_email: "compras@mercadocentral.example",
                amount: "2350.00",
                currency: "BRL",
                issue_date: "2026-09-01",
                due_date: "2026-09-30",
            },
        },
    ]
}

/// How many fields of the corpus read right, by field and by language, and which did not.
pub struct Score {
    pub invoices: usize,
    /// Invoices with every field right and nothing for the owner to fix.
    pub fully_right: usize,
    pub right: usize,
    pub total: usize,
    pub by_field: BTreeMap<Field, (usize, usize)>,
    pub by_language: BTreeMap<&'static str, (usize, usize)>,
    pub wrong: Vec<String>,
}

fn percent(right: usize, total: usize) -> f64 {
    100.0 * right as f64 / total.max(1) as f64
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} invoices, {} fully right; fields {}/{} ({:.1}%)",
            self.invoices,
            self.fully_right,
            self.right,
            self.total,
            percent(self.right, self.total)
        )?;
        for (field, (r, t)) in &self.by_field {
            writeln!(
                f,
                "  {:<14} {r:>3}/{t:<3} {:>6.1}%",
                field.as_str(),
                percent(*r, *t)
            )?;
        }
        for (language, (r, t)) in &self.by_language {
            writeln!(
                f,
                "  {language:<14} {r:>3}/{t:<3} {:>6.1}%",
                percent(*r, *t)
            )?;
        }
        for wrong in &self.wrong {
            writeln!(f, "  WRONG {wrong}")?;
        }
        Ok(())
    }
}

/// Each field as read and validated, next to what it should be.
fn fields(p: &Proposal, v: &Validated, want: &Expected) -> [(Field, String, &'static str); 7] {
    let text = |o: Option<String>| o.unwrap_or_else(|| "-".into());
    [
        (
            Field::Number,
            text(v.number.as_ref().map(|n| n.as_str().to_owned())),
            want.number,
        ),
        (
            Field::CustomerName,
            text(v.customer_name.clone()),
            want.customer_name,
        ),
        (
            Field::ContactEmail,
            text(v.contact_email.as_ref().map(|e| e.as_str().to_owned())),
            want.contact_email,
        ),
        (
            Field::Amount,
            text(v.amount.map(|m| m.amount().to_string())),
            want.amount,
        ),
        (Field::Currency, text(p.currency.clone()), want.currency),
        (
            Field::IssueDate,
            text(v.issue_date.map(|d| d.to_string())),
            want.issue_date,
        ),
        (
            Field::DueDate,
            text(v.due_date.map(|d| d.to_string())),
            want.due_date,
        ),
    ]
}

/// Reads every sample with `read` and scores each field against what it should be.
pub fn score(samples: &[Sample], read: impl Fn(&Sample) -> (Proposal, Validated)) -> Score {
    let mut score = Score {
        invoices: samples.len(),
        fully_right: 0,
        right: 0,
        total: 0,
        by_field: BTreeMap::new(),
        by_language: BTreeMap::new(),
        wrong: vec![],
    };
    for sample in samples {
        let (p, v) = read(sample);
        let invoice = &sample.invoice;
        let mut all = v.problems.is_empty();
        for (field, got, want) in fields(&p, &v, &invoice.expected) {
            let right = usize::from(got == want);
            for tally in [
                score.by_field.entry(field).or_default(),
                score.by_language.entry(invoice.language).or_default(),
            ] {
                tally.0 += right;
                tally.1 += 1;
            }
            score.right += right;
            score.total += 1;
            if right == 0 {
                all = false;
                score.wrong.push(format!(
                    "{} ({}): {field} read {got}, expected {want}",
                    invoice.name,
                    invoice.arrangement.name()
                ));
            }
        }
        score.fully_right += usize::from(all);
    }
    score
}
