//! Amounts as exports write them: `1,200.50`, `1.200,50`, `1 200,50`, `$1,200.50`, `€12`,
//! `USD 12`, `12 EUR`, `(120.00)`, `-120`. Never through a float: the text is rewritten as a
//! plain decimal (`-1200.50`) and parsed into [`Money`], which refuses more decimals than the
//! currency has.
//!
//! The decimal mark is settled once per file. A file uses the decimal comma only when one
//! of its amounts proves it (`1.200,50`, `12,5`, `1.200.000`) and none proves the point
//! (`1,200.50`, `12.5`, `1,200,000`); proofs both ways refuse the file. Without any proof,
//! the point is assumed, a lone comma before three digits (`1,200`) groups thousands, and a
//! lone point before three digits (`1.500`) is refused in a two-decimal currency, since it
//! could be 1500 written the European way.
//!
//! Currency symbols count only when they name one currency (`€`, `£`, `US$`); `$` and `¥`
//! need the row's currency column or a default currency, and must agree with it.

use chaser_domain::{Currency, Money};

use crate::error::FileError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    fn as_char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }
}

/// How this file's amounts are read, settled once for the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AmountRules {
    mark: DecimalMark,
    /// An amount in the file proved the mark.
    proven: bool,
}

impl Default for AmountRules {
    fn default() -> Self {
        AmountRules {
            mark: DecimalMark::Point,
            proven: false,
        }
    }
}

/// Settles the decimal mark from the file's amount cells (`(line, text)`).
pub(crate) fn settle<'a>(
    file: &str,
    cells: impl Iterator<Item = (u64, &'a str)>,
) -> Result<AmountRules, FileError> {
    let mut point: Option<(u64, &str)> = None;
    let mut comma: Option<(u64, &str)> = None;
    for (line, text) in cells {
        let Ok((_, _, body)) = split_markers(text) else {
            continue;
        };
        match evidence(body) {
            Some(DecimalMark::Point) => point = point.or(Some((line, text))),
            Some(DecimalMark::Comma) => comma = comma.or(Some((line, text))),
            None => {}
        }
    }
    match (point, comma) {
        (Some((point_line, point)), Some((comma_line, comma))) => {
            Err(FileError::MixedDecimalMarks {
                file: file.to_owned(),
                point_line,
                point: point.to_owned(),
                comma_line,
                comma: comma.to_owned(),
            })
        }
        (None, Some(_)) => Ok(AmountRules {
            mark: DecimalMark::Comma,
            proven: true,
        }),
        (point, None) => Ok(AmountRules {
            mark: DecimalMark::Point,
            proven: point.is_some(),
        }),
    }
}

/// The mark an amount's body proves, if any.
fn evidence(body: &str) -> Option<DecimalMark> {
    let dots = body.matches('.').count();
    let commas = body.matches(',').count();
    let after = |c: char| body.rfind(c).map_or(0, |i| body.len() - i - 1);
    match (dots, commas) {
        (0, 0) => None,
        (_, 0) if dots > 1 => Some(DecimalMark::Comma),
        (0, _) if commas > 1 => Some(DecimalMark::Point),
        (1, 0) => (after('.') != 3).then_some(DecimalMark::Point),
        (0, 1) => (after(',') != 3).then_some(DecimalMark::Comma),
        _ if body.rfind('.') > body.rfind(',') => Some(DecimalMark::Point),
        _ => Some(DecimalMark::Comma),
    }
}

/// A currency sign written next to an amount.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Symbol {
    text: &'static str,
    /// Several codes: the sign alone cannot tell which.
    codes: &'static [&'static str],
}

const DOLLARS: &[&str] = &["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"];
const YEN_OR_YUAN: &[&str] = &["JPY", "CNY"];

/// Longest first, so that `US$` is not read as `$`.
const SYMBOLS: &[Symbol] = &[
    Symbol {
        text: "US$",
        codes: &["USD"],
    },
    Symbol {
        text: "AU$",
        codes: &["AUD"],
    },
    Symbol {
        text: "CA$",
        codes: &["CAD"],
    },
    Symbol {
        text: "NZ$",
        codes: &["NZD"],
    },
    Symbol {
        text: "HK$",
        codes: &["HKD"],
    },
    Symbol {
        text: "SG$",
        codes: &["SGD"],
    },
    Symbol {
        text: "A$",
        codes: &["AUD"],
    },
    Symbol {
        text: "C$",
        codes: &["CAD"],
    },
    Symbol {
        text: "S$",
        codes: &["SGD"],
    },
    Symbol {
        text: "€",
        codes: &["EUR"],
    },
    Symbol {
        text: "£",
        codes: &["GBP"],
    },
    Symbol {
        text: "₹",
        codes: &["INR"],
    },
    Symbol {
        text: "$",
        codes: DOLLARS,
    },
    Symbol {
        text: "¥",
        codes: YEN_OR_YUAN,
    },
    Symbol {
        text: "￥",
        codes: YEN_OR_YUAN,
    },
];

impl Symbol {
    fn fits(&self, currency: Currency) -> bool {
        self.codes.contains(&currency.code())
    }

    fn only(&self) -> Option<Currency> {
        match self.codes {
            [code] => Currency::parse(code).ok(),
            _ => None,
        }
    }
}

/// What an amount says about its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Code(Currency),
    Symbol(&'static Symbol),
}

/// An amount read from text, not yet tied to a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Amount {
    text: String,
    /// A plain decimal: `-1200.50`.
    plain: String,
    marker: Option<Marker>,
    /// `1.500` in a file that never proved its decimal mark.
    maybe_dot_thousands: bool,
}

/// Reads an amount's digits, sign and currency marker; the currency comes later.
pub(crate) fn parse(text: &str, rules: AmountRules) -> Result<Amount, String> {
    let invalid = || {
        format!(
            "`{text}` is not an amount: expected e.g. 1200.50, 1,200.50, $1,200.50, EUR 12 or (120.00)"
        )
    };
    let (negative, marker, body) = split_markers(text).map_err(|e| e.unwrap_or_else(invalid))?;
    let decimal = rules.mark.as_char();
    let (whole, fraction) = match body.rfind(decimal) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let whole_digits = ungroup(whole, decimal).ok_or_else(invalid)?;
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    if !fraction_ok || (whole_digits.is_empty() && fraction.is_none()) {
        return Err(invalid());
    }
    let mut plain = String::with_capacity(body.len() + 2);
    if negative {
        plain.push('-');
    }
    plain.push_str(if whole_digits.is_empty() {
        "0"
    } else {
        &whole_digits
    });
    if let Some(f) = fraction {
        plain.push('.');
        plain.push_str(f);
    }
    let maybe_dot_thousands = !rules.proven
        && rules.mark == DecimalMark::Point
        && fraction.is_some_and(|f| f.len() == 3)
        && whole.len() <= 3
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !whole.starts_with('0');
    Ok(Amount {
        text: text.trim().to_owned(),
        plain,
        marker,
        maybe_dot_thousands,
    })
}

/// The digits of a whole part, with its thousands separators (one kind, groups of three)
/// removed; `None` when they are not grouped that way.
fn ungroup(whole: &str, decimal: char) -> Option<String> {
    let mut separators = whole.chars().filter(|c| !c.is_ascii_digit());
    let Some(separator) = separators.next() else {
        return Some(whole.to_owned());
    };
    let groupable = matches!(separator, ',' | '.' | ' ' | '\'' | '\u{a0}' | '\u{202f}');
    if !groupable || separator == decimal || separators.any(|c| c != separator) {
        return None;
    }
    let mut groups = whole.split(separator);
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len());
    let rest_ok = groups.clone().all(|g| g.len() == 3);
    (first_ok && rest_ok).then(|| whole.replace(separator, ""))
}

/// Splits `($1,200.50)` into its sign, its currency marker and its digits. `Err(None)` when
/// the text is not an amount at all, `Err(Some(why))` for a precise reason.
fn split_markers(text: &str) -> Result<(bool, Option<Marker>, &str), Option<String>> {
    let mut rest = text.trim();
    let mut negative = false;
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        rest = inner.trim();
    }
    let mut marker = None;
    loop {
        if let Some(after) = rest.strip_prefix(['-', '\u{2212}']) {
            if negative {
                return Err(None);
            }
            negative = true;
            rest = after.trim_start();
        } else if let (None, Some((m, after))) = (marker, leading_marker(rest)?) {
            marker = Some(m);
            rest = after.trim_start();
        } else {
            break;
        }
    }
    if marker.is_none()
        && let Some((m, before)) = trailing_marker(rest)?
    {
        marker = Some(m);
        rest = before.trim_end();
    }
    let digits_only = rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | '\'' | '\u{a0}' | '\u{202f}'));
    if rest.is_empty() || !digits_only {
        return Err(None);
    }
    Ok((negative, marker, rest))
}

fn leading_marker(text: &str) -> Result<Option<(Marker, &str)>, Option<String>> {
    if let Some(symbol) = SYMBOLS.iter().find(|s| text.starts_with(s.text)) {
        return Ok(Some((Marker::Symbol(symbol), &text[symbol.text.len()..])));
    }
    let code = text
        .get(..3)
        .filter(|c| c.bytes().all(|b| b.is_ascii_alphabetic()));
    let after = text.get(3..).unwrap_or_default();
    match code {
        Some(code) if !after.is_empty() && !after.starts_with(|c: char| c.is_alphabetic()) => {
            Ok(Some((Marker::Code(currency(code)?), after)))
        }
        _ => Ok(None),
    }
}

fn trailing_marker(text: &str) -> Result<Option<(Marker, &str)>, Option<String>> {
    if let Some(symbol) = SYMBOLS.iter().find(|s| text.ends_with(s.text)) {
        return Ok(Some((
            Marker::Symbol(symbol),
            &text[..text.len() - symbol.text.len()],
        )));
    }
    let split = text
        .len()
        .checked_sub(3)
        .filter(|i| text.is_char_boundary(*i));
    let Some(split) = split else { return Ok(None) };
    let (before, code) = text.split_at(split);
    let is_code = code.bytes().all(|b| b.is_ascii_alphabetic())
        && !before.is_empty()
        && !before.ends_with(|c: char| c.is_alphabetic());
    if is_code {
        Ok(Some((Marker::Code(currency(code)?), before)))
    } else {
        Ok(None)
    }
}

fn currency(code: &str) -> Result<Currency, Option<String>> {
    Currency::parse(code).map_err(|e| Some(e.to_string()))
}

impl Amount {
    /// As written, trimmed.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.plain.bytes().all(|b| matches!(b, b'0' | b'.' | b'-'))
    }

    pub(crate) fn is_positive(&self) -> bool {
        !self.plain.starts_with('-') && !self.is_zero()
    }

    /// The currency the amount names by itself: `Ok(Some)` for `€12` or `12 EUR`, `Ok(None)`
    /// for a bare number, and `Err(sign)` for a sign several currencies share (`$12`).
    pub(crate) fn named_currency(&self) -> Result<Option<Currency>, &'static str> {
        match self.marker {
            None => Ok(None),
            Some(Marker::Code(c)) => Ok(Some(c)),
            Some(Marker::Symbol(s)) => s.only().map(Some).ok_or(s.text),
        }
    }

    /// The amount in `currency`, which its own marker (if any) must agree with.
    pub(crate) fn money(&self, currency: Currency) -> Result<Money, String> {
        let agrees = match self.marker {
            None => true,
            Some(Marker::Code(c)) => c == currency,
            Some(Marker::Symbol(s)) => s.fits(currency),
        };
        if !agrees {
            return Err(format!(
                "`{}` is not in {currency}, the row's currency",
                self.text
            ));
        }
        if self.maybe_dot_thousands && currency.minor_units() < 3 {
            return Err(format!(
                "`{}` could be {} with a dot between thousands, or {}: write it without the dot, or with {} decimals",
                self.text,
                self.plain.replace('.', ""),
                self.plain.trim_end_matches('0').trim_end_matches('.'),
                currency.minor_units()
            ));
        }
        Money::parse(&self.plain, currency).map_err(|e| e.to_string())
    }
}

/// The row's currency: its currency column, else the currency its amount names, else the
/// default. A shared sign such as `$` only ever confirms a currency from elsewhere.
pub(crate) fn row_currency(
    column: Option<Currency>,
    amount: &Amount,
    default: Option<Currency>,
) -> Result<Currency, String> {
    if let Some(c) = column {
        return Ok(c);
    }
    match (amount.named_currency(), default) {
        (Ok(Some(c)), _) => Ok(c),
        (Ok(None) | Err(_), Some(d)) => Ok(d),
        (Ok(None), None) => Err(format!(
            "`{}` names no currency, and there is no currency column or default currency",
            amount.text
        )),
        (Err(sign), None) => Err(format!(
            "`{}`: several currencies write `{sign}`; add a currency column or set a default currency",
            amount.text
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn point() -> AmountRules {
        AmountRules {
            mark: DecimalMark::Point,
            proven: true,
        }
    }

    fn comma() -> AmountRules {
        AmountRules {
            mark: DecimalMark::Comma,
            proven: true,
        }
    }

    fn money(text: &str, rules: AmountRules, code: &str) -> Result<String, String> {
        parse(text, rules)?.money(cur(code)).map(|m| m.to_string())
    }

    #[test]
    fn separators_symbols_codes_and_parentheses_are_read_exactly() {
        let cases = [
            ("1200.5", "USD 1200.50"),
            ("1,200.50", "USD 1200.50"),
            ("$1,200.50", "USD 1200.50"),
            ("US$ 1,234,567.89", "USD 1234567.89"),
            ("USD 12", "USD 12.00"),
            ("12 USD", "USD 12.00"),
            ("usd12", "USD 12.00"),
            ("(120.00)", "USD -120.00"),
            ("-$120", "USD -120.00"),
            ("$-120", "USD -120.00"),
            ("($1,000)", "USD -1000.00"),
            (".5", "USD 0.50"),
            ("1'200.50", "USD 1200.50"),
        ];
        for (text, want) in cases {
            assert_eq!(money(text, point(), "USD").as_deref(), Ok(want), "{text}");
        }
        assert_eq!(money("1.200,50", comma(), "EUR").unwrap(), "EUR 1200.50");
        assert_eq!(money("1 200,50 €", comma(), "EUR").unwrap(), "EUR 1200.50");
        assert_eq!(money("€12", point(), "EUR").unwrap(), "EUR 12.00");
        assert_eq!(money("¥12000", point(), "JPY").unwrap(), "JPY 12000");
    }

    #[test]
    fn malformed_amounts_are_refused_with_the_input_named() {
        for text in [
            "12.00.0x", "1,20.00", "12,34.5", "--12", "((12))", "12$$", "$", "", "1 2", "1e5",
            "abc",
        ] {
            assert!(parse(text, point()).is_err(), "{text}");
        }
        assert_eq!(
            parse("12.00.0x", point()).unwrap_err(),
            "`12.00.0x` is not an amount: expected e.g. 1200.50, 1,200.50, $1,200.50, EUR 12 or (120.00)"
        );
        assert_eq!(
            parse("XYZ 12", point()).unwrap_err(),
            "unknown currency `XYZ`: expected an ISO-4217 code such as USD, EUR or JPY"
        );
    }

    #[test]
    fn more_decimals_than_the_currency_has_is_an_error_not_a_rounding() {
        assert_eq!(
            money("12.345", point(), "USD").unwrap_err(),
            "12.345 has more decimals than USD allows (2)"
        );
        assert!(money("10.5", point(), "JPY").is_err());
        assert_eq!(money("1.500", point(), "KWD").unwrap(), "KWD 1.500");
    }

    #[test]
    fn a_marker_that_disagrees_with_the_row_currency_is_an_error() {
        assert_eq!(
            money("€12", point(), "USD").unwrap_err(),
            "`€12` is not in USD, the row's currency"
        );
        assert!(money("12 GBP", point(), "USD").is_err());
        assert!(money("$12", point(), "CAD").is_ok());
        assert!(money("$12", point(), "EUR").is_err());
    }

    #[test]
    fn the_decimal_mark_is_settled_per_file_from_proof() {
        let rules = |cells: &[&str]| {
            settle(
                "x.csv",
                cells.iter().enumerate().map(|(i, c)| (i as u64 + 2, *c)),
            )
        };
        assert_eq!(rules(&["1,200", "12"]).unwrap(), AmountRules::default());
        assert_eq!(rules(&["1,200.50", "1,200"]).unwrap(), point());
        assert_eq!(rules(&["1.200,50", "1.200"]).unwrap(), comma());
        assert_eq!(rules(&["12,5"]).unwrap(), comma());
        assert_eq!(rules(&["1.200.000"]).unwrap(), comma());
        assert_eq!(
            rules(&["1,200.50", "€ 1.200,50"]).unwrap_err().to_string(),
            "x.csv: the amounts mix decimal marks: line 2 has `1,200.50` (decimal point) and line 3 has `€ 1.200,50` (decimal comma)"
        );
    }

    #[test]
    fn an_unproven_dot_before_three_digits_is_refused_in_two_decimal_currencies() {
        let unproven = AmountRules::default();
        assert_eq!(
            money("1.500", unproven, "EUR").unwrap_err(),
            "`1.500` could be 1500 with a dot between thousands, or 1.5: write it without the dot, or with 2 decimals"
        );
        assert_eq!(money("1,200", unproven, "USD").unwrap(), "USD 1200.00");
        assert_eq!(money("0.125", unproven, "KWD").unwrap(), "KWD 0.125");
        assert_eq!(money("1.500", point(), "USD").unwrap(), "USD 1.50");
    }

    #[test]
    fn the_row_currency_comes_from_the_column_then_the_amount_then_the_default() {
        let amount = |t: &str| parse(t, point()).unwrap();
        let usd = Some(cur("USD"));
        assert_eq!(
            row_currency(Some(cur("EUR")), &amount("12"), usd),
            Ok(cur("EUR"))
        );
        assert_eq!(row_currency(None, &amount("€12"), usd), Ok(cur("EUR")));
        assert_eq!(row_currency(None, &amount("$12"), usd), Ok(cur("USD")));
        assert_eq!(row_currency(None, &amount("12"), usd), Ok(cur("USD")));
        assert_eq!(
            row_currency(None, &amount("$12"), None).unwrap_err(),
            "`$12`: several currencies write `$`; add a currency column or set a default currency"
        );
        assert_eq!(
            row_currency(None, &amount("12"), None).unwrap_err(),
            "`12` names no currency, and there is no currency column or default currency"
        );
    }
}
