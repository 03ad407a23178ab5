//! Finding labels in a run of text: the table's patterns compiled once, matched on folded text,
//! longest first; and the titles a document prints at its head.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::defs::{Class, DEFS, Lang};
use super::fold::fold;

/// A label ends where a word does: the character after it is not a letter or digit, unless
/// the label itself ends in punctuation (`n.`, `#`). Written into each pattern, so that of two
/// spellings (`client|cliente`) the one that ends a word is taken.
fn anchored(pattern: &str) -> String {
    format!(r"^(?P<label>(?:{pattern}))(?:\b|\W|$)")
}

static SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(DEFS.iter().map(|d| anchored(d.pattern)))
        .unwrap_or_else(|e| unreachable!("label patterns: {e}"))
});

static ONE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    DEFS.iter()
        .map(|d| {
            Regex::new(&anchored(d.pattern))
                .unwrap_or_else(|e| unreachable!("label pattern {}: {e}", d.pattern))
        })
        .collect()
});

/// A label found in a run of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub class: Class,
    pub lang: Option<Lang>,
    pub weak: bool,
    /// Byte range of the label in the run's text, with the `:` or `#` that ends it.
    pub start: usize,
    pub end: usize,
}

/// Every label in `text`, left to right, none overlapping: at each place a label may start
/// (the start, or after a character that is not a letter), the longest that matches and is
/// not followed by a letter.
pub(crate) fn labels_in(text: &str) -> Vec<Hit> {
    let folded = fold(text);
    let f = folded.text.as_str();
    let mut hits = Vec::new();
    let mut i = 0;
    let mut previous: Option<char> = None;
    while i < f.len() {
        let Some(c) = f[i..].chars().next() else {
            break;
        };
        let at_boundary = previous.is_none_or(|p| !p.is_alphabetic());
        if at_boundary && c.is_alphabetic() {
            let rest = &f[i..];
            let best = SET
                .matches(rest)
                .iter()
                .filter_map(|k| {
                    let label = ONE[k].captures(rest)?.name("label")?;
                    Some((label.end(), k))
                })
                .max_by_key(|&(len, k)| (len, std::cmp::Reverse(k)));
            if let Some((len, k)) = best {
                let mut end = i + len;
                // The punctuation that ends a label belongs to it: `Date:`, `Invoice #`.
                let tail = &f[end..];
                let trimmed = tail.trim_start_matches([' ', ':', '#', '.', '-', '–']);
                let punctuation = &tail[..tail.len() - trimmed.len()];
                if punctuation.contains([':', '#']) {
                    end += punctuation.trim_end().len();
                }
                let d = &DEFS[k];
                hits.push(Hit {
                    class: d.class,
                    lang: d.lang,
                    weak: d.weak,
                    start: folded.origin[i],
                    end: folded.origin[end],
                });
                previous = f[..end].chars().next_back();
                i = end;
                continue;
            }
        }
        previous = Some(c);
        i += c.len_utf8();
    }
    hits
}

/// The titles a document prints at its head: never its issuer's name.
pub(crate) fn is_title(text: &str) -> bool {
    let folded = fold(text);
    let t = folded
        .text
        .trim()
        .trim_end_matches([':', '.'])
        .trim_start_matches("tax ");
    matches!(
        t,
        "invoice"
            | "facture"
            | "rechnung"
            | "factuur"
            | "factura"
            | "fattura"
            | "fatura"
            | "receipt"
            | "proforma"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::{Class::*, TotalKind::*};

    fn classes(text: &str) -> Vec<(Class, &str)> {
        labels_in(text)
            .into_iter()
            .map(|h| (h.class, &text[h.start..h.end]))
            .collect()
    }

    #[test]
    fn labels_are_found_in_every_language_anywhere_in_a_run() {
        assert_eq!(classes("Facture n° 2015-07"), [(Number, "Facture n°")]);
        assert_eq!(classes("Rechnungsnr.: 4711"), [(Number, "Rechnungsnr.:")]);
        assert_eq!(
            classes("993548900Factuurnummer:"),
            [(Number, "Factuurnummer:")]
        );
        assert_eq!(
            classes("Guest Name: Sanjay Date: 31/12/2017"),
            [(IssueDate, "Date:")]
        );
        assert_eq!(
            classes("Factuur totaal EUR 49,99"),
            [(Total(Gross), "Factuur totaal")]
        );
        assert_eq!(classes("Somme à payer"), [(Total(Due), "Somme à payer")]);
        assert_eq!(classes("Total HT"), [(Total(Net), "Total HT")]);
        assert_eq!(classes("Total TTC"), [(Total(Gross), "Total TTC")]);
        assert_eq!(classes("Vervaldatum"), [(DueDate, "Vervaldatum")]);
        assert_eq!(classes("Fälligkeitsdatum"), [(DueDate, "Fälligkeitsdatum")]);
        assert_eq!(classes("FACTURA Nº"), [(Number, "FACTURA Nº")]);
        assert_eq!(
            classes("Invoice No : # BLR_1"),
            [(Number, "Invoice No : #")]
        );
        assert_eq!(
            classes("Total incl. VAT"),
            [(Total(Gross), "Total incl. VAT")]
        );
        assert_eq!(classes("VAT No. GB123"), [(Other, "VAT No.")]);
        // Inside a word is not a label.
        assert_eq!(classes("Subtotalled datum"), [(IssueDate, "datum")]);
    }
}
