//! Where a value sits in the doc: its path of keys and indices, and its line and column in
//! the source, found again from the path when a problem is reported.

use std::fmt;

use toml::de::{DeTable, DeValue};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// Where a value sits in the doc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct FieldPath(Vec<Seg>);

impl FieldPath {
    pub(super) fn key(&self, key: &str) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        FieldPath(segs)
    }

    pub(super) fn index(&self, i: usize) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(i));
        FieldPath(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?
                    } else {
                        write!(f, "\"{k}\"")?
                    }
                }
            }
        }
        Ok(())
    }
}

/// 1-based line and column of a byte offset.
pub(super) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset.min(source.len())).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Finds where a field sits in the source, falling back to its nearest parent.
pub(super) struct Locator<'s> {
    source: &'s str,
    doc: Option<toml::Spanned<DeTable<'s>>>,
}

impl<'s> Locator<'s> {
    pub(super) fn new(source: &'s str) -> Self {
        Locator {
            source,
            doc: DeTable::parse(source).ok(),
        }
    }

    pub(super) fn find(&self, path: &FieldPath) -> (usize, usize) {
        let Some(doc) = &self.doc else { return (1, 1) };
        let mut offset = 0;
        let mut table: Option<&DeTable<'s>> = Some(doc.get_ref());
        let mut array: Option<&[toml::Spanned<DeValue<'s>>]> = None;
        for seg in &path.0 {
            let found = match (seg, table, array) {
                (Seg::Key(k), Some(t), _) => t
                    .iter()
                    .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                    .map(|(key, v)| {
                        // Point at the key for tables: their value can start far away.
                        let at = if matches!(v.get_ref(), DeValue::Table(_)) {
                            key.span()
                        } else {
                            v.span()
                        };
                        (at.start, v)
                    }),
                (Seg::Index(i), _, Some(items)) => items.get(*i).map(|v| (v.span().start, v)),
                _ => None,
            };
            let Some((start, value)) = found else { break };
            offset = start;
            (table, array) = match value.get_ref() {
                DeValue::Table(t) => (Some(t), None),
                DeValue::Array(a) => (None, Some(a.as_ref())),
                _ => (None, None),
            };
        }
        line_col(self.source, offset)
    }
}
