//! Documents as they arrive: a PDF on its own, or the PDF attachments of an e-mail that SES
//! inbound stored raw. A message forwarded as an attachment (`message/rfc822`) is opened too.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders};

use crate::error::ExtractError;
use crate::pdf::{MAX_DOCUMENT_BYTES, check_pdf};

/// One attached document, as its sender named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// What the forwarded e-mail says about itself, and its PDF attachments (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The bare address of the first `From` mailbox.
    pub from: Option<String>,
    pub subject: Option<String>,
    pub documents: Vec<Document>,
}

/// Nesting of forwarded messages followed before giving up (a loop guard, not a real limit).
const MAX_DEPTH: usize = 4;

/// Reads a raw MIME message: sender, subject and PDF attachments. An attachment is a PDF by
/// its content type `application/pdf` or by a `.pdf` name.
pub fn read_message(raw: &[u8]) -> Result<InboundMessage, ExtractError> {
    if raw.is_empty() {
        return Err(ExtractError::Empty);
    }
    if raw.len() > 2 * MAX_DOCUMENT_BYTES {
        return Err(ExtractError::TooLarge { size: raw.len() });
    }
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(ExtractError::NotMime)?;
    let mut documents = Vec::new();
    let mut others = Vec::new();
    collect(&message, 0, &mut documents, &mut others);
    if documents.is_empty() {
        return Err(ExtractError::NoPdfAttachment { found: others });
    }
    Ok(InboundMessage {
        from: message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_owned),
        subject: message.subject().map(str::to_owned),
        documents,
    })
}

/// The PDF attachments of a raw MIME message; see [`read_message`].
pub fn documents_from_mime(raw: &[u8]) -> Result<Vec<Document>, ExtractError> {
    read_message(raw).map(|m| m.documents)
}

/// The documents in a file by its name: a `.pdf` is one document, an `.eml` is opened as
/// an e-mail. The PDF's bytes are checked but not parsed.
pub fn documents_from_file(name: &str, bytes: &[u8]) -> Result<Vec<Document>, ExtractError> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".pdf") {
        check_pdf(bytes)?;
        Ok(vec![Document {
            filename: base_name(name).to_owned(),
            bytes: bytes.to_vec(),
        }])
    } else if lower.ends_with(".eml") {
        documents_from_mime(bytes)
    } else {
        Err(ExtractError::UnsupportedFile(name.to_owned()))
    }
}

fn collect(
    message: &Message<'_>,
    depth: usize,
    pdfs: &mut Vec<Document>,
    others: &mut Vec<String>,
) {
    for (index, part) in message.attachments().enumerate() {
        if let Some(inner) = part.message() {
            if depth < MAX_DEPTH {
                collect(inner, depth + 1, pdfs, others);
            }
            continue;
        }
        let name = part.attachment_name().map(base_name);
        let by_type = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("application")
                && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("pdf"))
        });
        let by_name = name.is_some_and(|n| n.to_ascii_lowercase().ends_with(".pdf"));
        if by_type || by_name {
            pdfs.push(Document {
                filename: name
                    .map_or_else(|| format!("attachment-{}.pdf", index + 1), str::to_owned),
                bytes: attached_bytes(message, part),
            });
        } else {
            others.push(name.unwrap_or("an unnamed attachment").to_owned());
        }
    }
}

/// A part's bytes as the sender attached them. mail-parser turns a part it takes for text (no
/// content type, a `text/*` one, or a body whose transfer encoding it could not undo) into
/// UTF-8, through its charset or lossily, which garbles a PDF: a fuzzed attachment's `0xFF`
/// bytes came back as three bytes each, larger than the whole message. Such a part is taken
/// from the raw message, and only its transfer encoding is undone (when it can be).
fn attached_bytes(message: &Message<'_>, part: &MessagePart<'_>) -> Vec<u8> {
    if !part.is_text() {
        return part.contents().to_vec();
    }
    let raw = message
        .raw_message
        .get(part.raw_body_offset() as usize..part.raw_end_offset() as usize)
        .unwrap_or_default();
    let decoded = match part.encoding {
        Encoding::Base64 => base64_decode(raw),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::None => None,
    };
    decoded.unwrap_or_else(|| raw.to_vec())
}

/// The last path segment: attachment names are the sender's, never a path to trust.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}
