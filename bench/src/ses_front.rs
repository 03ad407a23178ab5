//! A front for the SES emulator that notes when each message reaches "the provider", to the
//! millisecond (the emulator keeps whole seconds), and, like real SES, refuses sends beyond
//! the account's maximum rate with `TooManyRequestsException`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One SendEmail call the front passed on.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub at: SystemTime,
    pub to: Vec<String>,
    pub subject: String,
}

#[derive(Default)]
struct Log {
    arrivals: Vec<Arrival>,
    throttled: usize,
    window: VecDeque<Instant>,
}

#[derive(Clone)]
pub struct SesFront {
    log: Arc<Mutex<Log>>,
    emulator: String,
    max_per_second: Option<usize>,
    pub url: String,
}

impl SesFront {
    /// Serves on a free port in front of `emulator`; `max_per_second` refuses sends over the
    /// rate in any one-second window.
    pub async fn start(emulator: &str, max_per_second: Option<usize>) -> anyhow::Result<SesFront> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let front = SesFront {
            log: Arc::default(),
            emulator: emulator.to_owned(),
            max_per_second,
            url,
        };
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(front.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(front)
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        self.log
            .lock()
            .map(|l| l.arrivals.clone())
            .unwrap_or_default()
    }

    pub fn throttled(&self) -> usize {
        self.log.lock().map(|l| l.throttled).unwrap_or_default()
    }

    /// Admits one send, or refuses it as over the rate.
    fn admit(&self, send: Option<Arrival>) -> bool {
        let Ok(mut log) = self.log.lock() else {
            return false;
        };
        let Some(arrival) = send else { return true };
        if let Some(max) = self.max_per_second {
            let now = Instant::now();
            while log
                .window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                log.window.pop_front();
            }
            if log.window.len() >= max {
                log.throttled += 1;
                return false;
            }
            log.window.push_back(now);
        }
        log.arrivals.push(arrival);
        true
    }
}

/// `ap@x.example` of `Name <AP@x.example>`, lower-cased.
fn bare_address(to: &str) -> String {
    let inner = to
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(to, |(address, _)| address);
    inner.trim().to_ascii_lowercase()
}

/// The recipients and subject of a SES v2 SendEmail body, if that is what it is.
fn send_email(uri: &Uri, body: &[u8]) -> Option<Arrival> {
    if !uri.path().ends_with("/outbound-emails") {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let to = json["Destination"]["ToAddresses"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(bare_address))
                .collect()
        })
        .unwrap_or_default();
    let subject = json["Content"]["Simple"]["Subject"]["Data"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    Some(Arrival {
        at: SystemTime::now(),
        to,
        subject,
    })
}

async fn forward(
    State(front): State<SesFront>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !front.admit(send_email(&uri, &body)) {
        let mut answer = (
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"message":"Maximum sending rate exceeded."}"#,
        )
            .into_response();
        answer.headers_mut().insert(
            "x-amzn-errortype",
            axum::http::HeaderValue::from_static("TooManyRequestsException"),
        );
        return answer;
    }
    let target = format!(
        "{}{}",
        front.emulator,
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    // The emulator insists on an AWS Authorization header, so pass the caller's on.
    let passed: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "host" | "content-length" | "transfer-encoding" | "connection"
            )
        })
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let relayed = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = if method == Method::GET {
            let mut request = agent.get(&target);
            for (name, value) in &passed {
                request = request.header(name, value);
            }
            request.call()
        } else {
            let mut request = agent.post(&target);
            for (name, value) in &passed {
                request = request.header(name, value);
            }
            request.send(&body[..])
        }?;
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        let bytes = response.body_mut().read_to_vec()?;
        Ok::<_, ureq::Error>((status, kind, bytes))
    })
    .await;
    match relayed {
        Ok(Ok((status, kind, bytes))) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            [("content-type", kind)],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn provider() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(|headers: HeaderMap, body: Bytes| async move {
            let auth = headers.get("authorization").is_some();
            (
                [("content-type", "application/json")],
                format!(r#"{{"MessageId":"m-{}","Auth":{auth}}}"#, body.len()),
            )
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    fn send(front: &str, to: &str) -> (u16, String) {
        let body = serde_json::json!({
            "Destination": { "ToAddresses": [to] },
            "Content": { "Simple": { "Subject": { "Data": "Invoice 1 is due" } } },
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut answer = agent
            .post(format!("{front}/v2/email/outbound-emails"))
            .header("content-type", "application/json")
            .header("authorization", "AWS4-HMAC-SHA256 Credential=testing")
            .send(body.to_string())
            .unwrap();
        (
            answer.status().as_u16(),
            answer.body_mut().read_to_string().unwrap(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn relays_sends_notes_their_arrival_and_refuses_over_the_rate() {
        let front = SesFront::start(&provider().await, Some(2)).await.unwrap();
        let url = front.url.clone();
        let answers = tokio::task::spawn_blocking(move || {
            (0..3)
                .map(|i| send(&url, &format!("Customer {i} <A{i}@x.example>")))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        assert_eq!(answers[0].0, 200, "{answers:?}");
        assert!(
            answers[0].1.starts_with(r#"{"MessageId":"m-"#),
            "{answers:?}"
        );
        assert!(answers[0].1.ends_with(r#""Auth":true}"#), "{answers:?}");
        assert_eq!(answers[2].0, 429, "{answers:?}");
        let arrivals = front.arrivals();
        assert_eq!(arrivals.len(), 2);
        assert_eq!(arrivals[0].to, ["a0@x.example"]);
        assert_eq!(arrivals[0].subject, "Invoice 1 is due");
        assert_eq!(front.throttled(), 1);
    }
}
