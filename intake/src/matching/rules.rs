//! The matching rules, in the order the module doc gives them: references first, then a
//! unique balance with the customer named.

use std::cmp::Ordering;

use chaser_domain::Money;

use super::text::{Atom, Gap, atoms, words};
use super::{Allocation, MatchBasis, MatchOutcome, OpenInvoice};
use crate::bank::BankPayment;

/// Bare numbers shorter than this (`7`, `42`) are too common in text to name an invoice.
const MIN_BARE_DIGITS: usize = 3;

/// Company-form words ignored at the end of a customer's name.
const COMPANY_SUFFIXES: &[&str] = &[
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "corp",
    "corporation",
    "co",
    "sa",
    "sarl",
    "sas",
    "bv",
    "nv",
    "pty",
    "srl",
];

/// Decides where `payment` goes among `open` (see the module doc for the rules).
pub fn match_payment(payment: &BankPayment, open: &[OpenInvoice]) -> MatchOutcome {
    let amount = payment.amount;
    let mut open: Vec<&OpenInvoice> = open.iter().collect();
    open.sort_by_cached_key(|i| {
        (
            i.number.normalized(),
            i.number.as_str().to_owned(),
            i.balance.to_string(),
            i.customer_name.clone(),
        )
    });
    let text = atoms(&payment.remittance);
    let named: Vec<&OpenInvoice> = open
        .iter()
        .copied()
        .filter(|i| names(&text, i, &open))
        .collect();
    let (same, other): (Vec<&OpenInvoice>, Vec<&OpenInvoice>) = named
        .into_iter()
        .partition(|i| i.balance.currency() == amount.currency());
    match same.as_slice() {
        [] if !other.is_empty() => MatchOutcome::Unmatched {
            reason: format!(
                "the remittance names {}, but the payment is in {}",
                list(
                    other
                        .iter()
                        .map(|i| format!("{} ({})", i.number, i.balance.currency()))
                ),
                amount.currency()
            ),
        },
        [] => by_amount(payment, &open),
        [one] => by_reference(amount, one),
        several => split(amount, several),
    }
}

fn by_reference(amount: Money, invoice: &OpenInvoice) -> MatchOutcome {
    let balance = invoice.balance;
    // Same currency, so the comparison cannot fail.
    let (how, overpaid) = match amount.checked_cmp(&balance) {
        Ok(Ordering::Less) => (
            format!("pays {amount} of its balance {balance}: a partial payment"),
            false,
        ),
        Ok(Ordering::Equal) => ("pays its balance in full".to_owned(), false),
        _ => (
            format!("pays {amount}, more than its balance {balance}: overpaid"),
            true,
        ),
    };
    MatchOutcome::Unique {
        invoice: invoice.number.clone(),
        amount,
        basis: MatchBasis::Reference,
        overpaid,
        reason: format!("the remittance names {}; {how}", invoice.number),
    }
}

fn split(amount: Money, named: &[&OpenInvoice]) -> MatchOutcome {
    let numbers = || list(named.iter().map(|i| i.number.to_string()));
    let total = named
        .iter()
        .try_fold(Money::zero(amount.currency()), |sum, i| {
            sum.checked_add(&i.balance)
        });
    match total {
        Ok(total) if total == amount => MatchOutcome::Split {
            allocations: named
                .iter()
                .map(|i| Allocation {
                    invoice: i.number.clone(),
                    amount: i.balance,
                })
                .collect(),
            reason: format!(
                "the remittance names {} and {amount} is exactly their balances",
                numbers()
            ),
        },
        Ok(total) => MatchOutcome::Ambiguous {
            candidates: named.iter().map(|i| i.number.clone()).collect(),
            reason: format!(
                "the remittance names {}, whose balances total {total}, but the payment is {amount}",
                numbers()
            ),
        },
        Err(e) => MatchOutcome::Ambiguous {
            candidates: named.iter().map(|i| i.number.clone()).collect(),
            reason: format!(
                "the remittance names {}, whose balances cannot be added: {e}",
                numbers()
            ),
        },
    }
}

fn by_amount(payment: &BankPayment, open: &[&OpenInvoice]) -> MatchOutcome {
    let amount = payment.amount;
    let equal: Vec<&OpenInvoice> = open
        .iter()
        .copied()
        .filter(|i| i.balance == amount)
        .collect();
    match equal.as_slice() {
        [] => MatchOutcome::Unmatched {
            reason: format!(
                "the remittance names no open invoice, and none has a balance of {amount}"
            ),
        },
        [one] if mentions_customer(payment, &one.customer_name) => MatchOutcome::Unique {
            invoice: one.number.clone(),
            amount,
            basis: MatchBasis::AmountAndPayer,
            overpaid: false,
            reason: format!(
                "{amount} is the balance of {}, and the payment names its customer {}",
                one.number, one.customer_name
            ),
        },
        [one] => MatchOutcome::Ambiguous {
            candidates: vec![one.number.clone()],
            reason: format!(
                "amount matches {} but nothing in the remittance names it",
                one.number
            ),
        },
        several => MatchOutcome::Ambiguous {
            candidates: several.iter().map(|i| i.number.clone()).collect(),
            reason: format!(
                "{amount} is the balance of {} open invoices ({}), and the remittance names none",
                several.len(),
                list(several.iter().map(|i| i.number.to_string()))
            ),
        },
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// Whether the text's atoms name `invoice`, in full or by a bare number it alone has.
fn names(text: &[Atom], invoice: &OpenInvoice, open: &[&OpenInvoice]) -> bool {
    let number = atoms(&invoice.number.normalized());
    let whole = !number.is_empty()
        && text.windows(number.len()).enumerate().any(|(at, window)| {
            let starts = window[0].before != Gap::Glued;
            let ends = text
                .get(at + number.len())
                .is_none_or(|a| a.before != Gap::Glued);
            starts && ends && window.iter().zip(&number).all(|(a, b)| a.text == b.text)
        });
    if whole {
        return true;
    }
    let digits = digit_part(invoice);
    if digits.len() < MIN_BARE_DIGITS {
        return false;
    }
    let bare = text.iter().enumerate().any(|(at, a)| {
        let alone =
            a.before == Gap::Apart && text.get(at + 1).is_none_or(|n| n.before == Gap::Apart);
        alone && a.text == digits
    });
    bare && open.iter().filter(|i| digit_part(i) == digits).count() == 1
}

fn digit_part(invoice: &OpenInvoice) -> String {
    invoice
        .number
        .as_str()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// The payer or the remittance contains the customer's name, company form aside.
fn mentions_customer(payment: &BankPayment, customer: &str) -> bool {
    let mut name = words(customer);
    while name.len() > 1
        && name
            .last()
            .is_some_and(|w| COMPANY_SUFFIXES.contains(&w.as_str()))
    {
        name.pop();
    }
    if name.is_empty() {
        return false;
    }
    [payment.payer.as_deref().unwrap_or(""), &payment.remittance]
        .iter()
        .any(|text| {
            words(text)
                .windows(name.len())
                .any(|w| w == name.as_slice())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaser_domain::InvoiceNumber;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn open(number: &str, customer: &str, balance: &str) -> OpenInvoice {
        OpenInvoice {
            number: InvoiceNumber::parse(number).unwrap(),
            customer_name: customer.to_owned(),
            balance: money(balance),
        }
    }

    fn payment(amount: &str, payer: Option<&str>, remittance: &str) -> BankPayment {
        BankPayment {
            line: 2,
            id: "T1".to_owned(),
            date: date(2026, 3, 2),
            amount: money(amount),
            payer: payer.map(str::to_owned),
            remittance: remittance.to_owned(),
        }
    }

    fn book() -> Vec<OpenInvoice> {
        vec![
            open("INV-1042", "Acme Ltd", "USD 300.00"),
            open("INV-1043", "Globex GmbH", "USD 150.00"),
            open("INV-1044", "Initech LLC", "USD 150.00"),
            open("INV-2001", "Umbrella Inc.", "EUR 99.00"),
            open("2024-0042", "Hooli", "USD 80.00"),
        ]
    }

    fn unique(outcome: &MatchOutcome) -> (&str, MatchBasis, bool) {
        match outcome {
            MatchOutcome::Unique {
                invoice,
                basis,
                overpaid,
                ..
            } => (invoice.as_str(), *basis, *overpaid),
            other => panic!("not unique: {other:?}"),
        }
    }

    #[test]
    fn every_spelling_of_a_reference_names_the_invoice() {
        for text in [
            "INV-1042",
            "payment inv 1042 thanks",
            "INV1042",
            "Ref: inv-1042.",
            "1042",
            "invoice #1042",
            "ref 2024 0042",
        ] {
            let outcome = match_payment(&payment("USD 300.00", None, text), &book());
            let expected = if text.contains("0042") {
                "2024-0042"
            } else {
                "INV-1042"
            };
            assert_eq!(unique(&outcome).0, expected, "{text}");
        }
        for text in [
            "INV-10421",
            "XINV1042",
            "XINV-1042",
            "PO1042",
            "PO-1042",
            "10420",
            "INV-104",
        ] {
            let outcome = match_payment(&payment("USD 1.00", None, text), &book());
            assert!(
                matches!(outcome, MatchOutcome::Unmatched { .. }),
                "{text}: {outcome:?}"
            );
        }
    }

    #[test]
    fn a_referenced_payment_may_be_partial_or_overpaid() {
        let full = match_payment(&payment("USD 300.00", None, "INV-1042"), &book());
        assert_eq!(unique(&full), ("INV-1042", MatchBasis::Reference, false));
        assert_eq!(
            full.reason(),
            "the remittance names INV-1042; pays its balance in full"
        );
        let partial = match_payment(&payment("USD 100.00", None, "INV-1042"), &book());
        assert!(!unique(&partial).2);
        assert_eq!(
            partial.reason(),
            "the remittance names INV-1042; pays USD 100.00 of its balance USD 300.00: a partial payment"
        );
        let over = match_payment(&payment("USD 301.00", None, "INV-1042"), &book());
        assert!(unique(&over).2);
    }

    #[test]
    fn several_references_split_only_on_the_exact_sum() {
        let outcome = match_payment(&payment("USD 450.00", None, "INV-1042 INV-1043"), &book());
        let MatchOutcome::Split { allocations, .. } = &outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(
            allocations
                .iter()
                .map(|a| (a.invoice.as_str(), a.amount.to_string()))
                .collect::<Vec<_>>(),
            [
                ("INV-1042", "USD 300.00".to_owned()),
                ("INV-1043", "USD 150.00".to_owned())
            ]
        );
        let outcome = match_payment(&payment("USD 300.00", None, "INV-1042, INV-1043"), &book());
        assert_eq!(
            outcome,
            MatchOutcome::Ambiguous {
                candidates: vec![
                    InvoiceNumber::parse("INV-1042").unwrap(),
                    InvoiceNumber::parse("INV-1043").unwrap()
                ],
                reason: "the remittance names INV-1042, INV-1043, whose balances total USD 450.00, but the payment is USD 300.00".to_owned(),
            }
        );
    }

    #[test]
    fn without_a_reference_the_amount_needs_the_customer_named() {
        let by_payer = match_payment(&payment("USD 300.00", Some("ACME LIMITED"), ""), &book());
        assert_eq!(
            unique(&by_payer),
            ("INV-1042", MatchBasis::AmountAndPayer, false)
        );
        let in_text = match_payment(&payment("USD 80.00", None, "from hooli, thanks"), &book());
        assert_eq!(unique(&in_text).0, "2024-0042");
        let unnamed = match_payment(&payment("USD 300.00", Some("J Smith"), "thanks"), &book());
        assert_eq!(
            unnamed,
            MatchOutcome::Ambiguous {
                candidates: vec![InvoiceNumber::parse("INV-1042").unwrap()],
                reason: "amount matches INV-1042 but nothing in the remittance names it".to_owned(),
            }
        );
        let twice = match_payment(&payment("USD 150.00", Some("Globex"), ""), &book());
        assert!(
            matches!(&twice, MatchOutcome::Ambiguous { candidates, .. } if candidates.len() == 2)
        );
        assert_eq!(
            twice.reason(),
            "USD 150.00 is the balance of 2 open invoices (INV-1043, INV-1044), and the remittance names none"
        );
        let nothing = match_payment(&payment("USD 1.00", None, "hello"), &book());
        assert_eq!(
            nothing.reason(),
            "the remittance names no open invoice, and none has a balance of USD 1.00"
        );
    }

    #[test]
    fn another_currency_never_matches() {
        let outcome = match_payment(&payment("USD 99.00", Some("Umbrella"), "INV-2001"), &book());
        assert_eq!(
            outcome,
            MatchOutcome::Unmatched {
                reason: "the remittance names INV-2001 (EUR), but the payment is in USD".to_owned()
            }
        );
        let by_amount = match_payment(&payment("GBP 300.00", Some("Acme"), ""), &book());
        assert!(matches!(by_amount, MatchOutcome::Unmatched { .. }));
    }

    #[test]
    fn a_bare_number_shared_by_two_invoices_names_neither() {
        let mut invoices = book();
        invoices.push(open("CN-1042", "Acme Ltd", "USD 5.00"));
        let outcome = match_payment(&payment("USD 7.00", None, "1042"), &invoices);
        assert!(
            matches!(outcome, MatchOutcome::Unmatched { .. }),
            "{outcome:?}"
        );
    }

    fn invoice_strategy() -> impl Strategy<Value = OpenInvoice> {
        (
            prop::sample::select(vec!["INV-", "INV", "inv ", "", "CN-", "2026-"]),
            1u32..3000,
            1i64..50_000,
            prop::sample::select(vec!["USD", "EUR", "JPY"]),
            prop::sample::select(vec![
                "Acme Ltd",
                "Globex GmbH",
                "Hooli",
                "Ltd",
                "A.C.M.E. Inc",
            ]),
        )
            .prop_map(|(prefix, n, minor, code, name)| {
                let currency = chaser_domain::Currency::parse(code).unwrap();
                let amount = rust_decimal::Decimal::new(minor, currency.minor_units());
                OpenInvoice {
                    number: InvoiceNumber::parse(&format!("{prefix}{n}")).unwrap(),
                    customer_name: name.to_owned(),
                    balance: Money::new(amount, currency).unwrap(),
                }
            })
    }

    fn payment_strategy(invoices: Vec<OpenInvoice>) -> impl Strategy<Value = BankPayment> {
        let numbers: Vec<String> = invoices.iter().map(|i| i.number.to_string()).collect();
        let balances: Vec<Money> = invoices.iter().map(|i| i.balance).collect();
        let words = prop::collection::vec(
            prop_oneof![
                prop::sample::select(numbers),
                "[a-zA-Z0-9 #/.-]{0,12}",
                prop::sample::select(vec![
                    "acme".to_owned(),
                    "INV".to_owned(),
                    "hooli".to_owned()
                ]),
            ],
            0..4,
        );
        let amount = prop_oneof![
            prop::sample::select(balances),
            (1i64..50_000).prop_map(|m| Money::new(
                rust_decimal::Decimal::new(m, 2),
                "USD".parse().unwrap()
            )
            .unwrap()),
        ];
        (words, amount, proptest::option::of("[A-Za-z .]{0,12}")).prop_map(
            |(words, amount, payer)| BankPayment {
                line: 2,
                id: "T".to_owned(),
                date: date(2026, 1, 1),
                amount,
                payer,
                remittance: words.join(" "),
            },
        )
    }

    fn case() -> impl Strategy<Value = (Vec<OpenInvoice>, BankPayment, Vec<OpenInvoice>)> {
        prop::collection::vec(invoice_strategy(), 1..8).prop_flat_map(|invoices| {
            let shuffled = Just(invoices.clone()).prop_shuffle();
            (Just(invoices.clone()), payment_strategy(invoices), shuffled)
        })
    }

    proptest! {
        #[test]
        fn any_text_is_matched_without_panicking(
            text in "\\PC{0,40}",
            payer in proptest::option::of("\\PC{0,20}"),
            minor in 0i64..40_000,
        ) {
            let mut p = payment("USD 1.00", payer.as_deref(), &text);
            p.amount = Money::new(rust_decimal::Decimal::new(minor, 2), p.amount.currency()).unwrap();
            let outcome = match_payment(&p, &book());
            prop_assert!(!outcome.reason().is_empty());
        }

        #[test]
        fn a_unique_match_is_named_or_paid_exactly_and_order_does_not_matter(
            (invoices, payment, shuffled) in case()
        ) {
            let outcome = match_payment(&payment, &invoices);
            prop_assert_eq!(&outcome, &match_payment(&payment, &shuffled));
            prop_assert!(!outcome.reason().is_empty());
            if let MatchOutcome::Unique { invoice, .. } = &outcome {
                let squashed: String = payment
                    .remittance
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_uppercase();
                let number: String = invoice
                    .as_str()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_uppercase();
                let digits: String = number.chars().filter(char::is_ascii_digit).collect();
                let paid_exactly = invoices
                    .iter()
                    .any(|i| &i.number == invoice && i.balance == payment.amount);
                prop_assert!(
                    squashed.contains(&number) || squashed.contains(&digits) || paid_exactly,
                    "{outcome:?} for {payment:?}"
                );
            }
        }
    }
}
