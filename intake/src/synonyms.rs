//! What people title their columns: the names a plain spreadsheet uses for each of our
//! fields (`Invoice No`, `Inv #`, `Client`, `Bill To`, `Amount Due`, `Date Due`...), and the
//! loose comparison that makes `*InvoiceNumber`, `Invoice Number` and ` INVOICE  number `
//! one name. A spreadsheet then imports with no config, and `--suggest-mapping` starts from
//! the same list.

use crate::field::Field;

/// Compares header names loosely: case, spaces and punctuation do not count, so
/// `*InvoiceNumber`, `Invoice Number`, `invoice_number` and `Invoice No.`/`Invoice No` are
/// equal in pairs. The marks that change a name's meaning do count: `#` (`Invoice #` is not
/// `Invoice`), `<` and `>` (`< 1 Month` is not `1 Month`) and `%`.
pub(crate) fn header_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '#' | '<' | '>' | '%'))
        .flat_map(char::to_lowercase)
        .collect()
}

use Field::*;

/// A plain spreadsheet's column names for each field, most likely first. Names that mean
/// different things in different tools go where a hand-made sheet means them: `Amount Due`
/// is what is still owed, `Total` the invoice's amount.
pub(crate) const SPREADSHEET: &[(Field, &[&str])] = &[
    (
        Number,
        &[
            "Invoice Number",
            "Invoice No",
            "Invoice #",
            "Inv #",
            "Inv No",
            "Inv Number",
            "Invoice",
            "Num",
            "Number",
            "No",
            "Document Number",
            "Document No",
            "Invoice ID",
            "Invoice Ref",
        ],
    ),
    (
        Customer,
        &[
            "Customer",
            "Customer Name",
            "Client",
            "Client Name",
            "Contact",
            "Contact Name",
            "Bill To",
            "Billed To",
            "Company",
            "Company Name",
            "Organization",
            "Organisation",
            "Debtor",
            "Account Name",
            "Customer Full Name",
        ],
    ),
    (
        CustomerId,
        &[
            "Customer ID",
            "Client ID",
            "Contact ID",
            "Customer Number",
            "Customer No",
            "Customer Code",
            "Client Code",
            "Account Number",
        ],
    ),
    (
        ContactEmail,
        &[
            "Email",
            "Email Address",
            "Customer Email",
            "Client Email",
            "Contact Email",
            "Billing Email",
        ],
    ),
    (ContactName, &["Contact Person", "Attention", "Attn"]),
    (
        Amount,
        &[
            "Amount",
            "Total",
            "Invoice Total",
            "Invoice Amount",
            "Total Amount",
            "Gross",
            "Gross Amount",
            "Grand Total",
            "Original Amount",
            "Amount Invoiced",
        ],
    ),
    (
        Balance,
        &[
            "Amount Due",
            "Balance",
            "Balance Due",
            "Open Balance",
            "Open Amount",
            "Outstanding",
            "Amount Outstanding",
            "Outstanding Amount",
            "Outstanding Balance",
            "Amount Remaining",
            "Remaining",
            "Remaining Balance",
            "Due Amount",
            "Amount Owed",
            "Unpaid Amount",
        ],
    ),
    (
        AmountPaid,
        &[
            "Amount Paid",
            "Paid Amount",
            "Paid To Date",
            "Amount Received",
        ],
    ),
    (
        LineAmount,
        &["Line Total", "Line Amount", "Item Total", "Item Amount"],
    ),
    (Currency, &["Currency", "Currency Code", "Curr", "CCY"]),
    (
        IssueDate,
        &[
            "Invoice Date",
            "Date",
            "Issue Date",
            "Date Issued",
            "Issued",
            "Issued On",
            "Document Date",
            "Transaction Date",
            "Txn Date",
            "Bill Date",
            "Billing Date",
        ],
    ),
    (
        DueDate,
        &[
            "Due Date",
            "Due",
            "Date Due",
            "Due On",
            "Due By",
            "Payment Due",
            "Payment Due Date",
            "Pay By",
        ],
    ),
    (Terms, &["Terms", "Payment Terms", "Credit Terms"]),
    (
        DatePaid,
        &["Date Paid", "Paid Date", "Paid On", "Last Payment Date"],
    ),
    (
        Status,
        &["Status", "Invoice Status", "State", "Payment Status"],
    ),
    // Not a bare `Type`: a sheet's `Type` is as often the kind of work as of document.
    (Kind, &["Transaction Type", "Document Type", "Doc Type"]),
    (
        PayUrl,
        &["Pay URL", "Payment Link", "Payment URL", "Pay Link"],
    ),
    (PdfUrl, &["PDF URL", "Invoice PDF", "PDF Link"]),
    // Not a bare `Owner`: that column usually holds a name, and this one needs an address.
    (OwnerEmail, &["Owner Email"]),
];

/// A field's spreadsheet names.
pub(crate) fn names(field: Field) -> &'static [&'static str] {
    SPREADSHEET
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(&[][..], |(_, names)| *names)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn case_spacing_and_punctuation_do_not_count_but_meaningful_marks_do() {
        for same in [
            "Invoice Number",
            "*InvoiceNumber",
            "  INVOICE   number ",
            "invoice_number",
            "\u{feff}Invoice-Number",
        ] {
            assert_eq!(header_key(same), "invoicenumber", "{same}");
        }
        assert_eq!(header_key("Invoice No."), header_key("invoice no"));
        assert_ne!(header_key("Invoice #"), header_key("Invoice"));
        assert_ne!(header_key("< 1 Month"), header_key("1 Month"));
        assert_ne!(header_key("> 90 days"), header_key("90 days"));
        assert_ne!(header_key("% of total"), header_key("of total"));
        assert_eq!(header_key("  --  "), "");
    }

    #[test]
    fn no_spreadsheet_name_means_two_fields() {
        let mut seen: BTreeMap<String, Field> = BTreeMap::new();
        for (field, names) in SPREADSHEET {
            for name in *names {
                let earlier = seen.insert(header_key(name), *field);
                assert!(earlier.is_none(), "`{name}` is listed twice");
            }
        }
    }
}
