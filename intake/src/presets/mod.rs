//! The exports we know: which header names each accounting tool writes for our fields, and
//! how its rows are laid out. Also the custom mapping from config, for any other tool.
//!
//! Header names are compared after trimming, lower-casing, dropping a leading `*` (Xero marks
//! required columns so) and squeezing runs of spaces. Where a field lists several names, the
//! first one present in the file with a value in the row wins.

mod tools;

use std::fmt;
use std::str::FromStr;

use chaser_domain::Terms;
use serde::{Deserialize, Serialize};

use crate::field::Field;
use crate::synonyms::header_key;

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

impl Layout {
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
