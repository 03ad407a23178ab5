//! Reading a statement's rows under the file's settled date order and decimal mark: credits
//! into payments with stable ids, debits counted, a bad row reported with its column.

use std::collections::BTreeMap;

use chaser_domain::Currency;
use sha2::{Digest, Sha256};

use super::columns::{AmountColumns, Columns, cell};
use super::{BankPayment, Statement, StatementOptions, StatementRowError};
use crate::amounts::{self, AmountRules};
use crate::dates::{self, DateRules};
use crate::error::FileError;
use crate::format::{self, Record};

/// How many rows from the top may be account details before the header.
const HEADER_SEARCH_ROWS: usize = 20;

/// Reads a bank statement. `name` names the file in messages and hints at its format.
pub fn read_statement(
    name: &str,
    bytes: &[u8],
    options: &StatementOptions,
) -> Result<Statement, FileError> {
    let table = format::read_table(bytes, name)?;
    let Some(first) = table.records.first() else {
        return Err(FileError::Empty {
            file: name.to_owned(),
        });
    };
    let mut found = None;
    for (index, record) in table.records.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        if let Ok(columns) = Columns::resolve(&record.cells) {
            found = Some((index, columns));
            break;
        }
    }
    let Some((index, columns)) = found else {
        let missing = Columns::resolve(&first.cells).err().unwrap_or_default();
        return Err(FileError::NotAStatement {
            file: name.to_owned(),
            missing: missing.into_iter().map(str::to_owned).collect(),
            found: first
                .cells
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect(),
        });
    };
    let data = table.records.get(index + 1..).unwrap_or_default();
    let date_rules = dates::settle(
        name,
        data.iter().map(|r| (r.line, cell(&r.cells, columns.date))),
        options.date_format,
    )?;
    let amount_columns = columns.amount_columns();
    let amount_rules = amounts::settle(
        name,
        data.iter()
            .flat_map(|r| amount_columns.iter().map(|c| (r.line, cell(&r.cells, *c)))),
    )?;
    let reader = RowReader {
        file: name,
        columns: &columns,
        dates: date_rules,
        amounts: amount_rules,
        default_currency: options.default_currency,
    };
    let mut statement = Statement {
        payments: Vec::new(),
        rejected: table
            .unreadable
            .into_iter()
            .map(|e| StatementRowError {
                file: name.to_owned(),
                line: e.line,
                field: e.field,
                message: e.message,
            })
            .collect(),
        debits: 0,
    };
    let mut ids: BTreeMap<String, u64> = BTreeMap::new();
    let mut repeats: BTreeMap<String, u32> = BTreeMap::new();
    for record in data {
        match reader.read(record) {
            Ok(Some(mut payment)) => {
                if payment.id.is_empty() {
                    payment.id = hashed_id(&payment, &mut repeats);
                } else if let Some(earlier) = ids.get(&payment.id) {
                    let column = columns.id.map_or("", |c| columns.label(c));
                    statement.rejected.push(reader.error(
                        record.line,
                        column,
                        format!("transaction {} is also on line {earlier}", payment.id),
                    ));
                    continue;
                }
                ids.insert(payment.id.clone(), payment.line);
                statement.payments.push(payment);
            }
            Ok(None) => statement.debits += 1,
            Err(problems) => statement.rejected.extend(problems),
        }
    }
    statement.rejected.sort_by_key(|e| e.line);
    Ok(statement)
}

/// `h:` and the first 16 bytes of SHA-256 over the transaction's facts; the n-th repeat of
/// identical facts in one statement gets `#n`, so each keeps its own id.
fn hashed_id(payment: &BankPayment, repeats: &mut BTreeMap<String, u32>) -> String {
    let mut hasher = Sha256::new();
    for part in [
        payment.date.to_string(),
        payment.amount.to_string(),
        payment.payer.clone().unwrap_or_default(),
        payment.remittance.clone(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let id = format!("h:{}", hex::encode(&digest[..16]));
    let seen = repeats.entry(id.clone()).or_insert(0);
    *seen += 1;
    if *seen == 1 {
        id
    } else {
        format!("{id}#{seen}")
    }
}

/// Reads rows under the file's settled rules.
struct RowReader<'a> {
    file: &'a str,
    columns: &'a Columns,
    dates: DateRules,
    amounts: AmountRules,
    default_currency: Option<Currency>,
}

/// Which way a row's money goes; money in with its amount and column.
enum Flow {
    In(amounts::Amount, usize),
    Out,
}

impl RowReader<'_> {
    fn error(&self, line: u64, field: &str, message: String) -> StatementRowError {
        StatementRowError {
            file: self.file.to_owned(),
            line,
            field: field.to_owned(),
            message,
        }
    }

    /// `Ok(None)` for a debit; every problem in the row otherwise.
    fn read(&self, record: &Record) -> Result<Option<BankPayment>, Vec<StatementRowError>> {
        let (line, cells) = (record.line, &record.cells);
        let width = self.columns.headers.len();
        if cells.len() > width {
            return Err(vec![self.error(
                line,
                "",
                format!(
                    "has {} fields but the header has {width} (is a value with a comma missing its quotes?)",
                    cells.len()
                ),
            )]);
        }
        let mut problems = Vec::new();
        let mut problem = |column: usize, message: String| {
            problems.push(self.error(line, self.columns.label(column), message));
        };
        let date_column = self.columns.date;
        let date = match cell(cells, date_column) {
            "" => {
                problem(date_column, "is empty".to_owned());
                None
            }
            text => dates::parse(text, self.dates)
                .map_err(|e| problem(date_column, e))
                .ok(),
        };
        let flow = self.flow(cells).map_err(|(c, e)| problem(c, e)).ok();
        let currency = match self.columns.currency.map(|c| (c, cell(cells, c))) {
            Some((c, text)) if !text.is_empty() => Currency::parse(text)
                .map(Some)
                .map_err(|e| problem(c, e.to_string())),
            _ => Ok(None),
        };
        let (Some(date), Some(flow), Ok(currency)) = (date, flow, currency) else {
            return Err(problems);
        };
        let Flow::In(amount, column) = flow else {
            return Ok(None);
        };
        let money = amounts::row_currency(currency, &amount, self.default_currency)
            .and_then(|c| amount.money(c));
        let amount = match money {
            Ok(m) => m,
            Err(e) => {
                problem(column, e);
                return Err(problems);
            }
        };
        let payer = self
            .columns
            .payer
            .map(|c| cell(cells, c))
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let remittance = self
            .columns
            .text
            .iter()
            .map(|c| cell(cells, *c))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" / ");
        let id = self.columns.id.map_or("", |c| cell(cells, c)).to_owned();
        Ok(Some(BankPayment {
            line,
            id,
            date,
            amount,
            payer,
            remittance,
        }))
    }

    /// Whether the row is money in (with its amount and column) or out.
    fn flow(&self, cells: &[String]) -> Result<Flow, (usize, String)> {
        let parse = |column: usize| -> Result<Option<amounts::Amount>, (usize, String)> {
            match cell(cells, column) {
                "" => Ok(None),
                text => amounts::parse(text, self.amounts)
                    .map(Some)
                    .map_err(|e| (column, e)),
            }
        };
        let (credit_column, debit_column) = match self.columns.amount {
            AmountColumns::Signed(column) => {
                let amount = parse(column)?.ok_or((column, "is empty".to_owned()))?;
                return Ok(if amount.is_positive() {
                    Flow::In(amount, column)
                } else {
                    Flow::Out
                });
            }
            AmountColumns::Split { credit, debit } => (credit, debit),
        };
        let credit = parse(credit_column)?.filter(|a| !a.is_zero());
        let debit = match debit_column {
            Some(c) => parse(c)?.filter(|a| !a.is_zero()),
            None => None,
        };
        match (credit, debit) {
            (Some(credit), None) if credit.is_positive() => Ok(Flow::In(credit, credit_column)),
            (Some(credit), None) => Err((
                credit_column,
                format!("`{}` is a negative credit", credit.text()),
            )),
            (None, _) => Ok(Flow::Out),
            (Some(_), Some(_)) => Err((
                credit_column,
                format!(
                    "the row has both a credit and a {}",
                    debit_column.map_or("debit", |c| self.columns.label(c))
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::DateFormat;
    use jiff::civil::date;

    fn usd() -> StatementOptions {
        StatementOptions {
            default_currency: Some(Currency::parse("USD").unwrap()),
            ..StatementOptions::default()
        }
    }

    fn read(text: &str, options: &StatementOptions) -> Statement {
        read_statement("stmt.csv", text.as_bytes(), options).unwrap_or_else(|e| panic!("{e}"))
    }

    fn errors(statement: &Statement) -> Vec<String> {
        statement.rejected.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_signed_amount_statement_yields_its_credits_and_counts_its_debits() {
        let s = read(
            "Transaction Date,Description,Counterparty,Amount,Balance,Transaction ID\n\
             2026-03-02,INV-1042 thanks,Acme Ltd,\"1,200.50\",5000.00,T1\n\
             2026-03-03,Card payment,Coffee Shop,-4.50,4995.50,T2\n\
             2026-03-04,,Globex,(10.00),4985.50,T3\n\
             2026-03-05,Payment,Initech,300,5285.50,T4\n",
            &usd(),
        );
        assert_eq!(s.debits, 2);
        assert!(s.rejected.is_empty(), "{:?}", errors(&s));
        let first = &s.payments[0];
        assert_eq!(first.line, 2);
        assert_eq!(first.id, "T1");
        assert_eq!(first.date, date(2026, 3, 2));
        assert_eq!(first.amount.to_string(), "USD 1200.50");
        assert_eq!(first.payer.as_deref(), Some("Acme Ltd"));
        assert_eq!(first.remittance, "INV-1042 thanks");
        assert_eq!(s.payments[1].line, 5);
    }

    #[test]
    fn credit_and_debit_columns_and_reference_columns_are_joined() {
        let s = read(
            "Date;Details;Reference;Paid out;Paid in\n\
             03/04/2026;Bank transfer;INV 7;;1.250,00\n\
             25/04/2026;Direct debit;Rent;900,00;\n",
            &usd(),
        );
        assert_eq!(s.debits, 1);
        assert_eq!(s.payments.len(), 1);
        let p = &s.payments[0];
        assert_eq!(p.date, date(2026, 4, 3));
        assert_eq!(p.amount.to_string(), "USD 1250.00");
        assert_eq!(p.remittance, "Bank transfer / INV 7");
        assert_eq!(p.payer, None);
    }

    #[test]
    fn hashed_ids_are_stable_and_distinct_for_repeated_transactions() {
        let text = "Date,Memo,Money in,Money out\n\
                    2026-05-01,ACME,100.00,\n\
                    2026-05-01,ACME,100.00,\n\
                    2026-05-02,ACME,100.00,\n";
        let once = read(text, &usd());
        let again = read(text, &usd());
        let ids: Vec<&str> = once.payments.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            again
                .payments
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
        );
        assert!(ids[0].starts_with("h:") && ids[0].len() == 34, "{}", ids[0]);
        assert_eq!(ids[1], format!("{}#2", ids[0]));
        assert_ne!(ids[2], ids[0]);
    }

    #[test]
    fn bad_rows_name_file_line_and_column_and_the_rest_is_read() {
        let s = read(
            "Date,Description,Amount,Currency,Id\n\
             2026-06-01,ok,10.00,USD,A\n\
             yesterday,bad date,10.00,USD,B\n\
             2026-06-03,bad amount,ten,USD,C\n\
             2026-06-04,bad currency,10.00,XYZ,D\n\
             2026-06-05,wrong sign,€10.00,USD,E\n\
             2026-06-06,dup,11.00,USD,A\n\
             2026-06-07,,,USD,F\n\
             2026-06-08,ok,12.00,eur,G\n",
            &StatementOptions::default(),
        );
        assert_eq!(
            s.payments.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["A", "G"]
        );
        assert_eq!(s.payments[1].amount.to_string(), "EUR 12.00");
        assert_eq!(
            errors(&s),
            [
                "stmt.csv: line 3: Date: `yesterday` is not a date: write YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or 3 Dec 2026",
                "stmt.csv: line 4: Amount: `ten` is not an amount: expected e.g. 1200.50, 1,200.50, $1,200.50, EUR 12 or (120.00)",
                "stmt.csv: line 5: Currency: unknown currency `XYZ`: expected an ISO-4217 code such as USD, EUR or JPY",
                "stmt.csv: line 6: Amount: `€10.00` is not in USD, the row's currency",
                "stmt.csv: line 7: Id: transaction A is also on line 2",
                "stmt.csv: line 8: Amount: is empty",
            ]
        );
    }

    #[test]
    fn a_credit_without_any_currency_is_a_row_error() {
        let s = read(
            "Date,Amount\n2026-06-01,10.00\n2026-06-02,€5\n",
            &StatementOptions::default(),
        );
        assert_eq!(s.payments.len(), 1);
        assert_eq!(
            errors(&s),
            [
                "stmt.csv: line 2: Amount: `10.00` names no currency, and there is no currency column or default currency"
            ]
        );
    }

    #[test]
    fn title_lines_above_the_header_are_skipped() {
        let s = read(
            "Account,12345678\nStatement period,March 2026\n\nBooking Date,Narrative,Credit,Debit\n2026-03-09,INV-9,15.00,\n",
            &usd(),
        );
        assert_eq!(s.payments.len(), 1);
        assert_eq!(s.payments[0].line, 5);
    }

    #[test]
    fn a_file_without_date_or_amount_columns_is_refused_listing_the_headers() {
        let err =
            read_statement("x.csv", b"When,What,How much\n2026-01-01,a,1\n", &usd()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv: not a bank statement: no date or amount column; the header has: When, What, How much; expected a date (Date, Transaction Date, Booking Date or Value Date) and an amount (Amount, or Credit / Paid in / Money in beside Debit / Paid out / Money out)"
        );
        let err = read_statement("y.csv", b"Date,Debit\n", &usd()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("y.csv: not a bank statement: no amount column;")
        );
    }

    #[test]
    fn ambiguous_dates_are_refused_unless_the_format_is_given() {
        let text = "Date,Amount\n03/04/2026,5\n05/06/2026,6\n";
        let err = read_statement("s.csv", text.as_bytes(), &usd()).unwrap_err();
        assert!(matches!(err, FileError::AmbiguousDates { .. }), "{err}");
        let options = StatementOptions {
            date_format: Some(DateFormat::MonthDayYear),
            ..usd()
        };
        let s = read(text, &options);
        assert_eq!(s.payments[0].date, date(2026, 3, 4));
    }

    #[test]
    fn a_row_with_both_a_credit_and_a_debit_is_refused() {
        let s = read("Date,Credit,Debit\n2026-01-05,5.00,3.00\n", &usd());
        assert_eq!(
            errors(&s),
            ["stmt.csv: line 2: Credit: the row has both a credit and a Debit"]
        );
    }
}
