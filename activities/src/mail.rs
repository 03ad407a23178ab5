//! Sending e-mail: the `Mailer` port, with an Amazon SES v2 adapter and an SMTP one.

use std::future::Future;
use std::pin::Pin;

use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

/// A message ready for the wire. Addresses are already validated; no field holds a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub from: String,
    pub reply_to: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

/// A file sent along (the monthly summary's CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The provider refused this message for good: retrying cannot help.
    #[error("rejected: {0}")]
    Permanent(String),
    /// Refused for now (throttling, a server error, no connection): the provider does not
    /// have the message, so retrying with backoff is safe.
    #[error("temporarily unavailable: {0}")]
    Transient(String),
    /// Cut off after the message was handed over (a timeout, a connection lost mid-way, an
    /// unreadable answer): the provider may have it. Sending again could send it twice.
    #[error("no answer from the provider: {0}")]
    Unknown(String),
}

pub type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<String, MailError>> + Send + 'a>>;

/// Sends one message and returns the provider's message id.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a>;
}

/// Amazon SES v2 (or a local emulator at `endpoint_url`).
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client) -> SesMailer {
        SesMailer { client }
    }

    /// A client from the standard AWS environment, with an optional endpoint override.
    pub async fn from_env(region: Option<&str>, endpoint_url: Option<&str>) -> SesMailer {
        let config = crate::aws::sdk_config(region, endpoint_url).await;
        SesMailer::new(aws_sdk_sesv2::Client::new(&config))
    }

    pub fn client(&self) -> &aws_sdk_sesv2::Client {
        &self.client
    }
}

fn content(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Permanent(e.to_string()))
}

impl Mailer for SesMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a> {
        Box::pin(async move {
            let mut message = Message::builder().subject(content(&email.subject)?).body(
                Body::builder()
                    .text(content(&email.text)?)
                    .html(content(&email.html)?)
                    .build(),
            );
            for file in &email.attachments {
                message = message.attachments(
                    aws_sdk_sesv2::types::Attachment::builder()
                        .file_name(&file.filename)
                        .content_type(&file.content_type)
                        .content_disposition(
                            aws_sdk_sesv2::types::AttachmentContentDisposition::Attachment,
                        )
                        .raw_content(aws_sdk_sesv2::primitives::Blob::new(file.bytes.clone()))
                        .build()
                        .map_err(|e| MailError::Permanent(e.to_string()))?,
                );
            }
            let message = message.build();
            let destination = Destination::builder()
                .set_to_addresses(Some(email.to.clone()))
                .set_cc_addresses((!email.cc.is_empty()).then(|| email.cc.clone()))
                .build();
            let sent = self
                .client
                .send_email()
                .from_email_address(&email.from)
                .set_reply_to_addresses(email.reply_to.clone().map(|r| vec![r]))
                .destination(destination)
                .content(EmailContent::builder().simple(message).build())
                .customize()
                // One attempt only: the SDK's own retries would send again after a timeout or
                // a connection lost mid-way, when SES may have the message. The outbox decides
                // what may be tried again (`classify`), whatever retries the client has.
                .config_override(
                    aws_sdk_sesv2::Config::builder().retry_config(RetryConfig::disabled()),
                )
                .send()
                .await
                .map_err(classify)?;
            Ok(sent.message_id().unwrap_or_default().to_owned())
        })
    }
}

/// Permanent: the message or account is refused. Transient: throttling, a 5xx (SES did not
/// take the message), no connection. Unknown: a timeout or a broken exchange after the request
/// went out, when SES may have taken it.
fn classify(error: SdkError<SendEmailError>) -> MailError {
    match &error {
        SdkError::ServiceError(service) => {
            let detail = format!(
                "{}: {}",
                service.err().code().unwrap_or("error"),
                service.err().message().unwrap_or("")
            );
            match service.err() {
                SendEmailError::TooManyRequestsException(_)
                | SendEmailError::LimitExceededException(_)
                | SendEmailError::SendingPausedException(_) => MailError::Transient(detail),
                SendEmailError::AccountSuspendedException(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::MessageRejected(_)
                | SendEmailError::NotFoundException(_) => MailError::Permanent(detail),
                _ if service.raw().status().is_server_error() => MailError::Transient(detail),
                _ if service.raw().status().as_u16() == 429 => MailError::Transient(detail),
                _ => MailError::Permanent(detail),
            }
        }
        // Never sent: the request could not be built, or no connection was made.
        SdkError::ConstructionFailure(_) => MailError::Transient(brief(&error)),
        SdkError::DispatchFailure(failure)
            if failure
                .as_connector_error()
                .is_some_and(|c| !c.is_timeout() && never_connected(c)) =>
        {
            MailError::Transient(brief(&error))
        }
        // Timeouts, a connection lost mid-way, unreadable answers: SES may have the message.
        _ => MailError::Unknown(brief(&error)),
    }
}

fn brief(error: &impl std::fmt::Debug) -> String {
    format!("{error:?}").chars().take(300).collect()
}

/// The connector failed before any request went out (refused, unreachable, no DNS).
fn never_connected(error: &impl std::fmt::Debug) -> bool {
    let text = format!("{error:?}").to_ascii_lowercase();
    [
        "connection refused",
        "connect error",
        "dns error",
        "unreachable",
    ]
    .iter()
    .any(|hint| text.contains(hint))
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain text: only for a server on this machine or a trusted network.
    None,
    /// `starttls`, as mail servers and most tools spell it, or `start_tls`.
    #[serde(rename = "starttls", alias = "start_tls")]
    StartTls,
    Tls,
}

/// Any SMTP server (lettre), for users without AWS.
pub struct SmtpMailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(
        host: &str,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<(String, String)>,
    ) -> Result<SmtpMailer, MailError> {
        use lettre::AsyncSmtpTransport;
        let builder = match security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(host)
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<lettre::Tokio1Executor>::starttls_relay(host)
                    .map_err(|e| MailError::Permanent(format!("SMTP host {host}: {e}")))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<lettre::Tokio1Executor>::relay(host)
                .map_err(|e| MailError::Permanent(format!("SMTP host {host}: {e}")))?,
        };
        let builder = builder.port(port);
        let builder = match credentials {
            Some((user, password)) => builder.credentials(
                lettre::transport::smtp::authentication::Credentials::new(user, password),
            ),
            None => builder,
        };
        Ok(SmtpMailer {
            transport: builder.build(),
        })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a> {
        Box::pin(async move {
            use lettre::AsyncTransport;
            use lettre::message::{Mailbox, MultiPart};
            let mailbox = |text: &str| -> Result<Mailbox, MailError> {
                text.parse()
                    .map_err(|e| MailError::Permanent(format!("`{text}` is not an address: {e}")))
            };
            let mut builder = lettre::Message::builder()
                .from(mailbox(&email.from)?)
                .subject(email.subject.clone());
            if let Some(reply_to) = &email.reply_to {
                builder = builder.reply_to(mailbox(reply_to)?);
            }
            for to in &email.to {
                builder = builder.to(mailbox(to)?);
            }
            for cc in &email.cc {
                builder = builder.cc(mailbox(cc)?);
            }
            let body = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
            let body = email.attachments.iter().try_fold(
                MultiPart::mixed().multipart(body),
                |parts, file| {
                    let kind = lettre::message::header::ContentType::parse(&file.content_type)
                        .map_err(|e| MailError::Permanent(format!("{}: {e}", file.filename)))?;
                    Ok::<_, MailError>(
                        parts.singlepart(
                            lettre::message::Attachment::new(file.filename.clone())
                                .body(file.bytes.clone(), kind),
                        ),
                    )
                },
            )?;
            let message = builder
                .multipart(body)
                .map_err(|e| MailError::Permanent(e.to_string()))?;
            let message_id = message
                .headers()
                .get_raw("Message-ID")
                .map_or_else(String::new, |id| id.trim_matches(['<', '>']).to_owned());
            self.transport.send(message).await.map_err(|e| {
                if e.is_permanent() {
                    MailError::Permanent(e.to_string())
                } else if e.is_transient() || (!e.is_timeout() && smtp_never_started(&e)) {
                    // A 4xx reply, or no session: the server does not have the message.
                    MailError::Transient(e.to_string())
                } else {
                    MailError::Unknown(e.to_string())
                }
            })?;
            Ok(message_id)
        })
    }
}

/// The SMTP session never got as far as the message: no connection, no TLS, a closed pool.
fn smtp_never_started(error: &lettre::transport::smtp::Error) -> bool {
    error.is_tls() || error.is_transport_shutdown() || {
        let text = format!("{error:?}");
        text.contains("kind: Connection")
    }
}
