//! Currency markers and the currencies each can mean, and the countries whose naming in an
//! address settles a marker several currencies share.

use super::fold::fold;

/// Every symbol [`currencies_of_marker`] knows, longest first (so `US$` is tried before `$`).
pub(crate) const MARKERS: &[&str] = &[
    "SFr.", "US$", "U$S", "CA$", "AU$", "NZ$", "HK$", "SG$", "MX$", "CHF", "Rs.", "Fr.", "kr.",
    "Kr.", "C$", "A$", "S$", "R$", "Rs", "zł", "Kč", "kr", "Kr", "€", "£", "₹", "₩", "₺", "₱", "₪",
    "₫", "฿", "₴", "₽", "₦", "₨", "¥", "￥", "$",
];

/// An ISO code or symbol before or after an amount, and the currencies it can mean.
pub(crate) fn currencies_of_marker(marker: &str) -> Option<&'static [&'static str]> {
    let m = marker.trim();
    let found: &'static [&'static str] = match m {
        "€" => &["EUR"],
        "£" => &["GBP"],
        "₹" => &["INR"],
        "US$" | "U$S" => &["USD"],
        "CA$" | "C$" => &["CAD"],
        "A$" | "AU$" => &["AUD"],
        "NZ$" => &["NZD"],
        "HK$" => &["HKD"],
        "S$" | "SG$" => &["SGD"],
        "R$" => &["BRL"],
        "MX$" => &["MXN"],
        "Fr." | "SFr." | "CHF" => &["CHF"],
        "zł" => &["PLN"],
        "Kč" => &["CZK"],
        "₩" => &["KRW"],
        "₺" => &["TRY"],
        "₱" => &["PHP"],
        "₪" => &["ILS"],
        "₫" => &["VND"],
        "฿" => &["THB"],
        "₴" => &["UAH"],
        "₽" => &["RUB"],
        "₦" => &["NGN"],
        "$" => &["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"],
        "¥" | "￥" => &["JPY", "CNY"],
        "kr" | "kr." | "Kr" | "Kr." => &["SEK", "NOK", "DKK", "ISK"],
        "Rs" | "Rs." | "₨" => &["INR", "PKR", "LKR", "NPR"],
        _ => return None,
    };
    Some(found)
}

/// Countries named in an address, with their currency: they settle a `$`, `¥`, `kr` or `Rs`.
static COUNTRIES: &[(&str, &str)] = &[
    ("united states", "USD"),
    ("usa", "USD"),
    ("u.s.a.", "USD"),
    ("etats-unis", "USD"),
    ("vereinigte staaten", "USD"),
    ("verenigde staten", "USD"),
    ("estados unidos", "USD"),
    ("stati uniti", "USD"),
    ("canada", "CAD"),
    ("kanada", "CAD"),
    ("australia", "AUD"),
    ("australie", "AUD"),
    ("australien", "AUD"),
    ("australie", "AUD"),
    ("new zealand", "NZD"),
    ("nouvelle-zelande", "NZD"),
    ("neuseeland", "NZD"),
    ("nieuw-zeeland", "NZD"),
    ("nueva zelanda", "NZD"),
    ("nuova zelanda", "NZD"),
    ("singapore", "SGD"),
    ("singapour", "SGD"),
    ("singapur", "SGD"),
    ("hong kong", "HKD"),
    ("mexico", "MXN"),
    ("mexique", "MXN"),
    ("mexiko", "MXN"),
    ("india", "INR"),
    ("inde", "INR"),
    ("indien", "INR"),
    ("pakistan", "PKR"),
    ("sri lanka", "LKR"),
    ("nepal", "NPR"),
    ("japan", "JPY"),
    ("japon", "JPY"),
    ("giappone", "JPY"),
    ("japao", "JPY"),
    ("china", "CNY"),
    ("chine", "CNY"),
    ("cina", "CNY"),
    ("sweden", "SEK"),
    ("suede", "SEK"),
    ("schweden", "SEK"),
    ("zweden", "SEK"),
    ("suecia", "SEK"),
    ("svezia", "SEK"),
    ("norway", "NOK"),
    ("norvege", "NOK"),
    ("norwegen", "NOK"),
    ("noorwegen", "NOK"),
    ("noruega", "NOK"),
    ("norvegia", "NOK"),
    ("denmark", "DKK"),
    ("danemark", "DKK"),
    ("danemark", "DKK"),
    ("denemarken", "DKK"),
    ("dinamarca", "DKK"),
    ("danimarca", "DKK"),
    ("iceland", "ISK"),
    ("islande", "ISK"),
    ("ijsland", "ISK"),
];

/// The countries `text` names (as whole words), each once, with their currency.
pub(crate) fn countries_in(text: &str) -> Vec<(&'static str, &'static str)> {
    let folded = fold(text);
    let f = folded.text.as_str();
    let mut found: Vec<(&'static str, &'static str)> = Vec::new();
    for &(name, code) in COUNTRIES {
        let whole_word = f.match_indices(name).any(|(i, _)| {
            let before = f[..i].chars().next_back();
            let after = f[i + name.len()..].chars().next();
            before.is_none_or(|c| !c.is_alphanumeric())
                && after.is_none_or(|c| !c.is_alphanumeric())
        });
        if whole_word && !found.iter().any(|&(_, c)| c == code) {
            found.push((name, code));
        }
    }
    found
}
