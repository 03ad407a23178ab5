//! Stripe webhooks: the `Stripe-Signature` check, and events read into what the chaser does
//! about them.
//!
//! Events are read leniently from JSON rather than through a typed Stripe crate, so that any
//! API version works, including 2017-08-15 events (localstripe sends these: `date` instead of
//! `created` on invoices, and `number`, `customer_email` or `due_date` may be null). Amounts
//! arrive in minor units and become [`Money`] by the currency's own minor units (JPY has none).

use chaser_domain::invoice::InvoiceError;
use chaser_domain::{
    Contact, Currency, Customer, Email, Invoice, InvoiceNumber, Money, Role, Terms,
};
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::Sha256;
use url::Url;

/// How far a signature's timestamp may be from now, as Stripe's own libraries allow.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeSignatureError {
    #[error("missing Stripe-Signature header")]
    Missing,
    #[error("Stripe-Signature header is malformed: {0}")]
    Malformed(String),
    #[error("Stripe-Signature timestamp is {0} seconds away from now, outside the tolerance")]
    Stale(i64),
    #[error("no v1 signature in the Stripe-Signature header matches the body")]
    Mismatch,
}

/// Checks the `Stripe-Signature` header (`t=<unix>,v1=<hex>[,v1=<hex>...]`): some v1 must be
/// the HMAC-SHA256 of `"{t}.{body}"` keyed with the whole endpoint secret (`whsec_...`), and
/// `t` must be within `tolerance_secs` of `now_unix` either way. `v0` and unknown schemes are
/// ignored.
pub fn verify_signature(
    secret: &str,
    header: Option<&str>,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), StripeSignatureError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(StripeSignatureError::Missing)?;
    let malformed = |why: String| StripeSignatureError::Malformed(why);
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed(format!("`{}` is not key=value", part.trim())))?;
        match key {
            "t" if timestamp.is_none() => {
                let t: i64 = value
                    .parse()
                    .map_err(|_| malformed(format!("t=`{value}` is not a unix time")))?;
                timestamp = Some((value, t));
            }
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    let (t_text, t) = timestamp.ok_or_else(|| malformed("no t= timestamp".to_owned()))?;
    if signatures.is_empty() {
        return Err(malformed("no v1= signature".to_owned()));
    }
    let age = now_unix.saturating_sub(t);
    if age.saturating_abs() > tolerance_secs {
        return Err(StripeSignatureError::Stale(age));
    }
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!());
    mac.update(t_text.as_bytes());
    mac.update(b".");
    mac.update(body);
    let matches = signatures
        .iter()
        .any(|s| hex::decode(s).is_ok_and(|expected| mac.clone().verify_slice(&expected).is_ok()));
    if matches {
        Ok(())
    } else {
        Err(StripeSignatureError::Mismatch)
    }
}

/// An event that could not be read; `field` is the JSON path (`data.object.currency`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeEventError {
    #[error("the Stripe event is not JSON: {0}")]
    InvalidJson(String),
    #[error("the Stripe event has no `{0}`")]
    Missing(String),
    #[error("the Stripe event's `{field}` {reason}")]
    Invalid { field: String, reason: String },
}

/// A Stripe event, reduced to what the chaser does about it.
#[derive(Debug, Clone, PartialEq)]
pub struct StripeEvent {
    pub id: String,
    pub event_type: String,
    pub created: Timestamp,
    pub action: StripeAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StripeAction {
    /// `invoice.finalized`: a new invoice to chase.
    Start(Box<StripeInvoice>),
    /// `invoice.paid` or `invoice.payment_succeeded`. `paid_at` is the invoice's own paid
    /// time, else the event's.
    Paid {
        invoice_id: String,
        number: InvoiceNumber,
        amount_paid: Money,
        paid_at: Timestamp,
    },
    /// `invoice.voided`.
    Void {
        invoice_id: String,
        number: InvoiceNumber,
    },
    /// `invoice.marked_uncollectible`.
    Uncollectible {
        invoice_id: String,
        number: InvoiceNumber,
    },
    /// `charge.dispute.created`; the invoice is known only when the charge is expanded.
    Dispute {
        charge: String,
        invoice_id: Option<String>,
        reason: String,
        amount: Money,
    },
    /// Any other event type.
    Ignored(String),
}

/// A finalized Stripe invoice: what the chaser needs to build an [`Invoice`].
#[derive(Debug, Clone, PartialEq)]
pub struct StripeInvoice {
    pub id: String,
    /// The invoice number, or the Stripe id when the invoice has none.
    pub number: InvoiceNumber,
    pub customer_id: String,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub currency: Currency,
    pub amount_due: Money,
    pub total: Money,
    /// `created`, or `date` in old API versions.
    pub created: Timestamp,
    /// `None`: due on receipt.
    pub due_date: Option<Timestamp>,
    /// The pay link.
    pub hosted_invoice_url: Option<Url>,
    pub invoice_pdf: Option<Url>,
}

/// Reads an event body (the raw bytes that were signed).
pub fn parse_event(body: &[u8]) -> Result<StripeEvent, StripeEventError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| StripeEventError::InvalidJson(e.to_string()))?;
    let event = Node {
        value: &value,
        path: String::new(),
    };
    let event_type = event.str("type")?.to_owned();
    let object = event.node("data")?.node("object")?;
    let created = event.timestamp("created")?;
    let action = match event_type.as_str() {
        "invoice.finalized" => StripeAction::Start(Box::new(StripeInvoice::read(&object)?)),
        "invoice.paid" | "invoice.payment_succeeded" => {
            let currency = object.currency()?;
            let amount_paid = match object.opt_i64("amount_paid")? {
                Some(minor) => object.money("amount_paid", minor, currency)?,
                // Versions before amount_paid existed only sent this event for a full payment.
                None => object.money("total", object.i64("total")?, currency)?,
            };
            let paid_at = match object.opt_node("status_transitions") {
                Some(t) => t.opt_timestamp("paid_at")?,
                None => None,
            };
            StripeAction::Paid {
                invoice_id: object.str("id")?.to_owned(),
                number: object.number()?,
                amount_paid,
                paid_at: paid_at.unwrap_or(created),
            }
        }
        "invoice.voided" => StripeAction::Void {
            invoice_id: object.str("id")?.to_owned(),
            number: object.number()?,
        },
        "invoice.marked_uncollectible" => StripeAction::Uncollectible {
            invoice_id: object.str("id")?.to_owned(),
            number: object.number()?,
        },
        "charge.dispute.created" => {
            let (charge, invoice_id) = match object.get("charge") {
                Some(Value::Object(_)) => {
                    let charge = object.node("charge")?;
                    (
                        charge.str("id")?.to_owned(),
                        charge.opt_str("invoice")?.map(str::to_owned),
                    )
                }
                _ => (object.str("charge")?.to_owned(), None),
            };
            StripeAction::Dispute {
                charge,
                invoice_id,
                reason: object.opt_str("reason")?.unwrap_or("unknown").to_owned(),
                amount: object.money("amount", object.i64("amount")?, object.currency()?)?,
            }
        }
        _ => StripeAction::Ignored(event_type.clone()),
    };
    Ok(StripeEvent {
        id: event.str("id")?.to_owned(),
        event_type,
        created,
        action,
    })
}

impl StripeInvoice {
    fn read(object: &Node<'_>) -> Result<StripeInvoice, StripeEventError> {
        let currency = object.currency()?;
        let (customer_id, expanded) = match object.get("customer") {
            Some(Value::Object(_)) => {
                let customer = object.node("customer")?;
                (customer.str("id")?.to_owned(), Some(customer))
            }
            _ => (object.str("customer")?.to_owned(), None),
        };
        let from_customer = |key: &str| -> Result<Option<String>, StripeEventError> {
            match &expanded {
                Some(c) => Ok(c.opt_str(key)?.map(str::to_owned)),
                None => Ok(None),
            }
        };
        let customer_name = match object.opt_str("customer_name")? {
            Some(name) => Some(name.to_owned()),
            None => from_customer("name")?,
        };
        let customer_email = match object.opt_str("customer_email")? {
            Some(email) => Some(email.to_owned()),
            None => from_customer("email")?,
        };
        let created = match object.opt_timestamp("created")? {
            Some(t) => t,
            None => object.timestamp("date")?,
        };
        Ok(StripeInvoice {
            id: object.str("id")?.to_owned(),
            number: object.number()?,
            customer_id,
            customer_name,
            customer_email,
            currency,
            amount_due: object.money("amount_due", object.i64("amount_due")?, currency)?,
            total: object.money("total", object.i64("total")?, currency)?,
            created,
            due_date: object.opt_timestamp("due_date")?,
            hosted_invoice_url: object.opt_url("hosted_invoice_url")?,
            invoice_pdf: object.opt_url("invoice_pdf")?,
        })
    }

    /// The invoice to chase: issued on its creation day (UTC), owing `amount_due` of `total`,
    /// due on `due_date` or on receipt. The customer is named by its name, else its e-mail,
    /// else its Stripe id; the e-mail, when there is one, is the billing contact.
    pub fn to_invoice(&self, owner_email: &Email) -> Result<Invoice, StripeEventError> {
        let field = |name: &str, reason: String| StripeEventError::Invalid {
            field: format!("data.object.{name}"),
            reason,
        };
        let issue = self.created.to_zoned(TimeZone::UTC).date();
        let (terms, due) = match self.due_date {
            None => (Terms::DueOnReceipt, issue),
            Some(due) => {
                let due = due.to_zoned(TimeZone::UTC).date();
                Terms::settle(None, issue, Some(due)).map_err(|e| field("due_date", e))?
            }
        };
        let contacts = match &self.customer_email {
            Some(text) => vec![Contact {
                name: self.customer_name.clone().unwrap_or_default(),
                email: Email::parse(text).map_err(|e| field("customer_email", e.to_string()))?,
                roles: vec![Role::Billing],
            }],
            None => vec![],
        };
        let name = self
            .customer_name
            .clone()
            .or_else(|| self.customer_email.clone())
            .unwrap_or_else(|| self.customer_id.clone());
        let mut invoice = Invoice::new(
            self.number.clone(),
            Customer {
                id: self.customer_id.clone(),
                name,
            },
            self.total,
            issue,
            due,
            terms,
            owner_email.clone(),
        );
        invoice.balance = self.amount_due;
        invoice.contacts = contacts;
        invoice.pay_url = self.hosted_invoice_url.clone();
        invoice.pdf_url = self.invoice_pdf.clone();
        invoice.issued_at = Some(self.created);
        invoice.due_at = self.due_date;
        invoice.check().map_err(|e| {
            let name = match e {
                InvoiceError::AmountNotPositive(_) => "total",
                InvoiceError::BalanceAboveAmount { .. } | InvoiceError::NegativeBalance { .. } => {
                    "amount_due"
                }
                _ => "due_date",
            };
            field(name, e.to_string())
        })?;
        Ok(invoice)
    }
}

/// A JSON value and its path, for errors that name the field.
struct Node<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> Node<'a> {
    fn path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// A field's value; JSON `null` counts as absent.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| !v.is_null())
    }

    fn invalid(&self, key: &str, reason: impl Into<String>) -> StripeEventError {
        StripeEventError::Invalid {
            field: self.path(key),
            reason: reason.into(),
        }
    }

    fn opt_node(&self, key: &str) -> Option<Node<'a>> {
        self.get(key).filter(|v| v.is_object()).map(|value| Node {
            value,
            path: self.path(key),
        })
    }

    fn node(&self, key: &str) -> Result<Node<'a>, StripeEventError> {
        match self.get(key) {
            None => Err(StripeEventError::Missing(self.path(key))),
            Some(value) if value.is_object() => Ok(Node {
                value,
                path: self.path(key),
            }),
            Some(_) => Err(self.invalid(key, "is not an object")),
        }
    }

    fn opt_str(&self, key: &str) -> Result<Option<&'a str>, StripeEventError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.invalid(key, "is not a string")),
        }
    }

    fn str(&self, key: &str) -> Result<&'a str, StripeEventError> {
        self.opt_str(key)?
            .ok_or_else(|| StripeEventError::Missing(self.path(key)))
    }

    fn opt_i64(&self, key: &str) -> Result<Option<i64>, StripeEventError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.invalid(key, format!("is not a whole number: {v}"))),
        }
    }

    fn i64(&self, key: &str) -> Result<i64, StripeEventError> {
        self.opt_i64(key)?
            .ok_or_else(|| StripeEventError::Missing(self.path(key)))
    }

    fn opt_timestamp(&self, key: &str) -> Result<Option<Timestamp>, StripeEventError> {
        self.opt_i64(key)?
            .map(|t| {
                Timestamp::from_second(t)
                    .map_err(|_| self.invalid(key, format!("{t} is not a unix time")))
            })
            .transpose()
    }

    fn timestamp(&self, key: &str) -> Result<Timestamp, StripeEventError> {
        self.opt_timestamp(key)?
            .ok_or_else(|| StripeEventError::Missing(self.path(key)))
    }

    fn opt_url(&self, key: &str) -> Result<Option<Url>, StripeEventError> {
        self.opt_str(key)?
            .map(|s| {
                Url::parse(s).map_err(|e| self.invalid(key, format!("`{s}` is not a URL: {e}")))
            })
            .transpose()
    }

    fn currency(&self) -> Result<Currency, StripeEventError> {
        let code = self.str("currency")?;
        Currency::parse(code).map_err(|e| self.invalid("currency", e.to_string()))
    }

    /// The invoice number, else the Stripe invoice id.
    fn number(&self) -> Result<InvoiceNumber, StripeEventError> {
        let (key, text) = match self.opt_str("number")? {
            Some(number) => ("number", number),
            None => ("id", self.str("id")?),
        };
        InvoiceNumber::parse(text).map_err(|e| self.invalid(key, e.to_string()))
    }

    /// `minor` units of `currency`. Stripe writes ISK with two decimals although it has none.
    fn money(&self, key: &str, minor: i64, currency: Currency) -> Result<Money, StripeEventError> {
        let (minor, scale) = match currency.code() {
            "ISK" if minor % 100 != 0 => {
                return Err(self.invalid(
                    key,
                    format!("{minor} is not a whole number of ISK (Stripe writes ISK times 100)"),
                ));
            }
            "ISK" => (minor / 100, 0),
            _ => (minor, currency.minor_units()),
        };
        Money::new(Decimal::new(minor, scale), currency)
            .map_err(|e| self.invalid(key, e.to_string()))
    }
}
