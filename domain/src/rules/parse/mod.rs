//! Reading a rules doc: TOML into loose structs, then validation into `Rules`.
//!
//! Every problem becomes a `RuleError` naming the file, line, column, field and reason. All
//! problems are reported together, and nothing here panics on any input.

mod check;
mod path;
mod raw;

use std::fmt;

use super::Rules;
use check::Checker;
use path::{Locator, line_col};
use raw::RawDoc;

/// One problem in a rules doc, located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Dotted path of the field, e.g. `cadences.net-30.steps[1].template`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.reason)
    }
}

/// Every problem found in one rules doc, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesErrors(pub Vec<RuleError>);

impl fmt::Display for RulesErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for RulesErrors {}

pub(super) fn parse(source: &str, file: &str) -> Result<Rules, RulesErrors> {
    let at_span = |span: Option<std::ops::Range<usize>>, field: String, reason: String| {
        let (line, column) = span.map_or((1, 1), |s| line_col(source, s.start));
        RulesErrors(vec![RuleError {
            file: file.to_owned(),
            line,
            column,
            field,
            reason,
        }])
    };
    let deserializer = toml::de::Deserializer::parse(source)
        .map_err(|e| at_span(e.span(), String::new(), e.message().to_owned()))?;
    let raw: RawDoc = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let field = if field == "." { String::new() } else { field };
        at_span(inner.span(), field, inner.message().to_owned())
    })?;

    let mut check = Checker::default();
    let rules = check.doc(raw);
    if check.problems.is_empty() {
        return Ok(rules);
    }
    let located = Locator::new(source);
    let mut errors: Vec<RuleError> = check
        .problems
        .into_iter()
        .map(|(path, reason)| {
            let (line, column) = located.find(&path);
            RuleError {
                file: file.to_owned(),
                line,
                column,
                field: path.to_string(),
                reason,
            }
        })
        .collect();
    errors.sort_by_key(|e| (e.line, e.column));
    Err(RulesErrors(errors))
}
