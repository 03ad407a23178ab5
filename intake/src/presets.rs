//! The exports we know: which header names each accounting tool writes for our fields, and
//! how its rows are laid out. Also the custom mapping from config, for any other tool.
//!
//! Header names are compared after trimming, lower-casing, dropping a leading `*` (Xero marks
//! required columns so) and squeezing runs of spaces. Where a field lists several names, the
//! first one present in the file with a value in the row wins.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use chaser_domain::Terms;
use serde::{Deserialize, Serialize};

use crate::mapping::Field;
use crate::synonyms::{self, header_key};

/// The tool that wrote an export, or `Custom` for a configured mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresetName {
    /// The chaser's own CSV (`chaser import`).
    Chaser,
    Quickbooks,
    Xero,
    Freshbooks,
    Stripe,
    Zoho,
    /// Any spreadsheet whose columns have common names (`Invoice No`, `Client`, `Amount Due`).
    Spreadsheet,
    Custom,
}

impl PresetName {
    /// The presets that auto-detection tries, in this order.
    pub const KNOWN: [PresetName; 7] = [
        PresetName::Chaser,
        PresetName::Quickbooks,
        PresetName::Xero,
        PresetName::Freshbooks,
        PresetName::Stripe,
        PresetName::Zoho,
        PresetName::Spreadsheet,
    ];

    /// The name in config and on the command line: `quickbooks`.
    pub fn as_str(self) -> &'static str {
        match self {
            PresetName::Chaser => "chaser",
            PresetName::Quickbooks => "quickbooks",
            PresetName::Xero => "xero",
            PresetName::Freshbooks => "freshbooks",
            PresetName::Stripe => "stripe",
            PresetName::Zoho => "zoho",
            PresetName::Spreadsheet => "spreadsheet",
            PresetName::Custom => "custom",
        }
    }

    /// The name people know: `QuickBooks Online`.
    pub fn title(self) -> &'static str {
        match self {
            PresetName::Chaser => "chaser",
            PresetName::Quickbooks => "QuickBooks Online",
            PresetName::Xero => "Xero",
            PresetName::Freshbooks => "FreshBooks",
            PresetName::Stripe => "Stripe",
            PresetName::Zoho => "Zoho Books",
            PresetName::Spreadsheet => "plain spreadsheet",
            PresetName::Custom => "custom",
        }
    }
}

impl fmt::Display for PresetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

impl FromStr for PresetName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        [PresetName::Custom]
            .into_iter()
            .chain(PresetName::KNOWN)
            .find(|p| p.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a preset: expected chaser, quickbooks, xero, freshbooks, stripe, zoho, spreadsheet or custom"
                )
            })
    }
}

/// Our fields mapped to the header names of some other tool's export, from config:
///
/// ```toml
/// [intake.mapping]
/// number = "Inv No"
/// customer = "Client"
/// amount = "Gross"
/// issue_date = "Date"
/// due_date = "Due"
/// balance = "Open"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomMapping {
    pub number: String,
    pub customer: String,
    pub amount: String,
    pub issue_date: String,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    /// The open balance, when the export states it. When the export states only what is
    /// owed, name that column as `amount` too: a part payment is then already taken off.
    #[serde(default)]
    pub balance: Option<String>,
    /// The amount paid so far, when the export states it instead of the balance.
    #[serde(default)]
    pub amount_paid: Option<String>,
    /// A line item's amount, in exports with one row per line item. When the export states
    /// no invoice total, name this column as `amount` too: the invoice's amount is then the
    /// sum of its line items'.
    #[serde(default)]
    pub line_amount: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub terms: Option<String>,
    #[serde(default)]
    pub pay_url: Option<String>,
    #[serde(default)]
    pub pdf_url: Option<String>,
    #[serde(default)]
    pub owner_email: Option<String>,
    /// A yes/no column.
    #[serde(default)]
    pub paid: Option<String>,
    /// A status column in the tool's words (`Paid`, `Awaiting Payment`, `Void`...).
    #[serde(default)]
    pub status: Option<String>,
    /// One row per line item: rows repeating an invoice with the same facts are one invoice.
    #[serde(default)]
    pub line_items: bool,
}

/// Which layout a file was read as: a tool's export or report, a plain spreadsheet, or the
/// custom mapping. A tool may write several layouts (a list export, a report grouped by
/// customer); [`LayoutName::preset`] names the tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayoutName {
    /// The chaser's own CSV.
    Chaser,
    /// QuickBooks Online's A/R Aging Detail or Invoice List report with a customer column.
    QuickbooksList,
    /// A QuickBooks Online report grouped by customer (Open Invoices, or A/R Aging Detail
    /// grouped by customer): the customer is the heading above each group.
    QuickbooksByCustomer,
    /// Xero's sales invoice export, one row per line item.
    XeroInvoices,
    /// Xero's Aged Receivables Detail report: contact headings, aging buckets, totals.
    XeroAgedReceivables,
    /// FreshBooks' Invoice Details report, one row per line item.
    FreshbooksInvoiceDetails,
    StripeInvoices,
    ZohoInvoices,
    /// A hand-made or generic spreadsheet, read by common column names.
    Spreadsheet,
    Custom,
}

impl LayoutName {
    pub fn preset(self) -> PresetName {
        match self {
            LayoutName::Chaser => PresetName::Chaser,
            LayoutName::QuickbooksList | LayoutName::QuickbooksByCustomer => PresetName::Quickbooks,
            LayoutName::XeroInvoices | LayoutName::XeroAgedReceivables => PresetName::Xero,
            LayoutName::FreshbooksInvoiceDetails => PresetName::Freshbooks,
            LayoutName::StripeInvoices => PresetName::Stripe,
            LayoutName::ZohoInvoices => PresetName::Zoho,
            LayoutName::Spreadsheet => PresetName::Spreadsheet,
            LayoutName::Custom => PresetName::Custom,
        }
    }

    /// What a person would call it: `Xero Aged Receivables Detail report`.
    pub fn title(self) -> &'static str {
        match self {
            LayoutName::Chaser => "chaser CSV",
            LayoutName::QuickbooksList => "QuickBooks Online A/R Aging Detail or Invoice List",
            LayoutName::QuickbooksByCustomer => {
                "QuickBooks Online report grouped by customer (Open Invoices, A/R Aging Detail)"
            }
            LayoutName::XeroInvoices => "Xero invoices export",
            LayoutName::XeroAgedReceivables => "Xero Aged Receivables Detail report",
            LayoutName::FreshbooksInvoiceDetails => "FreshBooks Invoice Details report",
            LayoutName::StripeInvoices => "Stripe invoices export",
            LayoutName::ZohoInvoices => "Zoho Books invoices export",
            LayoutName::Spreadsheet => "plain spreadsheet",
            LayoutName::Custom => "custom mapping",
        }
    }
}

impl fmt::Display for LayoutName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// A header name a layout reads, with its [`header_key`] worked out once: detection looks
/// every name of every layout up in each of the top rows of every file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub text: String,
    pub key: String,
}

impl Name {
    pub(crate) fn new(text: &str) -> Name {
        Name {
            text: text.to_owned(),
            key: header_key(text),
        }
    }
}

/// How to read one kind of export; built from a preset or a custom mapping.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub name: LayoutName,
    /// Each field with its header names, most preferred first.
    pub columns: Vec<(Field, Vec<Name>)>,
    /// Columns required on top of [`Field::REQUIRED`] (the native format's strictness).
    pub also_required: Vec<Field>,
    /// Header names of which one must be present for the layout to fit: what tells a report
    /// from an export with the same fields (Xero's aging buckets, QuickBooks' open balance).
    pub markers: Vec<String>,
    /// One row per line item: an invoice may repeat on several rows.
    pub line_items: bool,
    /// A report with titles, headings, subtotals and a footer between and after the invoice
    /// rows (rows with neither a number nor a date); they are skipped, not rejected.
    pub report_rows: bool,
    /// The customer is not a column but the heading row above each group of invoices; the
    /// layout fits only a header without a customer column.
    pub customer_from_headings: bool,
    /// Tried only when no tool's layout fits (the plain spreadsheet's broad names).
    pub fallback: bool,
    /// Terms for rows that give neither terms nor a due date.
    pub default_terms: Option<Terms>,
}

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

    pub(crate) fn custom(mapping: &CustomMapping) -> Layout {
        let optional = [
            (Field::CustomerId, &mapping.customer_id),
            (Field::ContactEmail, &mapping.contact_email),
            (Field::ContactName, &mapping.contact_name),
            (Field::Balance, &mapping.balance),
            (Field::AmountPaid, &mapping.amount_paid),
            (Field::LineAmount, &mapping.line_amount),
            (Field::Currency, &mapping.currency),
            (Field::DueDate, &mapping.due_date),
            (Field::Terms, &mapping.terms),
            (Field::PayUrl, &mapping.pay_url),
            (Field::PdfUrl, &mapping.pdf_url),
            (Field::OwnerEmail, &mapping.owner_email),
            (Field::Paid, &mapping.paid),
            (Field::Status, &mapping.status),
        ];
        let required = [
            (Field::Number, &mapping.number),
            (Field::Customer, &mapping.customer),
            (Field::Amount, &mapping.amount),
            (Field::IssueDate, &mapping.issue_date),
        ];
        // The amount named as the line amount: the invoice's is their sum, not one of them.
        // Named as the balance: the export states only what is owed.
        let summed = mapping.line_amount.as_ref() == Some(&mapping.amount);
        let owed = mapping.balance.as_ref() == Some(&mapping.amount);
        let columns =
            required
                .into_iter()
                .filter(|(field, _)| !((summed || owed) && *field == Field::Amount))
                .map(|(field, name)| (field, vec![Name::new(name)]))
                .chain(optional.into_iter().filter_map(|(field, name)| {
                    name.as_deref().map(|n| (field, vec![Name::new(n)]))
                }))
                .collect();
        Layout {
            name: LayoutName::Custom,
            columns,
            also_required: Vec::new(),
            markers: Vec::new(),
            line_items: mapping.line_items,
            report_rows: false,
            customer_from_headings: false,
            fallback: false,
            default_terms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_names_round_trip() {
        for name in PresetName::KNOWN {
            assert_eq!(name.as_str().parse(), Ok(name));
        }
        assert_eq!("Custom".parse(), Ok(PresetName::Custom));
        assert!("sage".parse::<PresetName>().is_err());
    }

    #[test]
    fn a_custom_mapping_comes_from_toml_and_rejects_unknown_keys() {
        let mapping: CustomMapping = toml::from_str(
            "number = \"Inv No\"\ncustomer = \"Client\"\namount = \"Gross\"\nissue_date = \"Date\"\nbalance = \"Open\"\n",
        )
        .unwrap();
        let layout = Layout::custom(&mapping);
        assert!(
            layout
                .columns
                .contains(&(Field::Balance, vec![Name::new("Open")]))
        );
        assert!(
            layout
                .columns
                .contains(&(Field::Number, vec![Name::new("Inv No")]))
        );
        let typo = toml::from_str::<CustomMapping>(
            "number = \"n\"\ncustomer = \"c\"\namount = \"a\"\nissue_date = \"d\"\nbalanse = \"b\"\n",
        );
        assert!(
            typo.unwrap_err()
                .to_string()
                .contains("unknown field `balanse`")
        );
    }
}
