//! How long a field may be, and which links a customer may be sent to: checked once, here, for
//! every door (an import, a webhook, the API, a one-tap link), so an over-long field is refused
//! with its name instead of failing later inside Temporal (a search attribute over 2 KB, a
//! history event over its size limit) where nobody sees it and the chase silently never runs.

use url::Url;

/// Names: the customer (a search attribute, which Temporal caps at 2 KB), its id, contacts.
pub const MAX_NAME_CHARS: usize = 200;
/// Free text that travels with a command or an invoice: reasons, notes, references, terms.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Pay and PDF links.
pub const MAX_URL_CHARS: usize = 2_000;
/// Contacts of one invoice, and addresses a command names.
pub const MAX_CONTACTS: usize = 50;
/// Who acted (`by`), step ids.
pub const MAX_ID_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("{field} is {len} characters long; at most {max} are accepted")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("{field} has {count} entries; at most {max} are accepted")]
    TooMany {
        field: String,
        count: usize,
        max: usize,
    },
    #[error(
        "{field} must be an https:// link to a web page (not `{scheme}:`), without a user or password"
    )]
    NotAWebLink { field: String, scheme: String },
}

impl LimitError {
    /// The field the error is about.
    pub fn field(&self) -> &str {
        match self {
            LimitError::TooLong { field, .. }
            | LimitError::TooMany { field, .. }
            | LimitError::NotAWebLink { field, .. } => field,
        }
    }
}

/// `text` is at most `max` characters.
pub fn check_len(field: &str, text: &str, max: usize) -> Result<(), LimitError> {
    let len = text.chars().count();
    if len > max {
        return Err(LimitError::TooLong {
            field: field.to_owned(),
            len,
            max,
        });
    }
    Ok(())
}

/// `count` entries are at most `max`.
pub fn check_count(field: &str, count: usize, max: usize) -> Result<(), LimitError> {
    if count > max {
        return Err(LimitError::TooMany {
            field: field.to_owned(),
            count,
            max,
        });
    }
    Ok(())
}

/// A link a customer may be sent to: `https:` (or `http:` when `allow_http`), with a host and
/// no credentials. Anything else (`javascript:`, `data:`, `mailto:`) could run or fetch
/// something in a mail client or a browser.
pub fn is_web_link(url: &Url, allow_http: bool) -> bool {
    let scheme_ok = url.scheme() == "https" || (allow_http && url.scheme() == "http");
    scheme_ok && url.host_str().is_some() && url.username().is_empty() && url.password().is_none()
}

/// A pay or PDF link as stored: a web link (`http:` is decided by configuration, later) of a
/// sane length.
pub fn check_link(field: &str, url: &Url) -> Result<(), LimitError> {
    if !is_web_link(url, true) {
        return Err(LimitError::NotAWebLink {
            field: field.to_owned(),
            scheme: url.scheme().to_owned(),
        });
    }
    check_len(field, url.as_str(), MAX_URL_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_without_credentials_pass() {
        let url = |text: &str| Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(is_web_link(&url("https://pay.example/INV-1"), false));
        assert!(!is_web_link(&url("http://pay.example/INV-1"), false));
        assert!(is_web_link(&url("http://pay.example/INV-1"), true));
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>x</script>",
            "mailto:a@b.example",
            "https://user:pw@pay.example/",
        ] {
            assert!(!is_web_link(&url(bad), true), "{bad}");
            assert!(check_link("pay_url", &url(bad)).is_err(), "{bad}");
        }
        let error = check_link(
            "pdf_url",
            &url("javascript:x\"><img src=x onerror=alert(1)>"),
        )
        .map_err(|e| e.to_string());
        assert_eq!(
            error,
            Err("pdf_url must be an https:// link to a web page (not `javascript:`), without a user or password".into())
        );
    }
}
