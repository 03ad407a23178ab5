//! Remittance text broken into what can name an invoice or a customer: runs of letters or
//! digits with what separates them, and plain lower-case words.

/// What comes between an atom and the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gap {
    /// Nothing: `INV` and `1042` in `INV1042`.
    Glued,
    /// Only `-`, `/` or `_`: one word still (`XINV-1042`).
    Joined,
    /// Space or other punctuation, or the start of the text.
    Apart,
}

/// A run of ASCII letters or of digits, upper-cased.
#[derive(Debug)]
pub(super) struct Atom {
    pub(super) text: String,
    pub(super) before: Gap,
}

pub(super) fn atoms(text: &str) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    let mut gap = Gap::Apart;
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            gap = match (previous, gap) {
                (Some(_), _) if matches!(c, '-' | '/' | '_') => Gap::Joined,
                (None, Gap::Joined) if matches!(c, '-' | '/' | '_') => Gap::Joined,
                _ => Gap::Apart,
            };
            previous = None;
            continue;
        }
        let c = c.to_ascii_uppercase();
        match (previous, out.last_mut()) {
            (Some(p), Some(atom)) if p.is_ascii_digit() == c.is_ascii_digit() => atom.text.push(c),
            (Some(_), _) => out.push(Atom {
                text: c.to_string(),
                before: Gap::Glued,
            }),
            (None, _) => out.push(Atom {
                text: c.to_string(),
                before: if out.is_empty() { Gap::Apart } else { gap },
            }),
        }
        previous = Some(c);
    }
    out
}

/// Lower-case words, with `.` and apostrophes dropped inside them (`A.C.M.E.`, `O'Brien`).
pub(super) fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '.' | '\'' | '\u{2019}'))
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}
