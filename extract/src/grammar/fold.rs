//! Text folded for matching (lower case, accents off), keeping the way back to the bytes of the
//! printed text so that a match can be shown where it was printed.

/// `text` folded for matching, and for each byte of it the byte of `text` it came from (one
/// more at the end, for the end of the text).
pub(crate) struct Folded {
    pub text: String,
    pub origin: Vec<usize>,
}

/// Lower case, accents off, `ß` as `ss`, `°`/`º` as `o`, `ª` as `a`, any space as one space.
pub(crate) fn fold(text: &str) -> Folded {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        let mapped: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'ª' => {
                "a"
            }
            'æ' | 'Æ' => "ae",
            'ç' | 'Ç' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
            'ñ' | 'Ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | '°' | 'º' => {
                "o"
            }
            'œ' | 'Œ' => "oe",
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
            'ý' | 'ÿ' | 'Ý' => "y",
            'ß' => "ss",
            '’' | '‘' | '`' => "'",
            c if c.is_whitespace() => " ",
            _ => "",
        };
        if mapped.is_empty() {
            for lower in c.to_lowercase() {
                let before = out.len();
                out.push(lower);
                origin.extend(std::iter::repeat_n(i, out.len() - before));
            }
        } else {
            out.push_str(mapped);
            origin.extend(std::iter::repeat_n(i, mapped.len()));
        }
    }
    origin.push(text.len());
    Folded { text: out, origin }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_the_way_back_to_the_printed_text() {
        let f = fold("Échéance: 2 août");
        assert_eq!(f.text, "echeance: 2 aout");
        assert_eq!(f.origin[f.text.find("aout").unwrap()], "Échéance: 2 ".len());
        assert_eq!(*f.origin.last().unwrap(), "Échéance: 2 août".len());
    }
}
