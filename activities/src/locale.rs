//! Amounts and dates written the way the reader expects: `$1,200.00` and `December 1, 2026`
//! in en-US, `1.200,00 €` and `1. Dezember 2026` in de-DE. ICU4X with compiled CLDR data does
//! the formatting. A tag that does not parse falls back to English; a well-formed tag for a
//! language without CLDR data gets CLDR's neutral root style (`US$ 5.00`), never an error.

use chaser_domain::Money;
use fixed_decimal::Decimal as FixedDecimal;
use icu_calendar::{Date as IcuDate, Gregorian};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_locale_core::Locale;
use jiff::civil::Date;

const FALLBACK: &str = "en";

fn locale(tag: &str) -> Locale {
    Locale::try_from_str(tag)
        .or_else(|_| Locale::try_from_str(FALLBACK))
        .unwrap_or(Locale::UNKNOWN)
}

/// `money` in `tag`'s style, with the currency's symbol; `USD 1,200.00` if ICU lacks the data.
pub fn money(money: &Money, tag: &str) -> String {
    let formatted = CurrencyType::try_from_str(money.currency().code())
        .ok()
        .and_then(|currency| {
            let formatter =
                CurrencyFormatter::try_new_symbol(locale(tag).into(), currency, Default::default())
                    .ok()?;
            let value: FixedDecimal = money.amount().to_string().parse().ok()?;
            Some(formatter.format_fixed_decimal(&value).to_string())
        });
    formatted.unwrap_or_else(|| money.grouped())
}

/// A long date in `tag`'s style (`1 December 2026` in en-GB); ISO if ICU lacks the data.
pub fn long_date(date: Date, tag: &str) -> String {
    let formatted = (|| {
        let formatter = FixedCalendarDateTimeFormatter::<Gregorian, YMD>::try_new(
            locale(tag).into(),
            YMD::long(),
        )
        .ok()?;
        let month = u8::try_from(date.month()).ok()?;
        let day = u8::try_from(date.day()).ok()?;
        let icu_date = IcuDate::try_new_gregorian(i32::from(date.year()), month, day).ok()?;
        Some(formatter.format(&icu_date).to_string())
    })();
    formatted.unwrap_or_else(|| date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn amounts_follow_the_locale() {
        assert_eq!(money(&m("USD 1200.00"), "en-US"), "$1,200.00");
        assert_eq!(money(&m("EUR 1200.50"), "de-DE"), "1.200,50\u{a0}€");
        assert_eq!(money(&m("GBP 99.99"), "en-GB"), "£99.99");
        assert_eq!(money(&m("JPY 150000"), "ja-JP"), "￥150,000");
        // A malformed tag falls back to English; an unknown language to the neutral style.
        assert_eq!(money(&m("USD 5.00"), "not a locale!"), "$5.00");
        assert_eq!(money(&m("USD 5.00"), "xx-QQ"), "US$\u{a0}5.00");
    }

    #[test]
    fn dates_follow_the_locale() {
        let d = Date::constant(2026, 12, 1);
        assert_eq!(long_date(d, "en-US"), "December 1, 2026");
        assert_eq!(long_date(d, "en-GB"), "1 December 2026");
        assert_eq!(long_date(d, "de-DE"), "1. Dezember 2026");
        assert_eq!(long_date(d, "fr-FR"), "1 décembre 2026");
    }
}
