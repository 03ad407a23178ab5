//! The structure check: the document walked as `pdf-extract` will walk it, counting what that
//! walk will spend, so that a document built to exhaust the parser is refused before it runs.

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::decode::decoded;
use super::limits::{MAX_DRAWS, MAX_FORM_DEPTH, MAX_INFLATED_BYTES, MAX_MAPPED_CODES, MAX_PAGES};
use super::scan::{cmap_range_codes, drawn_names};
use crate::error::ExtractError;

/// Links followed up a page's `/Parent` chain; real page trees are a few levels deep.
const MAX_TREE_DEPTH: usize = 256;

fn over(found: String, limit: String) -> ExtractError {
    ExtractError::OverLimit { found, limit }
}

/// Walks the document as `pdf-extract` will, counting what it will spend.
pub(super) fn check_structure(doc: &Document) -> Result<(), ExtractError> {
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
