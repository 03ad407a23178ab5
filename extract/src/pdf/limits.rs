//! The limits a PDF is read within, apart from the parser code: the error messages and the
//! isolated reader name them too, and should not depend on the structure check to do so.

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
