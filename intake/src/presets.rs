//! The exports we know: which header names each accounting tool writes for our fields, and
//! how its rows are laid out. Also the custom mapping from config, for any other tool.
//!
//! Header names are compared after trimming, lower-casing, dropping a leading `*` (Xero marks
//! required columns so) and squeezing runs of spaces. Where a field lists several names, the
//! first one present in the file with a value in the row wins.

use std::fmt;
use std::str::FromStr;

use chaser_domain::Terms;
use serde::{Deserialize, Serialize};

use crate::mapping::Field;

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
    Custom,
}

impl PresetName {
    /// The presets that auto-detection tries, in this order.
    pub const KNOWN: [PresetName; 6] = [
        PresetName::Chaser,
        PresetName::Quickbooks,
        PresetName::Xero,
        PresetName::Freshbooks,
        PresetName::Stripe,
        PresetName::Zoho,
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
                    "`{s}` is not a preset: expected chaser, quickbooks, xero, freshbooks, stripe, zoho or custom"
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
    /// The open balance, when the export states it.
    #[serde(default)]
    pub balance: Option<String>,
    /// The amount paid so far, when the export states it instead of the balance.
    #[serde(default)]
    pub amount_paid: Option<String>,
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

/// How to read one kind of export; built from a preset or a custom mapping.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub name: PresetName,
    /// Each field with its header names, most preferred first.
    pub columns: Vec<(Field, Vec<String>)>,
    /// Columns required on top of [`Field::REQUIRED`] (the native format's strictness).
    pub also_required: Vec<Field>,
    /// One row per line item: an invoice may repeat on several rows.
    pub line_items: bool,
    /// A report with headings, subtotals and a footer between and after the invoice rows
    /// (rows with neither a number nor a date); they are skipped, not rejected.
    pub report_rows: bool,
    /// Terms for rows that give neither terms nor a due date.
    pub default_terms: Option<Terms>,
}

/// Compares header names loosely: `  *Invoice  Date ` is `invoice date`.
pub(crate) fn normalize_header(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .trim_start_matches('*')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

struct Preset {
    name: PresetName,
    columns: &'static [(Field, &'static [&'static str])],
    line_items: bool,
    report_rows: bool,
    default_terms: Option<Terms>,
}

use Field::*;

/// The native CSV: every field the chaser knows, by its own name.
const CHASER: Preset = Preset {
    name: PresetName::Chaser,
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
    line_items: false,
    report_rows: false,
    default_terms: None,
};

/// QuickBooks Online's A/R Aging Detail report (and the Invoice List report, which names the
/// same columns `No.`, `Due date`, `Open balance`), exported to CSV or Excel: title lines, then
/// `Date, Transaction Type, Num, Customer, Due Date, Past Due, Amount, Open Balance`, with
/// aging-bucket headings and `Total for ...` lines between the invoices. Payments and credit
/// memos also appear; only `Invoice` rows are read.
/// The report (AgedReceivableDetail): https://developer.intuit.com/app/developer/qbo/docs/workflows/run-reports
/// That page lists the report but not its column titles; these are the report's printed
/// titles, not checked against a published sample.
const QUICKBOOKS: Preset = Preset {
    name: PresetName::Quickbooks,
    columns: &[
        (Number, &["Num", "No.", "Invoice No.", "Invoice #"]),
        (Customer, &["Customer", "Customer full name"]),
        (IssueDate, &["Date", "Invoice Date"]),
        (DueDate, &["Due Date"]),
        (Amount, &["Amount", "Total Amount"]),
        (Balance, &["Open Balance"]),
        (Currency, &["Currency"]),
        (Terms, &["Terms"]),
        (ContactEmail, &["Email", "Customer Email"]),
        (Kind, &["Transaction Type"]),
    ],
    line_items: false,
    report_rows: true,
    default_terms: None,
};

/// Xero's sales invoice export (Business > Invoices > Export), which has the columns of its
/// import template: one row per line item, invoice totals repeated on each.
/// Columns: https://docs.milientsoftware.com/help/moment-by-topic/integrations/file-exports/file-export-accounting-system/xero/xero-templates
/// Status and amount meanings: https://developer.xero.com/documentation/api/invoices/
const XERO: Preset = Preset {
    name: PresetName::Xero,
    columns: &[
        (Number, &["InvoiceNumber"]),
        (Customer, &["ContactName"]),
        (ContactEmail, &["EmailAddress"]),
        (IssueDate, &["InvoiceDate"]),
        (DueDate, &["DueDate"]),
        (Amount, &["Total"]),
        (AmountPaid, &["InvoiceAmountPaid", "AmountPaid"]),
        (Balance, &["InvoiceAmountDue", "AmountDue"]),
        (Currency, &["Currency"]),
        (Status, &["Status"]),
        (Kind, &["Type"]),
    ],
    line_items: true,
    report_rows: false,
    default_terms: None,
};

/// FreshBooks' Invoice Details report exported to CSV (Reports > Invoice Details).
/// The report and its total/paid/outstanding figures: https://developers.qodex.ai/freshbooks-s-public/freshbooks-api/reports-87/invoice-details-33
/// That page does not print the CSV's column titles; these are not checked against a sample.
const FRESHBOOKS: Preset = Preset {
    name: PresetName::Freshbooks,
    columns: &[
        (Number, &["Invoice #", "Invoice Number"]),
        (Customer, &["Client Name", "Client", "Organization"]),
        (ContactEmail, &["Client Email", "Email"]),
        (IssueDate, &["Date Issued", "Issue Date", "Invoice Date"]),
        (DueDate, &["Due Date"]),
        (Amount, &["Invoice Total", "Total", "Amount"]),
        (AmountPaid, &["Paid", "Amount Paid"]),
        (
            Balance,
            &["Outstanding", "Amount Outstanding", "Balance Due"],
        ),
        (Currency, &["Currency", "Currency Code"]),
        (Status, &["Invoice Status", "Status"]),
    ],
    line_items: true,
    report_rows: false,
    default_terms: None,
};

/// Stripe's Dashboard invoices export (Invoices > Export), one row per invoice, amounts in
/// major units, dates `2026-11-21 10:00:00` in UTC, currencies in lower case. Invoices that
/// Stripe charges automatically have no due date: they are due when issued.
/// The export: https://docs.stripe.com/invoicing/dashboard/manage-invoices
/// Field meanings (amount due, paid, remaining; statuses): https://docs.stripe.com/api/invoices/object
/// The CSV's column titles are not printed there; these are not checked against a sample.
const STRIPE: Preset = Preset {
    name: PresetName::Stripe,
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
    line_items: false,
    report_rows: false,
    default_terms: Some(Terms::DueOnReceipt),
};

/// Zoho Books' invoice export (Sales > Invoices > Export Invoices, CSV or XLSX): one row per
/// line item, invoice totals repeated on each.
/// The export: https://www.zoho.com/de-de/books/kb/invoices/exp-inv.md
/// Columns as in Zoho's sample invoice file: https://www.scribd.com/document/437583531/Sample-Invoices
const ZOHO: Preset = Preset {
    name: PresetName::Zoho,
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
        (Currency, &["Currency Code"]),
        (Status, &["Invoice Status"]),
        (Terms, &["Payment Terms Label"]),
    ],
    line_items: true,
    report_rows: false,
    default_terms: None,
};

fn preset(name: PresetName) -> Option<&'static Preset> {
    match name {
        PresetName::Chaser => Some(&CHASER),
        PresetName::Quickbooks => Some(&QUICKBOOKS),
        PresetName::Xero => Some(&XERO),
        PresetName::Freshbooks => Some(&FRESHBOOKS),
        PresetName::Stripe => Some(&STRIPE),
        PresetName::Zoho => Some(&ZOHO),
        PresetName::Custom => None,
    }
}

impl Layout {
    /// A known preset's layout; `None` for [`PresetName::Custom`].
    pub(crate) fn preset(name: PresetName) -> Option<Layout> {
        let p = preset(name)?;
        Some(Layout {
            name: p.name,
            columns: p
                .columns
                .iter()
                .map(|(field, names)| (*field, names.iter().map(|n| (*n).to_owned()).collect()))
                .collect(),
            also_required: if name == PresetName::Chaser {
                vec![Field::OwnerEmail, Field::Currency]
            } else {
                Vec::new()
            },
            line_items: p.line_items,
            report_rows: p.report_rows,
            default_terms: p.default_terms.clone(),
        })
    }

    pub(crate) fn custom(mapping: &CustomMapping) -> Layout {
        let optional = [
            (Field::CustomerId, &mapping.customer_id),
            (Field::ContactEmail, &mapping.contact_email),
            (Field::ContactName, &mapping.contact_name),
            (Field::Balance, &mapping.balance),
            (Field::AmountPaid, &mapping.amount_paid),
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
        let columns = required
            .into_iter()
            .map(|(field, name)| (field, vec![name.clone()]))
            .chain(
                optional
                    .into_iter()
                    .filter_map(|(field, name)| name.clone().map(|n| (field, vec![n]))),
            )
            .collect();
        Layout {
            name: PresetName::Custom,
            columns,
            also_required: Vec::new(),
            line_items: mapping.line_items,
            report_rows: false,
            default_terms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_compare_loosely() {
        assert_eq!(normalize_header("  *Invoice   Date "), "invoice date");
        assert_eq!(normalize_header("\u{feff}Number"), "number");
    }

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
                .contains(&(Field::Balance, vec!["Open".to_owned()]))
        );
        assert!(
            layout
                .columns
                .contains(&(Field::Number, vec!["Inv No".to_owned()]))
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
