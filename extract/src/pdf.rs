//! The text layer of a PDF. PDF parsers are large and fed hostile input, so the size and the
//! header are checked first, then the document's structure (below), and a panic inside the
//! parser becomes an error.
//!
//! The structure check mirrors what `pdf-extract` will do and refuses what would take it down
//! before it starts: a page whose `/Parent` chain loops (its inherited-attribute lookup
//! recurses forever), a form XObject that draws itself or nests too deep (its `Do` recurses),
//! XObjects drawn more often than [`MAX_DRAWS`] (a small file that draws a form that draws two
//! forms... is exponential work), character-code ranges wider than [`MAX_MAPPED_CODES`] (it
//! fills a map with every code of a ToUnicode `bfrange` or CID `W` range: 2^32 of them from a
//! few bytes), more than [`MAX_PAGES`] pages, and more than [`MAX_INFLATED_BYTES`] of streams
//! inflated (a 1 MB stream can inflate to 1 GiB; a stream is inflated each time it is drawn).
//!
//! What this cannot catch, it cannot catch in-process: `lopdf` inflates object streams while
//! it loads, and a stack overflow or an allocation failure aborts the process whatever
//! `catch_unwind` does. So the worker never calls [`pdf_text`] itself: it runs it in a child
//! process with its own memory, CPU and time limits ([`crate::reader`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use serde::{Deserialize, Serialize};

use crate::error::ExtractError;
use crate::layout::{Collector, Layout};

/// Largest document read, in bytes (20 MB, SES inbound's message limit is 40 MB).
pub const MAX_DOCUMENT_BYTES: usize = 20_000_000;
/// Pages read from one document; an invoice has a handful.
pub const MAX_PAGES: usize = 100;
/// Stream bytes the extractor may inflate, over the whole document, counting a stream each time
/// it is drawn: page contents, form and image XObjects, CMaps and font files.
pub const MAX_INFLATED_BYTES: usize = 32 * 1024 * 1024;
/// XObjects drawn in the whole document, forms drawn by forms included.
pub const MAX_DRAWS: usize = 2_000;
/// Forms drawing forms, this deep at most.
pub const MAX_FORM_DEPTH: usize = 16;
/// Character codes one font may map through ToUnicode `bfrange`s and CID `W` ranges (two-byte
/// codes: 65,536).
pub const MAX_MAPPED_CODES: u64 = 65_536;
/// Links followed up a page's `/Parent` chain; real page trees are a few levels deep.
const MAX_TREE_DEPTH: usize = 256;

/// A PDF's text layer: the text, pages in order, and where each run of it is printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PdfContent {
    pub text: String,
    pub layout: Layout,
}

/// The text of a PDF, pages in order; see [`pdf_read`].
pub fn pdf_text(bytes: &[u8]) -> Result<String, ExtractError> {
    pdf_read(bytes).map(|content| content.text)
}

/// The text of a PDF and its layout, from one pass over the content streams. Refuses non-PDF
/// bytes, oversize input, documents over the limits above, unreadable files and PDFs without
/// a text layer (scans), each with its own [`ExtractError`].
pub fn pdf_read(bytes: &[u8]) -> Result<PdfContent, ExtractError> {
    check_pdf(bytes)?;
    let content = catch_unwind(AssertUnwindSafe(|| extract(bytes)))
        .map_err(|panic| ExtractError::Unreadable(panic_message(panic.as_ref())))??;
    if content.text.chars().any(char::is_alphanumeric) {
        Ok(content)
    } else {
        Err(ExtractError::NoText)
    }
}

fn extract(bytes: &[u8]) -> Result<PdfContent, ExtractError> {
    let unreadable = |e: &dyn std::fmt::Display| ExtractError::Unreadable(e.to_string());
    let mut doc = Document::load_mem(bytes).map_err(|e| unreadable(&e))?;
    // What `pdf-extract` does for its own loads: an owner password alone is opened.
    if doc.is_encrypted() {
        doc.decrypt("").map_err(|e| unreadable(&e))?;
    }
    check_structure(&doc)?;
    let mut text = String::new();
    let mut plain = pdf_extract::PlainTextOutput::new(&mut text as &mut String);
    let mut collector = Collector::new(&mut plain);
    pdf_extract::output_doc(&doc, &mut collector).map_err(|e| unreadable(&e))?;
    let layout = collector.layout;
    Ok(PdfContent { text, layout })
}

/// The cheap checks, before any parser sees the bytes.
pub(crate) fn check_pdf(bytes: &[u8]) -> Result<(), ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ExtractError::TooLarge { size: bytes.len() });
    }
    // The spec allows up to 1024 bytes of junk before the header; some mailers add it.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        Ok(())
    } else {
        Err(ExtractError::NotPdf)
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    format!("the PDF parser gave up: {detail}")
}

fn over(found: String, limit: String) -> ExtractError {
    ExtractError::OverLimit { found, limit }
}

/// Walks the document as `pdf-extract` will, counting what it will spend.
fn check_structure(doc: &Document) -> Result<(), ExtractError> {
    let pages: Vec<ObjectId> = doc.page_iter().take(MAX_PAGES + 1).collect();
    if pages.len() > MAX_PAGES {
        return Err(over(
            format!("has more than {MAX_PAGES} pages"),
            format!("{MAX_PAGES} pages"),
        ));
    }
    let mut walk = Walk {
        doc,
        inflated: 0,
        draws: 0,
        decoded: HashMap::new(),
        fonts_seen: HashSet::new(),
    };
    let empty = Dictionary::new();
    for page_id in pages {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        check_parents(doc, page)?;
        let resources = inherited_dict(doc, page, b"Resources").unwrap_or(&empty);
        let mut content = Vec::new();
        for id in doc.get_page_contents(page_id) {
            if let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) {
                content.extend_from_slice(&walk.decode(Some(id), stream)?);
            }
        }
        // Fonts are looked up again on every page (`pdf-extract` clears its cache per page).
        walk.fonts_seen.clear();
        walk.content(&content, resources, &mut Vec::new())?;
    }
    Ok(())
}

/// A page's `/Parent` chain must end: `pdf-extract` climbs it by recursion for inherited
/// attributes, and a loop is a stack overflow.
fn check_parents(doc: &Document, page: &Dictionary) -> Result<(), ExtractError> {
    let mut seen = HashSet::new();
    let mut node = page;
    while let Ok(parent) = node.get(b"Parent").and_then(Object::as_reference) {
        if !seen.insert(parent) || seen.len() > MAX_TREE_DEPTH {
            return Err(ExtractError::Malformed(
                "its page tree points back to itself (a /Parent cycle)".to_owned(),
            ));
        }
        match doc.get_dictionary(parent) {
            Ok(dict) => node = dict,
            Err(_) => break,
        }
    }
    Ok(())
}

/// `key` of `dict` or of its nearest ancestor, as `pdf-extract` looks it up (after
/// [`check_parents`], so the climb ends).
fn inherited_dict<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    key: &[u8],
) -> Option<&'a Dictionary> {
    let mut node = dict;
    for _ in 0..=MAX_TREE_DEPTH {
        if let Some(found) = node
            .get(key)
            .ok()
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())
        {
            return Some(found);
        }
        node = node
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok()?;
    }
    None
}

/// One level of reference, as `pdf-extract` follows them.
fn deref<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    match object {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(object),
        _ => object,
    }
}

struct Walk<'a> {
    doc: &'a Document,
    inflated: usize,
    draws: usize,
    /// Streams inflated so far, by object: each is inflated once here, counted at every use.
    decoded: HashMap<ObjectId, std::rc::Rc<Vec<u8>>>,
    /// Fonts checked on the current page.
    fonts_seen: HashSet<ObjectId>,
}

impl<'a> Walk<'a> {
    /// A stream's bytes as `pdf-extract` gets them, counted against [`MAX_INFLATED_BYTES`].
    fn decode(
        &mut self,
        id: Option<ObjectId>,
        stream: &Stream,
    ) -> Result<std::rc::Rc<Vec<u8>>, ExtractError> {
        let cached = id.and_then(|id| self.decoded.get(&id).cloned());
        let bytes = match cached {
            Some(bytes) => bytes,
            None => {
                let room = MAX_INFLATED_BYTES.saturating_sub(self.inflated);
                let bytes = std::rc::Rc::new(decoded(stream, room).ok_or_else(too_inflated)?);
                if let Some(id) = id {
                    self.decoded.insert(id, bytes.clone());
                }
                bytes
            }
        };
        self.inflated = self.inflated.saturating_add(bytes.len());
        if self.inflated > MAX_INFLATED_BYTES {
            return Err(too_inflated());
        }
        Ok(bytes)
    }

    /// A content stream drawn with `resources`: its fonts, and every XObject it draws, drawn in
    /// turn. `drawing` holds the forms being drawn, outermost first.
    fn content(
        &mut self,
        content: &[u8],
        resources: &'a Dictionary,
        drawing: &mut Vec<ObjectId>,
    ) -> Result<(), ExtractError> {
        self.fonts(resources)?;
        let xobjects = resources
            .get(b"XObject")
            .ok()
            .map(|o| deref(self.doc, o))
            .and_then(|o| o.as_dict().ok());
        for name in drawn_names(content) {
            let Some(Object::Reference(id)) = xobjects.and_then(|x| x.get(&name).ok()) else {
                continue;
            };
            let Ok(form) = self.doc.get_object(*id).and_then(Object::as_stream) else {
                continue;
            };
            self.draws += 1;
            if self.draws > MAX_DRAWS {
                return Err(over(
                    format!("draws more than {MAX_DRAWS} XObjects"),
                    format!("{MAX_DRAWS} XObjects drawn"),
                ));
            }
            if drawing.contains(id) {
                return Err(ExtractError::Malformed(format!(
                    "the form XObject /{} draws itself",
                    String::from_utf8_lossy(&name)
                )));
            }
            if drawing.len() >= MAX_FORM_DEPTH {
                return Err(over(
                    format!("nests forms more than {MAX_FORM_DEPTH} deep"),
                    format!("forms {MAX_FORM_DEPTH} deep"),
                ));
            }
            // A form without resources of its own draws with its caller's (so /X1 in the
            // page's resources, drawing /X1, draws itself).
            let inner = form
                .dict
                .get(b"Resources")
                .ok()
                .map(|o| deref(self.doc, o))
                .and_then(|o| o.as_dict().ok())
                .unwrap_or(resources);
            let bytes = self.decode(Some(*id), form)?;
            drawing.push(*id);
            self.content(&bytes, inner, drawing)?;
            drawing.pop();
        }
        Ok(())
    }

    /// The fonts of `resources`: their CMaps and width ranges, and the bytes inflated for them.
    fn fonts(&mut self, resources: &'a Dictionary) -> Result<(), ExtractError> {
        let Some(fonts) = resources
            .get(b"Font")
            .ok()
            .map(|o| deref(self.doc, o))
            .and_then(|o| o.as_dict().ok())
        else {
            return Ok(());
        };
        for (name, font) in fonts.iter() {
            if let Object::Reference(id) = font
                && !self.fonts_seen.insert(*id)
            {
                continue;
            }
            let Ok(font) = deref(self.doc, font).as_dict() else {
                continue;
            };
            let label = String::from_utf8_lossy(name).into_owned();
            let mut codes = 0u64;
            if let Some((id, stream)) = self.stream_of(font, b"ToUnicode") {
                let cmap = self.decode(id, stream)?;
                codes = codes.saturating_add(cmap_range_codes(&cmap));
            }
            if let Some((id, stream)) = self.stream_of(font, b"Encoding") {
                self.decode(id, stream)?;
            }
            let descendant = font
                .get(b"DescendantFonts")
                .ok()
                .map(|o| deref(self.doc, o))
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.first())
                .map(|o| deref(self.doc, o))
                .and_then(|o| o.as_dict().ok());
            if let Some(cid) = descendant {
                codes = codes.saturating_add(self.width_range_codes(cid));
            }
            if codes > MAX_MAPPED_CODES {
                return Err(over(
                    format!("font /{label} maps {codes} character codes"),
                    format!("{MAX_MAPPED_CODES} codes a font"),
                ));
            }
            let descriptor = font
                .get(b"FontDescriptor")
                .ok()
                .map(|o| deref(self.doc, o))
                .and_then(|o| o.as_dict().ok());
            if let Some(descriptor) = descriptor {
                for key in [&b"FontFile"[..], b"FontFile2", b"FontFile3"] {
                    if let Some((id, stream)) = self.stream_of(descriptor, key) {
                        self.decode(id, stream)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn stream_of(
        &self,
        dict: &'a Dictionary,
        key: &[u8],
    ) -> Option<(Option<ObjectId>, &'a Stream)> {
        match dict.get(key).ok()? {
            Object::Reference(id) => self
                .doc
                .get_object(*id)
                .and_then(Object::as_stream)
                .ok()
                .map(|s| (Some(*id), s)),
            Object::Stream(s) => Some((None, s)),
            _ => None,
        }
    }

    /// The codes a CID font's `W` array spans: `[first last width]` covers `last - first`
    /// codes (each filled into a map), `[first [w1 w2 ...]]` one per width.
    fn width_range_codes(&self, cid: &Dictionary) -> u64 {
        let Some(widths) = cid
            .get(b"W")
            .ok()
            .map(|o| deref(self.doc, o))
            .and_then(|o| o.as_array().ok())
        else {
            return 0;
        };
        let mut codes = 0u64;
        let mut i = 0;
        while i < widths.len() {
            match widths.get(i + 1).map(|o| deref(self.doc, o)) {
                Some(Object::Array(list)) => {
                    codes = codes.saturating_add(list.len() as u64);
                    i += 2;
                }
                Some(last) => {
                    let first = widths[i].as_i64().unwrap_or(0);
                    let last = last.as_i64().unwrap_or(0);
                    codes = codes.saturating_add(last.saturating_sub(first).max(0).unsigned_abs());
                    i += 3;
                }
                None => break,
            }
        }
        codes
    }
}

fn too_inflated() -> ExtractError {
    over(
        format!("inflates to more than {MAX_INFLATED_BYTES} bytes of streams"),
        format!("{} MiB inflated", MAX_INFLATED_BYTES / (1024 * 1024)),
    )
}

/// The names a content stream draws with `Do`, in order: a light scan for `/Name Do`, not a
/// parse. It may see a `Do` that a parser would not (inside a string), which only makes the
/// check stricter; it reads `#xx` escapes in names as PDF parsers do.
fn drawn_names(content: &[u8]) -> Vec<Vec<u8>> {
    let delimiter = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    let mut names = Vec::new();
    let mut last_name: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        if b == b'/' {
            let start = i + 1;
            let mut end = start;
            while end < content.len() && !delimiter(content[end]) {
                end += 1;
            }
            last_name = Some(unescape_name(&content[start..end]));
            i = end;
        } else if delimiter(b) {
            i += 1;
        } else {
            let start = i;
            while i < content.len() && !delimiter(content[i]) {
                i += 1;
            }
            if &content[start..i] == b"Do" {
                if let Some(name) = last_name.take() {
                    names.push(name);
                }
            } else {
                last_name = None;
            }
        }
    }
    names
}

fn unescape_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[i], hex) {
            (b'#', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// The codes a CMap's `bfrange` sections span (`<lo> <hi> dst` covers `hi - lo + 1`), which
/// the CMap parser fills into a map one by one.
fn cmap_range_codes(cmap: &[u8]) -> u64 {
    let mut codes = 0u64;
    let mut in_ranges = false;
    let mut pending: Vec<u64> = Vec::new();
    let mut i = 0;
    while i < cmap.len() {
        match cmap[i] {
            b'<' => {
                let end = cmap[i..]
                    .iter()
                    .position(|b| *b == b'>')
                    .map_or(cmap.len(), |p| i + p);
                if in_ranges {
                    pending.push(hex_code(&cmap[i + 1..end]));
                    if pending.len() == 2 {
                        codes = codes.saturating_add(
                            pending[1].saturating_sub(pending[0]).saturating_add(1),
                        );
                    }
                    if pending.len() == 3 {
                        pending.clear();
                    }
                }
                i = end + 1;
            }
            b'[' if in_ranges => {
                // An array destination ends the triple.
                i += cmap[i..]
                    .iter()
                    .position(|b| *b == b']')
                    .unwrap_or(cmap.len() - i)
                    + 1;
                pending.clear();
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < cmap.len() && cmap[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                match &cmap[start..i] {
                    b"beginbfrange" => in_ranges = true,
                    b"endbfrange" => in_ranges = false,
                    _ => {}
                }
                pending.clear();
            }
            _ => i += 1,
        }
    }
    codes
}

/// A hex string's code, big-endian; one past eight bytes saturates.
fn hex_code(hex: &[u8]) -> u64 {
    let digits: Vec<u8> = hex.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    if digits.len() > 16 {
        return u64::MAX;
    }
    digits.iter().fold(0u64, |code, d| {
        let value = char::from(*d).to_digit(16).map_or(0, u64::from);
        (code << 4) | value
    })
}

/// A stream's bytes as lopdf decodes them for `pdf-extract` (Flate, LZW and ASCII85, in
/// order; any other filter, or none, leaves the raw bytes), inflating at most `limit` bytes:
/// `None` when the stream holds more.
fn decoded(stream: &Stream, limit: usize) -> Option<Vec<u8>> {
    let raw = || (stream.content.len() <= limit).then(|| stream.content.clone());
    let Ok(filters) = stream.filters() else {
        return raw();
    };
    let early_change = stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .and_then(|p| p.get(b"EarlyChange"))
        .and_then(Object::as_i64)
        .map_or(true, |v| v != 0);
    let mut data: Cow<'_, [u8]> = Cow::Borrowed(&stream.content);
    for filter in filters {
        data = Cow::Owned(match filter {
            b"FlateDecode" => inflate(&data, limit)?,
            b"LZWDecode" => unlzw(&data, limit, early_change)?,
            b"ASCII85Decode" => ascii85(&data, limit)?,
            // lopdf refuses the stream, and `pdf-extract` then reads it raw.
            _ => return raw(),
        });
    }
    (data.len() <= limit).then(|| data.into_owned())
}

/// Writes at most `limit` bytes, then fails.
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::other("over the limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// zlib, falling back to raw deflate past the header, as lopdf does; a stream that fails part
/// way keeps what inflated before the failure, as lopdf's does.
fn inflate(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let read = flate2::read::ZlibDecoder::new(input)
        .take(limit as u64 + 1)
        .read_to_end(&mut out);
    if read.is_err() && out.is_empty() && input.len() > 2 {
        let _ = flate2::read::DeflateDecoder::new(&input[2..])
            .take(limit as u64 + 1)
            .read_to_end(&mut out);
    }
    (out.len() <= limit).then_some(out)
}

fn unlzw(input: &[u8], limit: usize, early_change: bool) -> Option<Vec<u8>> {
    use weezl::{BitOrder, decode::Decoder};
    let mut decoder = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut out = Bounded {
        bytes: Vec::new(),
        limit,
    };
    let result = decoder.into_stream(&mut out).decode_all(input);
    match result.status {
        Err(e) if e.kind() == std::io::ErrorKind::Other && out.bytes.len() + 1 > limit => None,
        _ => Some(out.bytes),
    }
}

/// ASCII85 as lopdf decodes it: `z` is four zeros (so the output can be four times the input),
/// whitespace is skipped, anything else outside `!`..`u` ends the data.
fn ascii85(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let input = input.strip_suffix(b"~>").unwrap_or(input);
    let mut out = Vec::new();
    let mut group = [0u32; 5];
    let mut count = 0;
    for &ch in input {
        if ch == b'z' && count == 0 {
            out.extend_from_slice(&[0; 4]);
        } else if ch.is_ascii_whitespace() {
            continue;
        } else if (b'!'..=b'u').contains(&ch) {
            group[count] = u32::from(ch - b'!');
            count += 1;
            if count == 5 {
                let value = group
                    .iter()
                    .fold(0u32, |v, d| v.wrapping_mul(85).wrapping_add(*d));
                out.extend_from_slice(&value.to_be_bytes());
                count = 0;
            }
        } else {
            break;
        }
        if out.len() > limit {
            return None;
        }
    }
    if count > 1 {
        for slot in group.iter_mut().skip(count) {
            *slot = 84;
        }
        let value = group
            .iter()
            .fold(0u32, |v, d| v.wrapping_mul(85).wrapping_add(*d));
        out.extend_from_slice(&value.to_be_bytes()[..count - 1]);
    }
    (out.len() <= limit).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn drawn_names_follow_do_and_read_escapes() {
        let names = drawn_names(b"q /X1 Do Q /Im#32 Do /F1 12 Tf (x) Tj /X3\nDo");
        assert_eq!(names, [b"X1".to_vec(), b"Im2".to_vec(), b"X3".to_vec()]);
        assert!(drawn_names(b"/X1 5 Do").is_empty());
    }

    #[test]
    fn cmap_ranges_count_every_code_they_span() {
        let cmap = b"2 beginbfrange\n<0000> <00ff> <0041>\n<0100> <0101> [<0042> <0043>]\nendbfrange\n1 beginbfchar <01> <02> endbfchar";
        assert_eq!(cmap_range_codes(cmap), 258);
        let huge = b"1 beginbfrange <00000000> <ffffffff> <0000> endbfrange";
        assert_eq!(cmap_range_codes(huge), 1 << 32);
        assert_eq!(hex_code(b"0000000000000000ff"), u64::MAX);
    }

    #[test]
    fn bounded_decoders_stop_at_the_limit() {
        let mut zipped = Vec::new();
        {
            let mut z = flate2::write::ZlibEncoder::new(&mut zipped, flate2::Compression::best());
            z.write_all(&vec![b'x'; 100_000]).unwrap();
            z.finish().unwrap();
        }
        assert_eq!(inflate(&zipped, 100_000).map(|v| v.len()), Some(100_000));
        assert_eq!(inflate(&zipped, 99_999), None);
        assert_eq!(ascii85(b"zz~>", 8), Some(vec![0; 8]));
        assert_eq!(ascii85(b"zzz", 8), None);
        assert_eq!(ascii85(b"87cURDZ~>", 100), Some(b"Hello".to_vec()));
    }
}
