//! One-page A4 PDFs written with lopdf: text pieces placed where a layout puts them, drawn in
//! the order given (which is how a content stream can put a value before its label).

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

/// Text drawn at `(x, y)`, in points from the page's bottom-left corner, in Helvetica `size`.
pub struct Piece {
    pub x: i64,
    pub y: i64,
    pub size: i64,
    pub text: String,
}

impl Piece {
    pub fn new(x: i64, y: i64, text: &str) -> Piece {
        Piece {
            x,
            y,
            size: 11,
            text: text.to_owned(),
        }
    }
}

/// WinAnsiEncoding bytes: Latin-1 as it is, `€` at 0x80, anything else a `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            c => u8::try_from(c).unwrap_or(b'?'),
        })
        .collect()
}

/// A one-page A4 PDF whose content stream is `operations`.
pub fn pdf(operations: Vec<Operation>, resources: lopdf::Dictionary) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = Content { operations }.encode().unwrap();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "Resources" => resources,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// A page of `pieces` in Helvetica (WinAnsiEncoding, as `F1`), drawn in order.
pub fn text_pdf(pieces: &[Piece]) -> Vec<u8> {
    let mut ops = Vec::new();
    for piece in pieces {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), piece.size.into()]));
        ops.push(Operation::new("Td", vec![piece.x.into(), piece.y.into()]));
        ops.push(Operation::new(
            "Tj",
            vec![Object::string_literal(win_ansi(&piece.text))],
        ));
        ops.push(Operation::new("ET", vec![]));
    }
    let font = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    };
    pdf(ops, dictionary! { "Font" => dictionary! { "F1" => font } })
}
