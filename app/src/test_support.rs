//! What the unit tests share: a chaser with a fresh store and no Temporal at all, and
//! invoices read the way an import reads them.

use std::sync::Arc;

use chaser_activities::store::Store;
use chaser_domain::{Email, Invoice, Rules};
use chaser_intake::{Export, Options, read_export};

use crate::Chaser;

/// A chaser with a fresh SQLite store in memory and no Temporal.
pub async fn offline() -> Chaser {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    Chaser::new(
        Err("no Temporal in this test".to_owned()),
        store,
        Arc::new(Rules::default()),
        "test".to_owned(),
    )
}

/// A plain sheet's rows under `Invoice Number,Customer,Email,Amount Due,Currency,Invoice
/// Date,Due Date,Status`, read as an import reads them.
pub fn export(rows: &str) -> Export {
    let header = "Invoice Number,Customer,Email,Amount Due,Currency,Invoice Date,Due Date,Status\n";
    let options = Options {
        default_owner: Some(Email::parse("owner@chaser.example").unwrap()),
        ..Options::default()
    };
    read_export(format!("{header}{rows}").as_bytes(), "books.csv", &options).unwrap()
}

/// An open invoice for USD 100.00, issued on 2026-11-01 and due on `due`.
pub fn invoice(number: &str, customer: &str, due: &str) -> Invoice {
    let row = format!("{number},{customer},ap@acme.example,100.00,USD,2026-11-01,{due},Unpaid\n");
    export(&row).rows.remove(0).invoice
}
