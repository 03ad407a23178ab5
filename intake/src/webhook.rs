//! The payloads of the chaser's own webhooks: the accounting webhook's events (a documented
//! JSON schema, see `docs/webhooks.md`) and the bank webhook's batch of payments.
//!
//! Here rather than in the HTTP crate because the bodies come from strangers: reading them is
//! pure, so it is fuzzed (`fuzz/fuzz_targets/accounting_webhook.rs`) without linking Temporal.

use chaser_domain::{
    Contact, Currency, Customer, Email, Invoice, InvoiceNumber, Locale, Money, Terms, Zone,
};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use url::Url;

use crate::bank::BankPayment;

/// `{"id": "...", "type": "invoice.created", "data": {...}}`.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: serde_json::Value,
}

/// `invoice.created`, and `invoice.updated` with the same fields: the invoice as the source
/// now has it. Changes to a running chase's due date, amount or contacts re-plan it. Amounts are decimal strings in `currency`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceCreated {
    pub number: String,
    pub customer: CustomerData,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub balance: Option<String>,
    pub issue_date: Date,
    #[serde(default)]
    pub due_date: Option<Date>,
    #[serde(default)]
    pub terms: Option<String>,
    #[serde(default)]
    pub pay_url: Option<Url>,
    #[serde(default)]
    pub pdf_url: Option<Url>,
    pub owner_email: Email,
    #[serde(default)]
    pub customer_time_zone: Option<Zone>,
    #[serde(default)]
    pub locale: Option<Locale>,
    #[serde(default)]
    pub already_sent: bool,
    /// Exact issue and due instants, when the source has them.
    #[serde(default)]
    pub issued_at: Option<Timestamp>,
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    /// Never send this invoice's customer any reminder.
    #[serde(default)]
    pub do_not_chase: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerData {
    pub id: String,
    pub name: String,
}

/// `invoice.paid`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoicePaid {
    pub number: String,
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
    #[serde(default)]
    pub reference: Option<String>,
}

/// `invoice.voided`: the invoice was cancelled at the source; its chase ends as void.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceVoided {
    pub number: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `payment.received`: money arrived against an invoice. Less than the balance lowers it;
/// the whole balance (or more) ends the chase as paid.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentReceived {
    pub number: String,
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
    #[serde(default)]
    pub reference: Option<String>,
}

impl PaymentReceived {
    pub fn amount(&self) -> Result<Money, FieldError> {
        let field = |name: &str, message: String| FieldError {
            field: format!("data.{name}"),
            message,
        };
        let currency =
            Currency::parse(&self.currency).map_err(|e| field("currency", e.to_string()))?;
        let amount =
            Money::parse(&self.amount, currency).map_err(|e| field("amount", e.to_string()))?;
        if !amount.is_positive() {
            return Err(field("amount", format!("must be positive, got {amount}")));
        }
        Ok(amount)
    }
}

/// The event types, in the order `docs/webhooks.md` lists them.
pub const EVENT_TYPES: [&str; 5] = [
    "invoice.created",
    "invoice.updated",
    "invoice.paid",
    "invoice.voided",
    "payment.received",
];

/// A field-level problem in a payload: `field` is the JSON path (`data.amount`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Deserializes `data`, naming the field that failed.
pub fn parse<T: for<'de> Deserialize<'de>>(data: &serde_json::Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(data).map_err(|e| FieldError {
        field: format!("data.{}", e.path())
            .trim_end_matches(".")
            .to_owned(),
        message: e.inner().to_string(),
    })
}

impl InvoiceCreated {
    pub fn into_invoice(self) -> Result<(Invoice, bool), FieldError> {
        let field = |name: &str, message: String| FieldError {
            field: format!("data.{name}"),
            message,
        };
        let number =
            InvoiceNumber::parse(&self.number).map_err(|e| field("number", e.to_string()))?;
        let currency =
            Currency::parse(&self.currency).map_err(|e| field("currency", e.to_string()))?;
        let amount =
            Money::parse(&self.amount, currency).map_err(|e| field("amount", e.to_string()))?;
        let balance = self
            .balance
            .as_deref()
            .map(|b| Money::parse(b, currency))
            .transpose()
            .map_err(|e| field("balance", e.to_string()))?;
        let terms = self
            .terms
            .as_deref()
            .map(Terms::parse_lenient)
            .transpose()
            .map_err(|e| field("terms", e.to_string()))?;
        let (terms, due_date) = Terms::settle(terms, self.issue_date, self.due_date)
            .map_err(|why| field("due_date", why))?;
        let customer = Customer {
            id: self.customer.id,
            name: self.customer.name,
        };
        let invoice = Invoice {
            contacts: self.contacts,
            balance: balance.unwrap_or(amount),
            pay_url: self.pay_url,
            pdf_url: self.pdf_url,
            customer_time_zone: self.customer_time_zone,
            locale: self.locale,
            already_sent: self.already_sent,
            issued_at: self.issued_at,
            due_at: self.due_at,
            do_not_chase: self.do_not_chase,
            ..Invoice::new(
                number,
                customer,
                amount,
                self.issue_date,
                due_date,
                terms,
                self.owner_email,
            )
        };
        invoice
            .check()
            .map_err(|e| field(e.field(), e.to_string()))?;
        Ok((invoice, balance.is_some()))
    }
}

/// One payment in `POST /webhooks/bank`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankPaymentData {
    pub id: String,
    pub date: Date,
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub payer: Option<String>,
    #[serde(default)]
    pub remittance: String,
}

/// `POST /webhooks/bank`: `{"payments": [{"id", "date", "amount", "currency", "payer",
/// "remittance"}]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankBatch {
    pub payments: Vec<BankPaymentData>,
}

impl BankBatch {
    /// The payments as the matcher takes them, numbered from 1 in batch order; the first bad
    /// one is an error naming its field (`payments[2].amount`).
    pub fn into_payments(self) -> Result<Vec<BankPayment>, FieldError> {
        let mut payments = vec![];
        for (i, p) in self.payments.into_iter().enumerate() {
            let field = |name: &str, message: String| FieldError {
                field: format!("payments[{i}].{name}"),
                message,
            };
            let currency =
                Currency::parse(&p.currency).map_err(|e| field("currency", e.to_string()))?;
            let amount =
                Money::parse(&p.amount, currency).map_err(|e| field("amount", e.to_string()))?;
            if !amount.is_positive() {
                return Err(field("amount", format!("must be positive, got {amount}")));
            }
            if p.id.trim().is_empty() {
                return Err(field("id", "must not be empty".into()));
            }
            payments.push(BankPayment {
                line: i as u64 + 1,
                id: p.id,
                date: p.date,
                amount,
                payer: p.payer,
                remittance: p.remittance,
            });
        }
        Ok(payments)
    }
}
