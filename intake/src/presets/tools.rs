//! Each tool's layouts as tables: the header names it writes for our fields and how its rows
//! are laid out, with where each was checked; and the layouts detection builds from them.

use std::sync::LazyLock;

use chaser_domain::Terms;

use super::{Layout, LayoutName, Name, PresetName};
use crate::field::Field;
use crate::synonyms;

struct Preset {
    name: LayoutName,
    columns: &'static [(Field, &'static [&'static str])],
    markers: &'static [&'static str],
    line_items: bool,
    report_rows: bool,
    customer_from_headings: bool,
    default_terms: Option<Terms>,
}

use Field::*;

/// The native CSV: every field the chaser knows, by its own name.
const CHASER: Preset = Preset {
    name: LayoutName::Chaser,
    columns: &[
        (Number, &["number"]),
        (Customer, &["customer"]),
        (CustomerId, &["customer_id"]),
        (ContactEmail, &["contact_email"]),
        (ContactName, &["contact_name"]),
        (Amount, &["amount"]),
        (Balance, &["balance"]),
        (Currency, &["currency"]),
        (IssueDate, &["issue_date"]),
        (DueDate, &["due_date"]),
        (Terms, &["terms"]),
        (PayUrl, &["pay_url"]),
        (PdfUrl, &["pdf_url"]),
        (OwnerEmail, &["owner_email"]),
        (Paid, &["paid"]),
        (Status, &["status"]),
        (CustomerTimeZone, &["customer_time_zone"]),
        (Locale, &["locale"]),
        (IssuedAt, &["issued_at"]),
        (DueAt, &["due_at"]),
        (AlreadySent, &["already_sent"]),
        (DoNotChase, &["do_not_chase"]),
    ],
    markers: &[],
    line_items: false,
    report_rows: false,
    customer_from_headings: false,
    default_terms: None,
};

/// QuickBooks Online's reports name the same columns in two spellings: the classic
/// `Date, Transaction Type, Num, Customer, Due Date, Amount, Open Balance` and the newer
/// sentence case (`Transaction date`, `Customer full name`, `Open balance`), which compare
/// equal once case is ignored. Payments, credit memos and journal entries appear among the
/// invoices; only `Invoice` rows are read.
/// The reports (AgedReceivableDetail, Open Invoices): https://developer.intuit.com/app/developer/qbo/docs/workflows/run-reports
/// That page lists the reports but not their column titles; these are the reports' printed
/// titles, not checked against a published sample.
const QUICKBOOKS_COLUMNS: &[(Field, &[&str])] = &[
    (Number, &["Num", "No.", "Invoice No.", "Invoice #"]),
    (Customer, &["Customer", "Customer full name"]),
    (IssueDate, &["Date", "Transaction date", "Invoice Date"]),
    (DueDate, &["Due Date"]),
    (Amount, &["Amount", "Total Amount"]),
    (Balance, &["Open Balance"]),
    (Currency, &["Currency"]),
    (Terms, &["Terms"]),
    (ContactEmail, &["Email", "Customer Email"]),
    (Kind, &["Transaction Type"]),
];

/// The A/R Aging Detail or Invoice List report with a customer column: title lines, then
/// aging-bucket headings and `Total for ...` lines between the invoices.
const QUICKBOOKS_LIST: Preset = Preset {
    name: LayoutName::QuickbooksList,
    columns: QUICKBOOKS_COLUMNS,
    markers: &[],
    line_items: false,
    report_rows: true,
    customer_from_headings: false,
    default_terms: None,
};

/// Open Invoices (`Date, Transaction Type, Num, Terms, Due Date, Amount, Open Balance`), or
/// A/R Aging Detail grouped by customer: each customer is a heading row, its invoices follow,
/// then `Total for <customer>`; sub-customers nest inside their parent (`Parent:Child`).
const QUICKBOOKS_BY_CUSTOMER: Preset = Preset {
    name: LayoutName::QuickbooksByCustomer,
    columns: QUICKBOOKS_COLUMNS,
    markers: &["Open Balance"],
    line_items: false,
    report_rows: true,
    customer_from_headings: true,
    default_terms: None,
};

/// Xero's sales invoice export (Business > Invoices > Export), which has the columns of its
/// import template: one row per line item, invoice totals repeated on each.
/// Columns: https://docs.milientsoftware.com/help/moment-by-topic/integrations/file-exports/file-export-accounting-system/xero/xero-templates
/// Status and amount meanings: https://developer.xero.com/documentation/api/invoices/
const XERO_INVOICES: Preset = Preset {
    name: LayoutName::XeroInvoices,
    columns: &[
        (Number, &["InvoiceNumber"]),
        (Customer, &["ContactName"]),
        (ContactEmail, &["EmailAddress"]),
        (IssueDate, &["InvoiceDate"]),
        (DueDate, &["DueDate"]),
        (Amount, &["Total"]),
        (AmountPaid, &["InvoiceAmountPaid", "AmountPaid"]),
        (Balance, &["InvoiceAmountDue", "AmountDue"]),
        (LineAmount, &["LineAmount"]),
        (Currency, &["Currency"]),
        (Status, &["Status"]),
        (Kind, &["Type"]),
    ],
    markers: &[],
    line_items: true,
    report_rows: false,
    customer_from_headings: false,
    default_terms: None,
};

/// Xero's Aged Receivables Detail report saved as CSV: title lines, then a heading row per
/// contact, its invoices, credit notes and overpayments with `D Mon YYYY` dates and the
/// amount outstanding in one aging bucket (`Current`, `< 1 Month`, `1 Month`, ..., `Older`)
/// and in `Total`, then `Total <contact>`; a grand `Total` and percentages at the end. The
/// report is in the organisation's base currency and names it nowhere.
/// The report: https://help.xero.com/us/Report_AgedreceivableInvoices (its older version)
const XERO_AGED: Preset = Preset {
    name: LayoutName::XeroAgedReceivables,
    columns: &[
        (Number, &["Invoice Number"]),
        (Customer, &["Contact", "ContactName"]),
        (IssueDate, &["Invoice Date", "Date"]),
        (DueDate, &["Due Date"]),
        (Balance, &["Total"]),
        (Currency, &["Currency"]),
    ],
    markers: &["< 1 Month", "Older", "Current"],
    line_items: false,
    report_rows: true,
    customer_from_headings: true,
    default_terms: None,
};

/// FreshBooks' Invoice Details report exported to CSV (Reports > Invoice Details): one row
/// per line item. Some versions state the invoice's total, paid and outstanding amounts;
/// others only each line's total, which add up to the invoice's amount, and no balance.
/// The report and its total/paid/outstanding figures: https://developers.qodex.ai/freshbooks-s-public/freshbooks-api/reports-87/invoice-details-33
/// That page does not print the CSV's column titles; these are not checked against a sample.
const FRESHBOOKS: Preset = Preset {
    name: LayoutName::FreshbooksInvoiceDetails,
    columns: &[
        (Number, &["Invoice #", "Invoice Number"]),
        (Customer, &["Client Name", "Client", "Organization"]),
        (ContactEmail, &["Client Email", "Email"]),
        (IssueDate, &["Date Issued", "Issue Date", "Invoice Date"]),
        (DueDate, &["Due Date", "Date Due"]),
        (Amount, &["Invoice Total", "Total", "Amount"]),
        (AmountPaid, &["Paid", "Amount Paid"]),
        (
            Balance,
            &["Outstanding", "Amount Outstanding", "Balance Due"],
        ),
        (LineAmount, &["Line Total"]),
        (DatePaid, &["Date Paid"]),
        (Currency, &["Currency", "Currency Code"]),
        (Status, &["Invoice Status", "Status"]),
    ],
    markers: &[],
    line_items: true,
    report_rows: true,
    customer_from_headings: false,
    default_terms: None,
};

/// Stripe's Dashboard invoices export (Invoices > Export), one row per invoice, amounts in
/// major units, dates `2026-11-21 10:00:00` in UTC, currencies in lower case. Invoices that
/// Stripe charges automatically have no due date: they are due when issued.
/// The export: https://docs.stripe.com/invoicing/dashboard/manage-invoices
/// Field meanings (amount due, paid, remaining; statuses): https://docs.stripe.com/api/invoices/object
/// The CSV's column titles are not printed there; these are not checked against a sample.
const STRIPE: Preset = Preset {
    name: LayoutName::StripeInvoices,
    columns: &[
        (Number, &["Number"]),
        (Customer, &["Customer Name", "Customer Email", "Customer"]),
        (CustomerId, &["Customer"]),
        (ContactEmail, &["Customer Email"]),
        (
            IssueDate,
            &["Date (UTC)", "Finalized At (UTC)", "Created (UTC)"],
        ),
        (DueDate, &["Due Date (UTC)"]),
        (Amount, &["Amount Due", "Total"]),
        (AmountPaid, &["Amount Paid"]),
        (Balance, &["Amount Remaining"]),
        (Currency, &["Currency"]),
        (Status, &["Status"]),
        (PayUrl, &["Hosted Invoice URL"]),
        (PdfUrl, &["Invoice PDF"]),
    ],
    markers: &[],
    line_items: false,
    report_rows: false,
    customer_from_headings: false,
    default_terms: Some(Terms::DueOnReceipt),
};

/// Zoho Books' invoice export (Sales > Invoices > Export Invoices, CSV or XLSX): one row per
/// line item, invoice totals repeated on each.
/// The export: https://www.zoho.com/de-de/books/kb/invoices/exp-inv.md
/// Columns as in Zoho's sample invoice file: https://www.scribd.com/document/437583531/Sample-Invoices
const ZOHO: Preset = Preset {
    name: LayoutName::ZohoInvoices,
    columns: &[
        (Number, &["Invoice Number"]),
        (Customer, &["Customer Name"]),
        (CustomerId, &["Customer ID"]),
        (
            ContactEmail,
            &["Primary Contact EmailID", "Email", "EmailID"],
        ),
        (IssueDate, &["Invoice Date"]),
        (DueDate, &["Due Date"]),
        (Amount, &["Total"]),
        (Balance, &["Balance"]),
        (LineAmount, &["Item Total"]),
        (Currency, &["Currency Code"]),
        (Status, &["Invoice Status"]),
        (Terms, &["Payment Terms Label"]),
    ],
    markers: &[],
    line_items: true,
    report_rows: false,
    customer_from_headings: false,
    default_terms: None,
};

/// Any other spreadsheet, read by the names people commonly give the columns
/// ([`synonyms::SPREADSHEET`]). Titles, totals and footers around the rows are skipped.
const SPREADSHEET: Preset = Preset {
    name: LayoutName::Spreadsheet,
    columns: synonyms::SPREADSHEET,
    markers: &[],
    line_items: false,
    report_rows: true,
    customer_from_headings: false,
    default_terms: None,
};

/// Every tool's layouts, in the order detection tries them.
const LAYOUTS: [&Preset; 9] = [
    &CHASER,
    &QUICKBOOKS_LIST,
    &QUICKBOOKS_BY_CUSTOMER,
    &XERO_INVOICES,
    &XERO_AGED,
    &FRESHBOOKS,
    &STRIPE,
    &ZOHO,
    &SPREADSHEET,
];

impl Layout {
    fn from_preset(p: &Preset) -> Layout {
        let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        Layout {
            name: p.name,
            columns: p
                .columns
                .iter()
                .map(|(field, names)| (*field, names.iter().map(|n| Name::new(n)).collect()))
                .collect(),
            also_required: if p.name == LayoutName::Chaser {
                vec![Field::OwnerEmail, Field::Currency]
            } else {
                Vec::new()
            },
            markers: owned(p.markers),
            line_items: p.line_items,
            report_rows: p.report_rows,
            customer_from_headings: p.customer_from_headings,
            fallback: p.name == LayoutName::Spreadsheet,
            default_terms: p.default_terms.clone(),
        }
    }

    /// A tool's layouts, in the order detection tries them; none for [`PresetName::Custom`].
    pub(crate) fn preset(name: PresetName) -> Vec<Layout> {
        LAYOUTS
            .into_iter()
            .filter(|p| p.name.preset() == name)
            .map(Layout::from_preset)
            .collect()
    }

    /// Every known layout, for detection; built once, as every file is matched against them.
    pub(crate) fn known() -> &'static [Layout] {
        static KNOWN: LazyLock<Vec<Layout>> =
            LazyLock::new(|| LAYOUTS.into_iter().map(Layout::from_preset).collect());
        &KNOWN
    }
}
