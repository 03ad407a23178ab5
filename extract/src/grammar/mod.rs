//! The words invoices use, in the languages our users invoice in (English, French, German,
//! Dutch, Spanish, Italian, Portuguese): the labels of each field, the names of months, the
//! titles of the document, currency markers and the countries that settle a `$`.
//!
//! Labels are matched on folded text ([`fold()`]: lower case, accents off, `n°` as `no`), so one
//! pattern reads `Facture n°`, `FACTURE Nº` and `facture no`. A label is found anywhere in a
//! run, not only at its start, and may be glued to a value before it (`993548900Factuurnummer:`):
//! only the character after it must not be a letter.

mod currency;
mod defs;
mod fold;
mod labels;
mod months;

pub(crate) use currency::{MARKERS, countries_in, currencies_of_marker};
pub(crate) use defs::{Class, Lang, TotalKind};
pub(crate) use fold::fold;
pub(crate) use labels::{Hit, is_title, labels_in};
pub(crate) use months::month;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_countries_in_every_language() {
        for (word, m) in [
            ("Mai", 5),
            ("Juillet", 7),
            ("août", 8),
            ("Sept.", 9),
            ("dic", 12),
        ] {
            assert_eq!(month(word), Some(m), "{word}");
        }
        assert_eq!(month("Monday"), None);
        assert_eq!(
            countries_in("Toronto, Canada / Seattle WA, USA"),
            [("usa", "USD"), ("canada", "CAD")]
        );
        assert!(countries_in("Indiana").is_empty());
        assert_eq!(
            currencies_of_marker("Rs"),
            Some(&["INR", "PKR", "LKR", "NPR"][..])
        );
    }
}
