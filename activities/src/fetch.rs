//! Reads an export from where the owner keeps it: a local path, an S3 object, or an HTTP(S)
//! URL such as a published Google Sheet's CSV link.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use url::Url;

/// Exports larger than this are refused rather than read into memory.
pub const MAX_EXPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Where an export lives: `s3://bucket/key`, `https://...` (or `http://`), `file:///...` or a
/// plain path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    S3 { bucket: String, key: String },
    Http(Url),
}

impl FromStr for Location {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(
                "the location is empty: give a path, s3://bucket/key or an https:// URL".into(),
            );
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            return match rest.split_once('/') {
                Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Location::S3 {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                }),
                _ => Err(format!(
                    "`{text}` is not an S3 object: write s3://bucket/key"
                )),
            };
        }
        if text.starts_with("https://") || text.starts_with("http://") {
            return Url::parse(text)
                .map(Location::Http)
                .map_err(|e| format!("`{text}` is not a URL: {e}"));
        }
        if text.starts_with("file://") {
            return Url::parse(text)
                .ok()
                .and_then(|url| url.to_file_path().ok())
                .map(Location::File)
                .ok_or_else(|| format!("`{text}` is not a file URL: write file:///absolute/path"));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "`{scheme}://` is not a source I can read: use a path, s3://bucket/key or an https:// URL"
            ));
        }
        Ok(Location::File(PathBuf::from(text)))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Location::Http(url) => write!(f, "{url}"),
        }
    }
}

impl Location {
    /// The file name the export is parsed as (its extension picks CSV or XLSX).
    pub fn file_name(&self) -> String {
        let name = match self {
            Location::File(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
            Location::S3 { key, .. } => key.rsplit('/').next().map(str::to_owned),
            Location::Http(url) => url
                .path_segments()
                .and_then(|mut s| s.next_back())
                .map(str::to_owned),
        };
        match name.filter(|n| !n.is_empty()) {
            // A published Google Sheet link ends in `pub?output=csv`: no extension to go by.
            Some(name) if name.contains('.') => name,
            Some(name) if self.says_xlsx() => format!("{name}.xlsx"),
            Some(name) => format!("{name}.csv"),
            None => "export.csv".to_owned(),
        }
    }

    fn says_xlsx(&self) -> bool {
        matches!(self, Location::Http(url) if url.query_pairs().any(|(k, v)| k == "output" && v == "xlsx"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Retrying will not help: the file, object or page is not there, or is too big.
    #[error("{0}")]
    Permanent(String),
    /// Might work on the next try: a network error, a 5xx, throttling.
    #[error("{0}")]
    Transient(String),
}

impl FetchError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, FetchError::Permanent(_))
    }
}

/// Fetches exports; the S3 client is injected (with an endpoint override for local stand-ins).
#[derive(Clone)]
pub struct Fetcher {
    s3: aws_sdk_s3::Client,
}

impl Fetcher {
    pub fn new(s3: aws_sdk_s3::Client) -> Fetcher {
        Fetcher { s3 }
    }

    /// An S3 client from the shared AWS config. With an endpoint override (MinIO, LocalStack,
    /// a test fake) objects are addressed path-style, which those servers expect.
    pub fn s3_client(
        config: &aws_config::SdkConfig,
        endpoint_override: bool,
    ) -> aws_sdk_s3::Client {
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(endpoint_override)
            .build();
        aws_sdk_s3::Client::from_conf(s3)
    }

    pub async fn fetch(&self, location: &Location) -> Result<Vec<u8>, FetchError> {
        match location {
            Location::File(path) => read_file(path.clone()).await,
            Location::S3 { bucket, key } => self.read_s3(bucket, key).await,
            Location::Http(url) => read_http(url.clone()).await,
        }
    }

    async fn read_s3(&self, bucket: &str, key: &str) -> Result<Vec<u8>, FetchError> {
        let name = format!("s3://{bucket}/{key}");
        let object = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                let service = e.as_service_error();
                let message = aws_sdk_s3::error::DisplayErrorContext(&e).to_string();
                match service {
                    Some(s) if s.is_no_such_key() => {
                        FetchError::Permanent(format!("{name}: no such object"))
                    }
                    _ if e
                        .raw_response()
                        .is_some_and(|r| matches!(r.status().as_u16(), 403 | 404)) =>
                    {
                        FetchError::Permanent(format!("{name}: {message}"))
                    }
                    _ => FetchError::Transient(format!("{name}: {message}")),
                }
            })?;
        if object
            .content_length()
            .is_some_and(|len| len > 0 && len as u64 > MAX_EXPORT_BYTES)
        {
            return Err(too_big(&name));
        }
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| FetchError::Transient(format!("{name}: reading the object: {e}")))?
            .into_bytes();
        Ok(bytes.to_vec())
    }
}

fn too_big(name: &str) -> FetchError {
    FetchError::Permanent(format!(
        "{name} is larger than {} MB: split the export",
        MAX_EXPORT_BYTES / (1024 * 1024)
    ))
}

async fn read_file(path: PathBuf) -> Result<Vec<u8>, FetchError> {
    let name = path.display().to_string();
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FetchError::Permanent(format!("{name}: no such file")),
            _ => FetchError::Transient(format!("{name}: {e}")),
        })?;
    if meta.len() > MAX_EXPORT_BYTES {
        return Err(too_big(&name));
    }
    tokio::fs::read(&path)
        .await
        .map_err(|e| FetchError::Transient(format!("{name}: {e}")))
}

async fn read_http(url: Url) -> Result<Vec<u8>, FetchError> {
    let name = url.to_string();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .get(url.as_str())
            .call()
            .map_err(|e| FetchError::Transient(format!("{name}: {e}")))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {}
            404 | 410 | 401 | 403 => {
                return Err(FetchError::Permanent(format!("{name}: HTTP {status}")));
            }
            _ => return Err(FetchError::Transient(format!("{name}: HTTP {status}"))),
        }
        response
            .body_mut()
            .with_config()
            .limit(MAX_EXPORT_BYTES)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => too_big(&name),
                e => FetchError::Transient(format!("{name}: {e}")),
            })
    })
    .await
    .map_err(|e| FetchError::Transient(format!("reading the export: {e}")))?
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_from_what_owners_write() {
        assert_eq!(
            "s3://books/exports/aging.xlsx".parse(),
            Ok(Location::S3 {
                bucket: "books".into(),
                key: "exports/aging.xlsx".into()
            })
        );
        assert_eq!(
            "exports/invoices.csv".parse(),
            Ok(Location::File(PathBuf::from("exports/invoices.csv")))
        );
        assert_eq!(
            "file:///srv/x.csv".parse(),
            Ok(Location::File(PathBuf::from("/srv/x.csv")))
        );
        let sheet: Location = "https://docs.google.com/spreadsheets/d/e/2PACX/pub?output=csv"
            .parse()
            .unwrap();
        assert_eq!(sheet.file_name(), "pub.csv");
        assert!(
            "s3://only-bucket"
                .parse::<Location>()
                .unwrap_err()
                .contains("s3://bucket/key")
        );
        assert!(
            "ftp://x/y"
                .parse::<Location>()
                .unwrap_err()
                .contains("ftp://")
        );
        assert!("  ".parse::<Location>().is_err());
    }
}
