//! What a proposal's checked fields make: the owner's lines of problems, the one-line summary
//! and the invoice an approval starts. Shared by the activities and the owner's page.

use chaser_domain::{Contact, Customer, Email, Invoice, Money, Role, Terms};
use chaser_extract::Validated;

/// `field: message` lines for the owner.
pub(super) fn lines(problems: &[chaser_extract::Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect()
}

/// `INV-2041 · Acme Ltd · USD 1,250.00 · due 2026-12-02`, as far as the fields go.
pub(super) fn summary(v: &Validated) -> String {
    let parts = [
        v.number.as_ref().map(ToString::to_string),
        v.customer_name.clone(),
        v.amount.as_ref().map(Money::grouped),
        v.due_date.map(|d| format!("due {d}")),
    ];
    let known: Vec<String> = parts.into_iter().flatten().collect();
    if known.is_empty() {
        "nothing could be read".to_owned()
    } else {
        known.join(" · ")
    }
}

/// The invoice an approved proposal makes, or what is still missing.
pub(super) fn invoice_of(v: &Validated, owner: &Email) -> Result<Invoice, String> {
    if !v.is_complete() {
        return Err(lines(&v.problems).join("; "));
    }
    let missing = |field: &str| format!("{field}: missing");
    let number = v.number.clone().ok_or_else(|| missing("number"))?;
    let name = v
        .customer_name
        .clone()
        .ok_or_else(|| missing("customer_name"))?;
    let amount = v.amount.ok_or_else(|| missing("amount"))?;
    let issue = v.issue_date.ok_or_else(|| missing("issue_date"))?;
    let due = v.due_date.ok_or_else(|| missing("due_date"))?;
    let terms = v
        .terms
        .clone()
        .unwrap_or(Terms::Custom("as printed".into()));
    let id: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let customer = Customer { id, name };
    let mut invoice = Invoice::new(number, customer, amount, issue, due, terms, owner.clone());
    if let Some(email) = &v.contact_email {
        invoice.contacts = vec![Contact {
            name: String::new(),
            email: email.clone(),
            roles: vec![Role::Billing],
        }];
    }
    invoice.check().map_err(|e| e.to_string())?;
    Ok(invoice)
}
