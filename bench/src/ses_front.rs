//! A front for the SES emulator that notes when each message reaches "the provider", to the
//! millisecond (the emulator keeps whole seconds), and, like real SES, refuses sends beyond
//! the account's maximum rate with `TooManyRequestsException`. For the fault-injection
//! harness it can also misbehave on purpose: answer sends with a server error or throttling,
//! hold the answer past the sender's timeout, or stop listening altogether.

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
    /// The emulator's id for the message, once it answered.
    pub message_id: Option<String>,
    /// Which door it came through: 0 for the first, then in the order
    /// [`SesFront::another_door`] opened them.
    pub door: usize,
}

/// How the front answers sends while a fault is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `500 InternalFailure`; the message is not passed on.
    ServerError,
    /// `429 TooManyRequestsException`; the message is not passed on.
    Throttle,
    /// The message is passed on, and the answer held this long: past the sender's timeout,
    /// the provider has a message its sender never heard about.
    Hold(Duration),
}

/// How often each fault was served.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultCounts {
    pub server_errors: usize,
    pub throttled: usize,
    pub held: usize,
}

#[derive(Default)]
struct Log {
    arrivals: Vec<Arrival>,
    counts: FaultCounts,
    window: VecDeque<Instant>,
    fault: Option<Fault>,
    /// Doors opened besides the first.
    doors: usize,
}

/// Whether a request may pass, and where its arrival is noted if it is a send.
enum Admitted {
    OverRate,
    Passed(Option<usize>),
}

/// One door of the front: its own port, the provider (log, rate and faults) shared with the
/// other doors, as one provider account is shared by the workers sending through it.
#[derive(Clone)]
pub struct SesFront {
    log: Arc<Mutex<Log>>,
    /// Stops this door's listener (see [`SesFront::go_down`]).
    stop: Arc<Mutex<Option<tokio::sync::oneshot::Sender<()>>>>,
    emulator: String,
    max_per_second: Option<usize>,
    door: usize,
    port: u16,
    pub url: String,
}

impl SesFront {
    /// Serves on a free port in front of `emulator`; `max_per_second` refuses sends over the
    /// rate in any one-second window.
    pub async fn start(emulator: &str, max_per_second: Option<usize>) -> anyhow::Result<SesFront> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let front = SesFront {
            log: Arc::default(),
            stop: Arc::default(),
            emulator: emulator.to_owned(),
            max_per_second,
            door: 0,
            port,
            url: format!("http://127.0.0.1:{port}"),
        };
        front.serve(listener);
        Ok(front)
    }

    /// Another door on a free port to the same provider: its sends count against the same
    /// rate and show in the same arrivals, marked with the door they came through (to tell
    /// which of two workers sent what).
    pub async fn another_door(&self) -> anyhow::Result<SesFront> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let door = match self.log.lock() {
            Ok(mut log) => {
                log.doors += 1;
                log.doors
            }
            Err(_) => anyhow::bail!("the front's log is poisoned"),
        };
        let front = SesFront {
            stop: Arc::default(),
            door,
            port,
            url: format!("http://127.0.0.1:{port}"),
            ..self.clone()
        };
        front.serve(listener);
        Ok(front)
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        if let Ok(mut slot) = self.stop.lock() {
            *slot = Some(stop);
        }
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(self.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
    }

    /// Stops listening: a sender's connection is refused until [`SesFront::come_up`].
    pub fn go_down(&self) {
        if let Some(stop) = self.stop.lock().ok().and_then(|mut s| s.take()) {
            let _ = stop.send(());
        }
    }

    /// Listens again on the same port.
    pub async fn come_up(&self) -> anyhow::Result<()> {
        // The old listener closes as its server task winds down.
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        self.serve(listener);
        Ok(())
    }

    /// Serves sends with `fault` from now on (`None`: as the emulator answers).
    pub fn set_fault(&self, fault: Option<Fault>) {
        if let Ok(mut log) = self.log.lock() {
            log.fault = fault;
        }
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        self.log
            .lock()
            .map(|l| l.arrivals.clone())
            .unwrap_or_default()
    }

    pub fn counts(&self) -> FaultCounts {
        self.log.lock().map(|l| l.counts).unwrap_or_default()
    }

    pub fn throttled(&self) -> usize {
        self.counts().throttled
    }

    /// The fault a send meets now, counted.
    fn fault_for_send(&self) -> Option<Fault> {
        let mut log = self.log.lock().ok()?;
        let fault = log.fault?;
        match fault {
            Fault::ServerError => log.counts.server_errors += 1,
            Fault::Throttle => log.counts.throttled += 1,
            Fault::Hold(_) => log.counts.held += 1,
        }
        Some(fault)
    }

    /// Admits one request, or refuses a send as over the rate.
    fn admit(&self, send: Option<Arrival>) -> Admitted {
        let Ok(mut log) = self.log.lock() else {
            return Admitted::OverRate;
        };
        let Some(arrival) = send else {
            return Admitted::Passed(None);
        };
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
                log.counts.throttled += 1;
                return Admitted::OverRate;
            }
            log.window.push_back(now);
        }
        log.arrivals.push(arrival);
        Admitted::Passed(Some(log.arrivals.len() - 1))
    }

    fn note_message_id(&self, index: usize, answer: &[u8]) {
        let id = serde_json::from_slice::<serde_json::Value>(answer)
            .ok()
            .and_then(|v| v["MessageId"].as_str().map(str::to_owned));
        if let Ok(mut log) = self.log.lock()
            && let Some(arrival) = log.arrivals.get_mut(index)
        {
            arrival.message_id = id;
        }
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
fn send_email(uri: &Uri, body: &[u8], door: usize) -> Option<Arrival> {
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
        message_id: None,
        door,
    })
}

/// An error answer as SES gives it: the status and the `x-amzn-errortype` it names.
fn refusal(status: StatusCode, kind: &'static str, message: &'static str) -> Response {
    let mut answer = (status, format!(r#"{{"message":"{message}"}}"#)).into_response();
    answer.headers_mut().insert(
        "x-amzn-errortype",
        axum::http::HeaderValue::from_static(kind),
    );
    answer
}

fn throttled() -> Response {
    refusal(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        "Maximum sending rate exceeded.",
    )
}

async fn forward(
    State(front): State<SesFront>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let send = send_email(&uri, &body, front.door);
    let fault = if send.is_some() {
        front.fault_for_send()
    } else {
        None
    };
    match fault {
        Some(Fault::ServerError) => {
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "Internal failure.",
            );
        }
        Some(Fault::Throttle) => return throttled(),
        Some(Fault::Hold(_)) | None => {}
    }
    let index = match front.admit(send) {
        Admitted::OverRate => return throttled(),
        Admitted::Passed(index) => index,
    };
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
    if let (Some(index), Ok(Ok((_, _, bytes)))) = (index, &relayed) {
        front.note_message_id(index, bytes);
    }
    if let Some(Fault::Hold(hold)) = fault {
        tokio::time::sleep(hold).await;
    }
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn another_door_shares_the_rate_and_marks_its_arrivals() {
        let front = SesFront::start(&provider().await, Some(2)).await.unwrap();
        let other = front.another_door().await.unwrap();
        assert_ne!(front.url, other.url);
        let urls = [front.url.clone(), other.url.clone(), other.url.clone()];
        let answers = tokio::task::spawn_blocking(move || {
            urls.iter()
                .map(|url| send(url, "a@x.example").0)
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        // One account: the third send in the second is over the rate, whichever door.
        assert_eq!(answers, [200, 200, 429]);
        let doors: Vec<usize> = front.arrivals().iter().map(|a| a.door).collect();
        assert_eq!(doors, [0, 1]);
        assert_eq!(other.throttled(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_each_fault_and_goes_down_and_up_on_its_port() {
        let front = SesFront::start(&provider().await, None).await.unwrap();
        let url = front.url.clone();
        let send_one = |url: String| tokio::task::spawn_blocking(move || send(&url, "a@x.example"));

        front.set_fault(Some(Fault::ServerError));
        let (status, _) = send_one(url.clone()).await.unwrap();
        assert_eq!(status, 500);
        front.set_fault(Some(Fault::Throttle));
        assert_eq!(send_one(url.clone()).await.unwrap().0, 429);
        assert!(
            front.arrivals().is_empty(),
            "refused sends are not passed on"
        );

        // Held: passed on at once (the arrival and its id are noted), answered late.
        front.set_fault(Some(Fault::Hold(Duration::from_millis(1500))));
        let started = Instant::now();
        let (status, body) = send_one(url.clone()).await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(started.elapsed() >= Duration::from_millis(1500));
        let arrivals = front.arrivals();
        assert_eq!(arrivals.len(), 1);
        assert!(arrivals[0].message_id.as_deref().unwrap().starts_with("m-"));
        let counts = front.counts();
        assert_eq!(
            (counts.server_errors, counts.throttled, counts.held),
            (1, 1, 1)
        );

        // Down: nothing listens; up again on the same address.
        front.set_fault(None);
        front.go_down();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let port = url.rsplit_once(':').unwrap().1.parse::<u16>().unwrap();
        assert!(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err(),
            "the front still listens"
        );
        front.come_up().await.unwrap();
        assert_eq!(send_one(url).await.unwrap().0, 200);
        assert_eq!(front.arrivals().len(), 2);
    }
}
