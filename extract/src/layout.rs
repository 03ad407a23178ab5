//! Where the text of a document is printed: runs of text with their page and position, so that
//! a value is matched to the label beside or below it whatever order the content stream drew
//! them in. The flattened text loses this: `993548900Factuurnummer:` is a number printed to
//! the right of its label, drawn first.
//!
//! Positions come from the same pass of `pdf-extract` that makes the text ([`Collector`], in
//! the isolated reader's child), from Textract's line boxes ([`TextRun::from_fractions`]), or,
//! for text alone, from line numbers and character columns ([`Layout::from_text`]). Whatever
//! the source, a layout is bounded: at most [`MAX_RUNS`] runs and [`MAX_RUN_TEXT_BYTES`] of
//! text, which cover any invoice many times over; a document with more keeps its first ones.

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};
use serde::{Deserialize, Serialize};

/// Runs kept from one document (an invoice page has one to three hundred).
pub const MAX_RUNS: usize = 20_000;
/// Text kept in runs, in bytes, over the whole document.
pub const MAX_RUN_TEXT_BYTES: usize = 1024 * 1024;

/// A piece of text printed on one baseline, its glyphs following each other: a label, a
/// value, or a label and its value when the document prints them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRun {
    /// From 1.
    pub page: u16,
    /// The left edge, in points from the page's left edge.
    pub x: f32,
    /// The baseline, in points from the page's top edge (so "below" is a larger `y`).
    pub y: f32,
    pub width: f32,
    /// The font size in points: the unit of every distance the matcher allows.
    pub size: f32,
    pub text: String,
}

impl TextRun {
    /// A run from a box given as fractions of its page (Textract's `BoundingBox`), placed on a
    /// US-letter page (612 × 792 points) so that distances read as they would from the PDF.
    pub fn from_fractions(
        page: u16,
        left: f32,
        top: f32,
        width: f32,
        height: f32,
        text: &str,
    ) -> TextRun {
        let finite = |v: f32| {
            if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let height = finite(height) * 792.0;
        TextRun {
            page: page.max(1),
            x: finite(left) * 612.0,
            y: finite(top) * 792.0 + height,
            width: finite(width) * 612.0,
            size: height.max(1.0),
            text: text.trim().to_owned(),
        }
    }

    /// The right edge.
    pub fn right(&self) -> f32 {
        self.x + self.width
    }
}

/// The runs of a document, in the order the content stream drew them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Layout {
    runs: Vec<TextRun>,
    /// True when the document had more than [`MAX_RUNS`] runs or [`MAX_RUN_TEXT_BYTES`] of
    /// text, and only the first were kept.
    #[serde(default)]
    truncated: bool,
    /// The bytes of text in `runs`, kept so that adding a run costs nothing.
    #[serde(skip)]
    text_bytes: usize,
}

impl PartialEq for Layout {
    fn eq(&self, other: &Layout) -> bool {
        self.runs == other.runs && self.truncated == other.truncated
    }
}

/// Characters per point in [`Layout::from_text`]: a 10-point font's average advance.
const CHAR_WIDTH: f32 = 5.0;
const LINE_HEIGHT: f32 = 12.0;

impl Layout {
    /// A layout for text without positions (Textract lines without boxes, text pasted by a
    /// caller): line `n` is at `y = 12n`, and a line splits into runs where it has a tab or
    /// three spaces, each at its character column.
    pub fn from_text(text: &str) -> Layout {
        let mut layout = Layout::default();
        let mut y = 0.0;
        for line in text.lines() {
            if line.trim().is_empty() {
                continue;
            }
            y += LINE_HEIGHT;
            for (column, piece) in cells(line) {
                let run = TextRun {
                    page: 1,
                    x: column as f32 * CHAR_WIDTH,
                    y,
                    width: piece.chars().count() as f32 * CHAR_WIDTH,
                    size: 10.0,
                    text: piece.to_owned(),
                };
                if !layout.push(run) {
                    return layout;
                }
            }
        }
        layout
    }

    /// Adds a run unless the layout is full (then marks it truncated). Returns whether there
    /// is room for more. Blank runs are left out.
    pub fn push(&mut self, run: TextRun) -> bool {
        if self.runs.len() >= MAX_RUNS || self.text_bytes + run.text.len() > MAX_RUN_TEXT_BYTES {
            self.truncated = true;
            return false;
        }
        if !run.text.trim().is_empty() {
            self.text_bytes += run.text.len();
            self.runs.push(run);
        }
        true
    }

    /// A layout of `runs`, as [`Layout::push`] would keep them.
    pub fn from_runs(runs: impl IntoIterator<Item = TextRun>) -> Layout {
        let mut layout = Layout::default();
        for run in runs {
            if !layout.push(run) {
                break;
            }
        }
        layout
    }

    pub fn runs(&self) -> &[TextRun] {
        &self.runs
    }

    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// True when the layout is within [`MAX_RUNS`] and [`MAX_RUN_TEXT_BYTES`]: the isolated
    /// reader checks what its child sends back.
    pub fn is_bounded(&self) -> bool {
        self.runs.len() <= MAX_RUNS
            && self.runs.iter().map(|r| r.text.len()).sum::<usize>() <= MAX_RUN_TEXT_BYTES
    }

    /// The runs as lines of text, top to bottom and left to right, runs on one line joined by
    /// three spaces: what a reader of the page sees, whatever order it was drawn in.
    pub fn reading_text(&self) -> String {
        let mut order: Vec<&TextRun> = self.runs.iter().collect();
        order.sort_by(|a, b| {
            (a.page, a.y, a.x)
                .partial_cmp(&(b.page, b.y, b.x))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut text = String::new();
        let mut last: Option<&TextRun> = None;
        for run in order {
            match last {
                Some(prev) if same_line(prev, run) => text.push_str("   "),
                Some(_) => text.push('\n'),
                None => {}
            }
            text.push_str(&run.text);
            last = Some(run);
        }
        text
    }
}

/// Two runs share a line when their baselines are within a third of the smaller font size.
pub(crate) fn same_line(a: &TextRun, b: &TextRun) -> bool {
    a.page == b.page && (a.y - b.y).abs() <= a.size.min(b.size) * 0.35
}

/// The pieces of a line split at tabs and runs of three or more spaces, with the character
/// column each starts at.
fn cells(line: &str) -> Vec<(usize, &str)> {
    let mut pieces = Vec::new();
    let mut start: Option<usize> = None;
    let mut spaces = 0;
    let mut column_of_start = 0;
    for (column, (i, c)) in line.char_indices().enumerate() {
        if c == '\t' || c == ' ' {
            spaces += if c == '\t' { 3 } else { 1 };
            if spaces >= 3
                && let Some(s) = start.take()
            {
                pieces.push((column_of_start, line[s..i].trim_end()));
            }
        } else {
            if start.is_none() {
                start = Some(i);
                column_of_start = column;
            }
            spaces = 0;
        }
    }
    if let Some(s) = start {
        pieces.push((column_of_start, line[s..].trim_end()));
    }
    pieces
}

/// One glyph as `pdf-extract` shows it.
struct Glyph {
    x: f32,
    y: f32,
    advance: f32,
    size: f32,
}

/// An [`OutputDev`] that builds runs from the glyphs `pdf-extract` shows, while the plain-text
/// output (which it forwards to) builds the text. A run ends where the next glyph is on
/// another baseline, to the left of the run's end, or more than a font size to its right (a
/// column gap: words are a quarter of one apart).
pub(crate) struct Collector<'a> {
    text: &'a mut dyn OutputDev,
    pub(crate) layout: Layout,
    page: u16,
    page_top: f64,
    current: Option<(TextRun, f32)>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(text: &'a mut dyn OutputDev) -> Collector<'a> {
        Collector {
            text,
            layout: Layout::default(),
            page: 0,
            page_top: 0.0,
            current: None,
        }
    }

    fn flush(&mut self) {
        if let Some((mut run, _)) = self.current.take() {
            let trimmed = run.text.trim();
            if trimmed.len() != run.text.len() {
                run.text = trimmed.to_owned();
            }
            self.layout.push(run);
        }
    }

    fn glyph(&mut self, glyph: Glyph, ch: &str) {
        if self.layout.truncated {
            return;
        }
        let continues = self.current.as_ref().is_some_and(|(run, end)| {
            (run.y - glyph.y).abs() <= run.size.min(glyph.size) * 0.35
                && glyph.x >= end - run.size * 0.5
                && glyph.x <= end + run.size.max(glyph.size)
        });
        if !continues {
            self.flush();
            let run = TextRun {
                page: self.page,
                x: glyph.x,
                y: glyph.y,
                width: 0.0,
                size: glyph.size,
                text: String::new(),
            };
            self.current = Some((run, glyph.x));
        }
        if let Some((run, end)) = self.current.as_mut() {
            // A gap wider than a fifth of the font size is a space the document did not print.
            let gap = glyph.x - *end;
            if gap > run.size * 0.2 && !run.text.ends_with(' ') && !ch.starts_with(' ') {
                run.text.push(' ');
            }
            run.text.push_str(ch);
            *end = glyph.x + glyph.advance;
            run.width = (*end - run.x).max(run.width);
        }
    }
}

/// A coordinate kept when finite and on any plausible page; hostile matrices make others.
fn coordinate(v: f64) -> Option<f32> {
    (v.is_finite() && v.abs() < 1.0e6).then_some(v as f32)
}

impl OutputDev for Collector<'_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.flush();
        self.page = u16::try_from(page_num).unwrap_or(u16::MAX);
        self.page_top = media_box.ury;
        self.text.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.flush();
        self.text.end_page()
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), OutputError> {
        // The text matrix scales the font: its determinant is the square of the scale.
        let scale = (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt();
        let size = font_size * scale;
        let placed = (
            coordinate(trm.m31),
            coordinate(self.page_top - trm.m32),
            coordinate(width * size),
            coordinate(size),
        );
        if let (Some(x), Some(y), Some(advance), Some(size)) = placed
            && size > 0.0
        {
            self.glyph(
                Glyph {
                    x,
                    y,
                    advance,
                    size,
                },
                ch,
            );
        }
        self.text
            .output_character(trm, width, spacing, font_size, ch)
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.text.begin_word()
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        self.text.end_word()
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        self.text.end_line()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn text_without_positions_splits_lines_into_cells_at_wide_gaps() {
        let layout = Layout::from_text("Invoice No: 7\n\nTotal\t\t1,200.00\nA   B C");
        let runs: Vec<_> = layout
            .runs
            .iter()
            .map(|r| (r.text.as_str(), r.x, r.y))
            .collect();
        assert_eq!(
            runs,
            [
                ("Invoice No: 7", 0.0, 12.0),
                ("Total", 0.0, 24.0),
                ("1,200.00", 35.0, 24.0),
                ("A", 0.0, 36.0),
                ("B C", 20.0, 36.0),
            ]
        );
        assert_eq!(
            layout.reading_text(),
            "Invoice No: 7\nTotal   1,200.00\nA   B C"
        );
    }

    #[test]
    fn a_full_layout_keeps_its_first_runs_and_says_so() {
        let mut layout = Layout::default();
        let run = |text: &str| TextRun {
            page: 1,
            x: 0.0,
            y: 0.0,
            width: 1.0,
            size: 10.0,
            text: text.to_owned(),
        };
        for _ in 0..MAX_RUNS {
            assert!(layout.push(run("x")));
        }
        assert!(!layout.push(run("y")));
        assert!(layout.truncated);
        assert_eq!(layout.runs.len(), MAX_RUNS);
        let mut big = Layout::default();
        assert!(!big.push(run(&"x".repeat(MAX_RUN_TEXT_BYTES + 1))));
        assert!(big.runs.is_empty());
    }

    #[test]
    fn textract_boxes_are_placed_on_a_letter_page() {
        let run = TextRun::from_fractions(2, 0.5, 0.25, 0.1, 0.0125, " Total ");
        assert_eq!(run.page, 2);
        assert_eq!(run.x, 306.0);
        assert_eq!(run.y, 207.9);
        assert_eq!(run.size, 9.900001);
        assert_eq!(run.text, "Total");
        let nan = TextRun::from_fractions(0, f32::NAN, 2.0, -1.0, f32::INFINITY, "x");
        assert_eq!((nan.page, nan.x, nan.y, nan.width), (1, 0.0, 792.0, 0.0));
    }
}
