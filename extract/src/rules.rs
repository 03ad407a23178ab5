//! Reading an invoice from its text alone ([`propose_from_text`]: the text's lines are its
//! layout).

use crate::layout::Layout;
use crate::proposal::Proposal;
use crate::reading::read_invoice;

/// Reads the invoice fields off a document's text, each line a row of the layout (see
/// [`Layout::from_text`]). Never fails: what it cannot find stays `None`.
pub fn propose_from_text(text: &str) -> Proposal {
    read_invoice(text, &Layout::from_text(text), &[])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn labels_on_their_own_line_and_dollar_amounts_are_read() {
        let p = propose_from_text(
            "INVOICE\nInvoice Number\n7731\nDate\nMarch 3, 2026\nDue\n04/02/2026\n\
             Bill to: Globex Corp\nsales@globex.example\nItem Total\nConsulting $1,000.00\n\
             Balance due $1,000.00\nDue on receipt",
        );
        assert_eq!(p.number.as_deref(), Some("7731"));
        assert_eq!(p.issue_date.as_deref(), Some("2026-03-03"));
        assert_eq!(p.due_date.as_deref(), Some("04/02/2026"), "reads two ways");
        assert_eq!(p.customer_name.as_deref(), Some("Globex Corp"));
        assert_eq!(p.contact_email.as_deref(), Some("sales@globex.example"));
        assert_eq!(p.amount.as_deref(), Some("1000.00"));
        assert_eq!(p.currency, None);
        assert_eq!(p.terms.as_deref(), Some("Due on receipt"));
        assert_eq!(p.line_items.len(), 1);
        assert_eq!(p.line_items[0].description, "Consulting");
        let flags: Vec<String> = p.flags.iter().map(ToString::to_string).collect();
        assert_eq!(
            flags,
            [
                "currency: ambiguous: `$` could be USD, CAD, AUD, NZD, SGD, HKD, MXN: no country on the document settles it",
                "due_date: ambiguous: `04/02/2026` could be 4 February 2026 or 2 April 2026: confirm which",
            ]
        );
    }

    #[test]
    fn text_without_labels_proposes_nothing_and_flags_every_field_missing() {
        let p = propose_from_text("Dear customer, thank you.\nInvoice date: tomorrow");
        let flags: Vec<String> = p.flags.iter().map(ToString::to_string).collect();
        assert_eq!(Proposal { flags: vec![], ..p }, Proposal::default());
        assert_eq!(
            flags,
            [
                "number: missing: not printed beside a label the reader knows",
                "customer_name: missing: not printed beside a label the reader knows",
                "contact_email: missing: not printed beside a label the reader knows",
                "amount: missing: not printed beside a label the reader knows",
                "currency: missing: the document prints no currency code or symbol",
                "issue_date: missing: not printed beside a label the reader knows",
                "due_date: missing: not printed beside a label the reader knows",
            ]
        );
    }
}
