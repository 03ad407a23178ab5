//! Amounts and dates as invoices print them, read without guessing: a date or an amount
//! that reads two ways is reported, never picked. (chaser-intake settles these per file and
//! keeps its readers private; a single document needs the per-value form here.)

use chaser_domain::{Currency, Money};
use jiff::civil::Date;
use regex::Regex;
use std::sync::LazyLock;

use crate::grammar::{MARKERS, currencies_of_marker, fold, month};

/// An amount in running text: optional code or symbol, digits, optional code or symbol.
/// Thousands are grouped by `,` `.` `'` or a no-break space, or by plain spaces when a decimal
/// comma follows (`1 234,56`, as French invoices print it).
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<pre>\b[A-Z]{3}\b|US\$|U\$S|CA\$|C\$|AU?\$|NZ\$|HK\$|SG?\$|R\$|MX\$|\bRs\.?|S?Fr\.|[€£₹¥￥₩₺₱₪₫฿₴₽₦₨$])?\s?
        (?P<num>-?\d{1,3}(?:[,.'\u{a0}\u{202f}]\d{3})+(?:[.,]\d{1,3})?|-?\d{1,3}(?:\x20\d{3})+,\d{1,2}|-?\d+(?:[.,]\d{1,3})?)
        (?P<pct>\s?%)?
        (?:\s?(?P<post>[A-Z]{3}\b|€|£|₹|zł|Kč|\bkr\b\.?|S?Fr\.))?",
    )
    .unwrap_or_else(|e| unreachable!("amount pattern: {e}"))
});

/// An amount found in text: the digits as printed and the currency its marker names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub digits: String,
    /// The ISO code, when the marker names exactly one currency.
    pub currency: Option<&'static str>,
    /// The code or symbol printed with the amount, when it names a currency (`$` included).
    pub marker: Option<String>,
    /// The amount's match starts and ends at these bytes of the searched text.
    pub start: usize,
    pub end: usize,
}

/// Every amount in `text`, in order. A bare integer ("5 pages", "Net 30", "INV-2041") and a
/// percentage are not amounts.
pub(crate) fn amounts(text: &str) -> Vec<Found> {
    amounts_where(text, false)
}

/// Every number in `text` that can be an amount, bare integers included: for the text beside
/// a total's label, where `1939` is the total.
pub(crate) fn amounts_in_value(text: &str) -> Vec<Found> {
    amounts_where(text, true)
}

fn amounts_where(text: &str, bare_integers: bool) -> Vec<Found> {
    AMOUNT
        .captures_iter(text)
        .filter_map(|c| {
            let num = c.name("num")?;
            let whole = c.get(0)?;
            if c.name("pct").is_some() {
                return None;
            }
            // A number glued to a word or to other digits (`INV2041`, `A4`, the parts of
            // `2026-11-02` or `02.11.2026`) is not an amount.
            let before = &text[..num.start()];
            let after = &text[whole.end()..];
            let joins = |c: char| matches!(c, '-' | '_' | '/' | '.' | ',');
            let mut back = before.chars().rev();
            let glued_before = c.name("pre").is_none()
                && match (back.next(), back.next()) {
                    (Some(p), _) if p.is_alphanumeric() || p == '_' => true,
                    (Some(p), Some(q)) => joins(p) && q.is_alphanumeric(),
                    _ => false,
                };
            let mut ahead = after.chars();
            let glued_after = match (ahead.next(), ahead.next()) {
                (Some(n), _) if n.is_alphabetic() || n == '_' => true,
                (Some(n), Some(m)) => joins(n) && m.is_alphanumeric(),
                _ => false,
            };
            if glued_before || glued_after {
                return None;
            }
            let known = |name| {
                c.name(name).filter(|m| {
                    currencies_of_marker(m.as_str()).is_some() || currency_of(m.as_str()).is_some()
                })
            };
            let marker = known("pre").or_else(|| known("post"));
            let currency = marker.and_then(|m| currency_of(m.as_str()));
            let looks_like_money =
                bare_integers || marker.is_some() || num.as_str().contains([',', '.']);
            looks_like_money.then(|| Found {
                digits: num.as_str().to_owned(),
                currency,
                marker: marker.map(|m| m.as_str().trim().to_owned()),
                start: marker.map_or(num.start(), |m| m.start().min(num.start())),
                end: marker.map_or(num.end(), |m| m.end().max(num.end())),
            })
        })
        .collect()
}

/// The one currency a marker names: an ISO code, or a symbol only one currency uses.
pub(crate) fn currency_of(marker: &str) -> Option<&'static str> {
    match currencies_of_marker(marker) {
        Some([one]) => Some(one),
        Some(_) => None,
        None => Currency::parse(marker).ok().map(|c| c.code()),
    }
}

/// `text` as a plain decimal (`1234.56`) when the document's decimal mark is known: the other
/// mark, spaces and apostrophes group thousands and must group them in threes.
pub(crate) fn plain_number(text: &str, decimal: char) -> Option<String> {
    let thousands = if decimal == ',' { '.' } else { ',' };
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\'' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (negative, body) = match compact.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    let (whole, fraction) = match body.rfind(decimal) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let thousands = thousands.to_string();
    let grouped = grouping_ok(whole, &thousands)
        || (text.contains([' ', '\'', '\u{a0}', '\u{202f}']) && grouping_ok(whole, "."));
    let fraction_ok = fraction
        .is_none_or(|f| (1..=3).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()));
    if whole.is_empty() || !grouped || !fraction_ok {
        return None;
    }
    let mut plain = String::new();
    if negative {
        plain.push('-');
    }
    plain.push_str(&whole.replace(thousands.as_str(), ""));
    if let Some(f) = fraction {
        plain.push('.');
        plain.push_str(f);
    }
    Some(plain)
}

/// The decimal mark an amount proves by itself: the last of two different marks, a mark used
/// once with other than three digits after it, or the other of a mark used twice.
pub(crate) fn decimal_mark_of(digits: &str) -> Option<char> {
    let body = digits.trim_start_matches('-');
    let commas = body.matches(',').count();
    let dots = body.matches('.').count();
    let last = body.rfind([',', '.'])?;
    let mark = body[last..].chars().next()?;
    let after = body.len() - last - 1;
    match (commas, dots) {
        (0, 0) => None,
        (c, d) if c > 0 && d > 0 => Some(mark),
        (1, 0) | (0, 1) if after != 3 => Some(mark),
        (c, 0) if c > 1 => Some('.'),
        (0, d) if d > 1 => Some(','),
        _ if body.contains(' ') => Some(mark),
        _ => None,
    }
}

/// `text` without a leading or trailing marker that fits `currency` (`$1,000.00`, `EUR 12`);
/// any other marker stays, so the amount is refused.
pub(crate) fn without_marker(text: &str, currency: Currency) -> &str {
    let code = currency.code();
    let t = text.trim();
    let fits = MARKERS
        .iter()
        .copied()
        .filter(|m| currencies_of_marker(m).is_some_and(|cs| cs.contains(&code)))
        .chain([code]);
    for marker in fits {
        if let Some(rest) = t.strip_prefix(marker).or_else(|| t.strip_suffix(marker)) {
            return rest.trim();
        }
    }
    t
}

/// The amount as a [`Money`]: `1,250.00`, `1.250,00`, `1'250.00`, `-12`.
pub(crate) fn money(text: &str, currency: Currency) -> Result<Money, String> {
    let invalid = || format!("`{text}` is not an amount: write it as digits, e.g. 1,250.00");
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\'' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (negative, body) = match compact.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return Err(invalid());
    }
    let last_mark = body.rfind([',', '.']);
    let (whole, fraction) = match last_mark {
        None => (body, None),
        Some(i) => {
            let mark = &body[i..=i];
            let after = &body[i + 1..];
            let before = &body[..i];
            let only_mark = !before.contains([',', '.']);
            let grouped = after.len() == 3 && grouping_ok(before, mark);
            if before.contains(mark) && grouped {
                // 1,250,000 or 1.250.000: thousands only.
                (body, None)
            } else if only_mark && after.len() == 3 && currency.minor_units() < 3 {
                if mark == "," {
                    (body, None)
                } else {
                    return Err(format!(
                        "`{text}` could be {} with a dot between thousands, or {}: confirm the amount",
                        body.replace('.', ""),
                        body.trim_end_matches('0').trim_end_matches('.')
                    ));
                }
            } else {
                (before, Some(after))
            }
        }
    };
    let other = |m: &str| if m == "," { "." } else { "," };
    let digits: String = match (last_mark, fraction) {
        (Some(i), Some(_)) => {
            let thousands = other(&body[i..=i]);
            if !grouping_ok(whole, thousands) {
                return Err(invalid());
            }
            whole.replace(thousands, "")
        }
        _ => {
            if !grouping_ok(whole, ",") && !grouping_ok(whole, ".") {
                return Err(invalid());
            }
            whole.replace([',', '.'], "")
        }
    };
    let mut plain = String::new();
    if negative {
        plain.push('-');
    }
    plain.push_str(if digits.is_empty() { "0" } else { &digits });
    if let Some(f) = fraction {
        plain.push('.');
        plain.push_str(f);
    }
    Money::parse(&plain, currency).map_err(|e| e.to_string())
}

/// `whole` is digits in groups of three after a first group of one to three, split by `mark`
/// (or has no separator at all).
fn grouping_ok(whole: &str, mark: &str) -> bool {
    if !whole.contains(mark) {
        return whole.bytes().all(|b| b.is_ascii_digit());
    }
    let mut groups = whole.split(mark);
    let first = groups.next().unwrap_or_default();
    (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A date in running text, on folded text ([`fold`]): numeric with `-`, `/` or `.`, or with a
/// month's name in any of the languages (`7. Mai 2014`, `02 Juillet 2015`, `3 de agosto de
/// 2014`, `August 3 , 2014`). A name that is not a month (`2 pages 2026`) is refused after.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)\b(?:
            \d{4}[-/.]\d{1,2}[-/.]\d{1,2}
          | \d{1,2}[-/.]\d{1,2}[-/.]\d{4}
          | \d{1,2}(?:st|nd|rd|th|er|eme|e|o)?\.?[\s-]*(?:de\s+)?(?P<m1>[a-z]{3,10})\.?,?[\s-]*(?:de\s+|del\s+)?\d{4}
          | (?P<m2>[a-z]{3,10})\.?[\s-]*\d{1,2}(?:st|nd|rd|th)?\s*,?\s*\d{4}
        )\b",
    )
    .unwrap_or_else(|e| unreachable!("date pattern: {e}"))
});

/// A date found in text: its bytes in the searched text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FoundDate {
    pub start: usize,
    pub end: usize,
}

/// Every date in `text`, in order.
pub(crate) fn dates(text: &str) -> Vec<FoundDate> {
    let folded = fold(text);
    let f = folded.text.as_str();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(c) = DATE.captures_at(f, at) {
        let Some(whole) = c.get(0) else { break };
        let named = c.name("m1").or_else(|| c.name("m2"));
        if named.is_none_or(|m| month(m.as_str()).is_some()) {
            found.push(FoundDate {
                start: folded.origin[whole.start()],
                end: folded.origin[whole.end()],
            });
            at = whole.end();
        } else {
            // Not a month: look again from the next character.
            at = whole.start() + f[whole.start()..].chars().next().map_or(1, char::len_utf8);
        }
        if at >= f.len() {
            break;
        }
    }
    found
}

/// Which part of a `NN/NN/YYYY` date is the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    DayFirst,
    MonthFirst,
}

/// The order a numeric date proves by having one part above 12.
pub(crate) fn order_of(text: &str) -> Option<Order> {
    let (a, b, _) = numeric(text)?;
    match (a > 12, b > 12) {
        (true, false) => Some(Order::DayFirst),
        (false, true) => Some(Order::MonthFirst),
        _ => None,
    }
}

fn numeric(text: &str) -> Option<(u8, u8, i16)> {
    let t = text.trim();
    let sep = t.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = t.split(sep).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    let digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit())
    };
    if !(digits(a, 1..=2) && digits(b, 1..=2) && digits(y, 4..=4)) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, y.parse().ok()?))
}

/// Reads `2026-11-02`, `02/11/2026` and `02.11.2026` (with `order` or when only one reading
/// is a date), and dates with a month's name in any of the languages: `2 Nov 2026`, `2nd
/// November 2026`, `November 2, 2026`, `7. Mai 2014`, `1er juillet 2015`, `3 de agosto de 2014`.
pub(crate) fn date(text: &str, order: Option<Order>) -> Result<Date, String> {
    let t = text.trim();
    if let Some((a, b, y)) = numeric(t) {
        let day_first = real(y, b, a);
        let month_first = real(y, a, b);
        return match (order, day_first, month_first) {
            (Some(Order::DayFirst), Some(d), _) | (Some(Order::MonthFirst), _, Some(d)) => Ok(d),
            (None, Some(d), None) | (None, None, Some(d)) => Ok(d),
            (None, Some(d), Some(m)) if d == m => Ok(d),
            (None, Some(d), Some(m)) => Err(format!(
                "`{t}` could be {} or {}: confirm which",
                spoken(d),
                spoken(m)
            )),
            _ => Err(format!("`{t}` is not a real date")),
        };
    }
    let bad = || format!("`{t}` is not a date: expected e.g. 2026-11-02, 02/11/2026 or 2 Nov 2026");
    let folded = fold(t);
    let tokens: Vec<&str> = folded
        .text
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '/' | '.' | ','))
        .filter(|s| !s.is_empty() && !matches!(*s, "de" | "del" | "the" | "of"))
        .collect();
    let number = |s: &str| s.parse::<i16>().map_err(|_| bad());
    let parsed = match tokens.as_slice() {
        [y, m, d] if y.len() == 4 => real(
            number(y)?,
            u8::try_from(number(m)?).map_err(|_| bad())?,
            u8::try_from(number(d)?).map_err(|_| bad())?,
        ),
        [a, b, y] => {
            let (day, month) = match (month(a), month(b)) {
                (None, Some(m)) => (*a, m),
                (Some(m), None) => (*b, m),
                _ => return Err(bad()),
            };
            // `2nd`, `1er`, `3º` (folded `3o`), `1eme`.
            let day = day.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            if y.len() != 4 {
                return Err(bad());
            }
            real(
                number(y)?,
                month,
                u8::try_from(number(day)?).map_err(|_| bad())?,
            )
        }
        _ => return Err(bad()),
    };
    parsed.ok_or_else(|| format!("`{t}` is not a real date"))
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn spoken(d: Date) -> String {
    let name = MONTH_NAMES
        .get(usize::try_from(d.month() - 1).unwrap_or(0))
        .copied()
        .unwrap_or("?");
    format!("{} {name} {}", d.day(), d.year())
}

fn real(year: i16, month: u8, day: u8) -> Option<Date> {
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    fn usd(text: &str) -> Result<String, String> {
        money(text, Currency::parse("USD").unwrap()).map(|m| m.to_string())
    }

    #[test]
    fn amounts_with_either_decimal_mark_and_thousands_read_exactly() {
        for (text, want) in [
            ("1,250.00", "USD 1250.00"),
            ("1.250,00", "USD 1250.00"),
            ("1'250.5", "USD 1250.50"),
            ("1,250", "USD 1250.00"),
            ("12,50", "USD 12.50"),
            ("1,234,567.89", "USD 1234567.89"),
            ("-40", "USD -40.00"),
        ] {
            assert_eq!(usd(text).as_deref(), Ok(want), "{text}");
        }
        assert_eq!(
            usd("1.250").unwrap_err(),
            "`1.250` could be 1250 with a dot between thousands, or 1.25: confirm the amount"
        );
        for bad in ["", "abc", "1,2,3", "12.345.6", "1..2", "$5"] {
            assert!(usd(bad).is_err(), "{bad}");
        }
        assert!(usd("12.345").unwrap_err().contains("could be"));
    }

    #[test]
    fn amounts_in_text_carry_the_currency_their_marker_names() {
        let found = amounts("Total due: USD 1,250.00 (was €1.100,00; 5 pages; £3)");
        let pairs: Vec<_> = found
            .iter()
            .map(|f| (f.digits.as_str(), f.currency))
            .collect();
        assert_eq!(
            pairs,
            [
                ("1,250.00", Some("USD")),
                ("1.100,00", Some("EUR")),
                ("3", Some("GBP"))
            ]
        );
        assert_eq!(amounts("$1,250.00")[0].currency, None);
        assert_eq!(amounts("INV-2041").len(), 0);
    }

    #[test]
    fn every_supported_date_spelling_reads_the_same_day() {
        for text in [
            "2026-11-02",
            "2 Nov 2026",
            "02-Nov-2026",
            "2nd November 2026",
            "November 2, 2026",
            "Nov. 2 2026",
            "20/11/2026",
        ] {
            let want = if text.starts_with("20/") {
                d(2026, 11, 20)
            } else {
                d(2026, 11, 2)
            };
            assert_eq!(date(text, None), Ok(want), "{text}");
        }
        assert_eq!(date("03/04/2026", Some(Order::DayFirst)), Ok(d(2026, 4, 3)));
        assert_eq!(
            date("03/04/2026", Some(Order::MonthFirst)),
            Ok(d(2026, 3, 4))
        );
        assert_eq!(date("05/05/2026", None), Ok(d(2026, 5, 5)));
    }

    #[test]
    fn an_ambiguous_or_unreal_date_is_reported_not_guessed() {
        assert_eq!(
            date("03/04/2026", None).unwrap_err(),
            "`03/04/2026` could be 3 April 2026 or 4 March 2026: confirm which"
        );
        assert_eq!(
            date("2026-02-30", None).unwrap_err(),
            "`2026-02-30` is not a real date"
        );
        assert!(
            date("soon", None)
                .unwrap_err()
                .contains("expected e.g. 2026-11-02")
        );
        assert_eq!(
            dates("Date: March 3, 2026"),
            [FoundDate { start: 6, end: 19 }]
        );
        assert_eq!(order_of("25/12/2026"), Some(Order::DayFirst));
        assert_eq!(order_of("12/25/2026"), Some(Order::MonthFirst));
        assert_eq!(order_of("2026-12-25"), None);
    }
}
