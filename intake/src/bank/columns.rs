//! Finding a statement's columns by their titles, in any case: the date, the money (one signed
//! column, or money in and out apart), and the columns that name the payer and the payment.

/// Compares statement titles loosely: `  *Value  Date ` is `value date`.
fn normalize_header(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .trim_start_matches('*')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What a statement column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ColumnKind {
    Date,
    /// Signed: negative is money out.
    Amount,
    Credit,
    Debit,
    Currency,
    Id,
    Payer,
    /// Description, reference, memo: joined into the remittance text.
    Text,
}

/// Column titles (normalized) for each kind; for dates, the preferred first.
const TITLES: &[(ColumnKind, &[&str])] = &[
    (
        ColumnKind::Date,
        &[
            "transaction date",
            "booking date",
            "date",
            "posting date",
            "posted date",
            "value date",
        ],
    ),
    (ColumnKind::Amount, &["amount", "transaction amount"]),
    (
        ColumnKind::Credit,
        &[
            "credit",
            "credit amount",
            "paid in",
            "money in",
            "deposit",
            "deposits",
        ],
    ),
    (
        ColumnKind::Debit,
        &[
            "debit",
            "debit amount",
            "paid out",
            "money out",
            "withdrawal",
            "withdrawals",
        ],
    ),
    (ColumnKind::Currency, &["currency", "ccy"]),
    (
        ColumnKind::Id,
        &["transaction id", "id", "fitid", "transaction number"],
    ),
    (
        ColumnKind::Payer,
        &[
            "payee",
            "payer",
            "counterparty",
            "counterparty name",
            "name",
        ],
    ),
    (
        ColumnKind::Text,
        &[
            "description",
            "transaction description",
            "details",
            "reference",
            "payment reference",
            "memo",
            "remittance",
            "remittance information",
            "narrative",
        ],
    ),
];

/// The titles a statement needs, for the refusal message.
pub(crate) const EXPECTED_COLUMNS: &str = "a date (Date, Transaction Date, Booking Date or Value Date) and an amount (Amount, or Credit / Paid in / Money in beside Debit / Paid out / Money out)";

/// Where a row's money is: one signed column, or money in and money out apart.
#[derive(Debug, Clone, Copy)]
pub(super) enum AmountColumns {
    Signed(usize),
    Split { credit: usize, debit: Option<usize> },
}

/// Which column holds what. Single-valued kinds take the first title that matches.
#[derive(Debug)]
pub(super) struct Columns {
    pub(super) headers: Vec<String>,
    pub(super) date: usize,
    pub(super) amount: AmountColumns,
    pub(super) currency: Option<usize>,
    pub(super) id: Option<usize>,
    pub(super) payer: Option<usize>,
    /// In header order.
    pub(super) text: Vec<usize>,
}

impl Columns {
    /// `Err(missing)` when the row lacks a date or an amount column.
    pub(super) fn resolve(header: &[String]) -> Result<Columns, Vec<&'static str>> {
        let normalized: Vec<String> = header.iter().map(|h| normalize_header(h)).collect();
        let titles = |kind: ColumnKind| {
            TITLES
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(&[][..], |(_, t)| *t)
        };
        let first = |kind: ColumnKind| {
            titles(kind)
                .iter()
                .find_map(|t| normalized.iter().position(|h| h == t))
        };
        let date = first(ColumnKind::Date);
        // A signed amount column wins over credit/debit columns beside it.
        let amount = match (first(ColumnKind::Amount), first(ColumnKind::Credit)) {
            (Some(signed), _) => Some(AmountColumns::Signed(signed)),
            (None, Some(credit)) => Some(AmountColumns::Split {
                credit,
                debit: first(ColumnKind::Debit),
            }),
            (None, None) => None,
        };
        let (Some(date), Some(amount)) = (date, amount) else {
            let missing = [("date", date.is_some()), ("amount", amount.is_some())];
            return Err(missing
                .into_iter()
                .filter_map(|(name, has)| (!has).then_some(name))
                .collect());
        };
        let text = (0..normalized.len())
            .filter(|i| titles(ColumnKind::Text).contains(&normalized[*i].as_str()))
            .collect();
        Ok(Columns {
            headers: header.to_vec(),
            date,
            amount,
            currency: first(ColumnKind::Currency),
            id: first(ColumnKind::Id),
            payer: first(ColumnKind::Payer),
            text,
        })
    }

    pub(super) fn label(&self, column: usize) -> &str {
        self.headers.get(column).map_or("", String::as_str)
    }

    /// The columns holding amounts, for settling the decimal mark.
    pub(super) fn amount_columns(&self) -> Vec<usize> {
        match self.amount {
            AmountColumns::Signed(c) => vec![c],
            AmountColumns::Split { credit, debit } => {
                [Some(credit), debit].into_iter().flatten().collect()
            }
        }
    }
}

pub(super) fn cell(cells: &[String], column: usize) -> &str {
    cells.get(column).map_or("", String::as_str)
}
