//! Light scans of the bytes `pdf-extract` will parse (a content stream's `Do` operators, a
//! CMap's ranges): enough to count what parsing them will cost, without parsing them.

/// The names a content stream draws with `Do`, in order: a light scan for `/Name Do`, not a
/// parse. It may see a `Do` that a parser would not (inside a string), which only makes the
/// check stricter; it reads `#xx` escapes in names as PDF parsers do.
pub(super) fn drawn_names(content: &[u8]) -> Vec<Vec<u8>> {
    let delimiter = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    let mut names = Vec::new();
    let mut last_name: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        if b == b'/' {
            let start = i + 1;
            let mut end = start;
            while end < content.len() && !delimiter(content[end]) {
                end += 1;
            }
            last_name = Some(unescape_name(&content[start..end]));
            i = end;
        } else if delimiter(b) {
            i += 1;
        } else {
            let start = i;
            while i < content.len() && !delimiter(content[i]) {
                i += 1;
            }
            if &content[start..i] == b"Do" {
                if let Some(name) = last_name.take() {
                    names.push(name);
                }
            } else {
                last_name = None;
            }
        }
    }
    names
}

fn unescape_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[i], hex) {
            (b'#', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// The codes a CMap's `bfrange` sections span (`<lo> <hi> dst` covers `hi - lo + 1`), which
/// the CMap parser fills into a map one by one.
pub(super) fn cmap_range_codes(cmap: &[u8]) -> u64 {
    let mut codes = 0u64;
    let mut in_ranges = false;
    let mut pending: Vec<u64> = Vec::new();
    let mut i = 0;
    while i < cmap.len() {
        match cmap[i] {
            b'<' => {
                let end = cmap[i..]
                    .iter()
                    .position(|b| *b == b'>')
                    .map_or(cmap.len(), |p| i + p);
                if in_ranges {
                    pending.push(hex_code(&cmap[i + 1..end]));
                    if pending.len() == 2 {
                        codes = codes.saturating_add(
                            pending[1].saturating_sub(pending[0]).saturating_add(1),
                        );
                    }
                    if pending.len() == 3 {
                        pending.clear();
                    }
                }
                i = end + 1;
            }
            b'[' if in_ranges => {
                // An array destination ends the triple.
                i += cmap[i..]
                    .iter()
                    .position(|b| *b == b']')
                    .unwrap_or(cmap.len() - i)
                    + 1;
                pending.clear();
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < cmap.len() && cmap[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                match &cmap[start..i] {
                    b"beginbfrange" => in_ranges = true,
                    b"endbfrange" => in_ranges = false,
                    _ => {}
                }
                pending.clear();
            }
            _ => i += 1,
        }
    }
    codes
}

/// A hex string's code, big-endian; one past eight bytes saturates.
fn hex_code(hex: &[u8]) -> u64 {
    let digits: Vec<u8> = hex.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    if digits.len() > 16 {
        return u64::MAX;
    }
    digits.iter().fold(0u64, |code, d| {
        let value = char::from(*d).to_digit(16).map_or(0, u64::from);
        (code << 4) | value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_names_follow_do_and_read_escapes() {
        let names = drawn_names(b"q /X1 Do Q /Im#32 Do /F1 12 Tf (x) Tj /X3\nDo");
        assert_eq!(names, [b"X1".to_vec(), b"Im2".to_vec(), b"X3".to_vec()]);
        assert!(drawn_names(b"/X1 5 Do").is_empty());
    }

    #[test]
    fn cmap_ranges_count_every_code_they_span() {
        let cmap = b"2 beginbfrange\n<0000> <00ff> <0041>\n<0100> <0101> [<0042> <0043>]\nendbfrange\n1 beginbfchar <01> <02> endbfchar";
        assert_eq!(cmap_range_codes(cmap), 258);
        let huge = b"1 beginbfrange <00000000> <ffffffff> <0000> endbfrange";
        assert_eq!(cmap_range_codes(huge), 1 << 32);
        assert_eq!(hex_code(b"0000000000000000ff"), u64::MAX);
    }
}
