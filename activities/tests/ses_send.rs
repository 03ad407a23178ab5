//! The SES adapter calls the provider once per send: whatever retries its client is built
//! with, a failed SendEmail is never repeated by the AWS SDK, because only the outbox may
//! decide that a message can go again.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
use chaser_activities::mail::{MailError, Mailer, OutgoingEmail, SesMailer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A provider that reads each request whole, counts it, then answers `answer` (or nothing)
/// and closes the connection.
async fn provider(answer: Option<&'static str>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0u8; 4096];
                while !whole(&request) {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                if let Some(answer) = answer {
                    let _ = socket.write_all(answer.as_bytes()).await;
                }
            });
        }
    });
    (url, requests)
}

/// Headers and as many body bytes as `content-length` says.
fn whole(request: &[u8]) -> bool {
    let text = String::from_utf8_lossy(request);
    let Some(end) = text.find("\r\n\r\n") else {
        return false;
    };
    let length = text[..end]
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    request.len() >= end + 4 + length
}

/// A client that retries as aws-config's defaults do (three attempts), and quickly.
fn mailer(url: &str) -> SesMailer {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .build();
    SesMailer::new(aws_sdk_sesv2::Client::from_conf(config))
}

fn email() -> OutgoingEmail {
    OutgoingEmail {
        from: "billing@acme.example".into(),
        reply_to: None,
        to: vec!["ap@customer.example".into()],
        cc: vec![],
        subject: "Invoice INV-1 is due".into(),
        text: "Please pay.".into(),
        html: "<p>Please pay.</p>".into(),
        attachments: vec![],
    }
}

#[tokio::test]
async fn a_server_error_is_refused_for_now_after_one_request() {
    let (url, requests) = provider(Some(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\nx-amzn-errortype: InternalFailure\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    ))
    .await;
    let sent = mailer(&url).send(&email()).await;
    assert!(matches!(sent, Err(MailError::Transient(_))), "{sent:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "the SDK sent it again");
}

#[tokio::test]
async fn a_connection_lost_after_the_request_is_uncertain_and_not_sent_again() {
    let (url, requests) = provider(None).await;
    let sent = mailer(&url).send(&email()).await;
    assert!(matches!(sent, Err(MailError::Unknown(_))), "{sent:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "the SDK sent it again");
}
