//! PDF statements: a title block, a table that breaks across A4 pages with its header row repeated
//! on every page, rows that wrap long text instead of cutting it, totals at the end and
//! «Страница N из M» at the foot of every page. DejaVu Sans is embedded (krilla subsets it to the
//! glyphs used), so Cyrillic renders everywhere and `pdftotext` reads it back as text.

use crate::{StoreError, StoreResult};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use std::collections::HashMap;
use std::sync::LazyLock;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 36.0;
const FOOTER: f32 = 28.0;
const PAD: f32 = 3.0;
const CELL_SIZE: f32 = 8.0;
const LINE: f32 = 10.0;

/// One embedded face: krilla's font for drawing and its glyph ids and advances for measuring.
struct Face {
    font: Font,
    glyphs: HashMap<char, (u32, f32)>,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Face> {
        let font = Font::new(krilla::Data::from(bytes), 0)?;
        let font_ref = skrifa::FontRef::new(bytes).ok()?;
        let upem = f32::from(font_ref.head().ok()?.units_per_em());
        let metrics = font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        // Every character the font maps, measured once: statements are Cyrillic, Latin, digits
        // and a few signs, all of which DejaVu Sans has.
        let glyphs = font_ref
            .charmap()
            .mappings()
            .map(|(cp, gid)| {
                let advance = metrics.advance_width(gid).unwrap_or(0.0) / upem;
                (
                    char::from_u32(cp).unwrap_or('\u{fffd}'),
                    (gid.to_u32(), advance),
                )
            })
            .collect();
        Some(Face { font, glyphs })
    }

    fn glyph(&self, c: char) -> (u32, f32) {
        self.glyphs
            .get(&c)
            .or_else(|| self.glyphs.get(&'?'))
            .copied()
            .unwrap_or((0, 0.5))
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    fn draw(&self, surface: &mut Surface<'_>, x: f32, baseline: f32, size: f32, text: &str) {
        let glyphs: Vec<KrillaGlyph> = text
            .char_indices()
            .map(|(i, c)| {
                let (gid, advance) = self.glyph(c);
                KrillaGlyph::new(
                    GlyphId::new(gid),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect();
        surface.draw_glyphs(
            Point::from_xy(x, baseline),
            &glyphs,
            self.font.clone(),
            text,
            size,
            false,
        );
    }
}

struct Faces {
    regular: Face,
    bold: Face,
}

static FACES: LazyLock<Option<Faces>> = LazyLock::new(|| {
    Some(Faces {
        regular: Face::load(REGULAR)?,
        bold: Face::load(BOLD)?,
    })
});

fn faces() -> StoreResult<&'static Faces> {
    FACES
        .as_ref()
        .ok_or_else(|| StoreError::Internal("pdf: the embedded font does not load".into()))
}

/// How a column's text sits in its cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column: its heading, its share of the table's width and its alignment.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub title: &'static str,
    pub share: f32,
    pub align: Align,
}

/// The two columns of a statement of facts: «Сведения — Значение» (kept documents, personal data).
pub const FACT_COLUMNS: &[Column] = &[
    Column {
        title: "Сведения",
        share: 1.2,
        align: Align::Left,
    },
    Column {
        title: "Значение",
        share: 2.8,
        align: Align::Left,
    },
];

struct Row {
    cells: Vec<String>,
    bold: bool,
}

/// A statement being filled row by row; [`Statement::render`] lays it out and draws it.
pub struct Statement {
    title: String,
    lines: Vec<String>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    footer: String,
    /// The QR code of the public check (its dark modules, row by row, and its width) and the
    /// caption under it, drawn at the top right of the first page.
    check: Option<(Vec<bool>, usize, Vec<String>)>,
}

/// The side of the QR code on the page, in points.
const QR_SIDE: f32 = 84.0;

/// A row laid out: its lines per cell and its height.
struct Placed {
    row: usize,
    top: f32,
    height: f32,
    cells: Vec<Vec<String>>,
    /// The width each cell's text may use (see [`Statement::spans`]).
    spans: Vec<f32>,
}

impl Statement {
    /// `lines` go under the title on the first page (policyholder, filter, date); `footer` at the
    /// foot of every page beside the page number.
    pub fn new(title: String, lines: Vec<String>, columns: &[Column], footer: String) -> Self {
        Statement {
            title,
            lines,
            columns: columns.to_vec(),
            rows: Vec::new(),
            footer,
            check: None,
        }
    }

    /// Puts the QR code of `url` at the top right of the first page, with the short `code`
    /// under it, so anyone can check the document is genuine.
    pub fn with_check(mut self, url: &str, code: &str) -> Self {
        if let Ok(qr) = qrcode::QrCode::new(url.as_bytes()) {
            let width = qr.width();
            let dark = qr
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            let shown = format!("{}-{}", &code[..code.len() / 2], &code[code.len() / 2..]);
            self.check = Some((
                dark,
                width,
                vec!["Проверка подлинности".into(), format!("код {shown}")],
            ));
        }
        self
    }

    pub fn push(&mut self, cells: Vec<String>) {
        self.rows.push(Row { cells, bold: false });
    }

    /// A totals row: bold, after a rule.
    pub fn push_total(&mut self, cells: Vec<String>) {
        self.rows.push(Row { cells, bold: true });
    }

    fn column_widths(&self) -> Vec<f32> {
        let total: f32 = self.columns.iter().map(|c| c.share).sum();
        let table = PAGE_W - 2.0 * MARGIN;
        self.columns
            .iter()
            .map(|c| table * c.share / total.max(f32::EPSILON))
            .collect()
    }

    /// The width each cell may use: a left-aligned cell runs on over the empty cells after it
    /// (so «Итого (1 234 шт.)» stays on one line); a covered cell gets nothing.
    fn spans(&self, cells: &[String], widths: &[f32]) -> Vec<f32> {
        let mut out: Vec<f32> = widths.to_vec();
        let mut i = 0;
        while i < cells.len().min(widths.len()) {
            let mut j = i + 1;
            let left = self.columns.get(i).is_some_and(|c| c.align == Align::Left);
            if left && !cells[i].is_empty() {
                while j < cells.len().min(widths.len()) && cells[j].is_empty() {
                    out[i] += widths[j];
                    out[j] = 0.0;
                    j += 1;
                }
            }
            i = j;
        }
        out
    }

    /// Lays the rows out on pages: the first page starts under the title block, every page
    /// under the repeated header row; a row never splits across pages.
    fn paginate(
        &self,
        faces: &Faces,
        widths: &[f32],
        header_h: f32,
        first_top: f32,
    ) -> Vec<Vec<Placed>> {
        let bottom = PAGE_H - MARGIN - FOOTER;
        let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
        let mut y = first_top + header_h;
        for (i, row) in self.rows.iter().enumerate() {
            let face = if row.bold {
                &faces.bold
            } else {
                &faces.regular
            };
            let spans = self.spans(&row.cells, widths);
            let cells: Vec<Vec<String>> = row
                .cells
                .iter()
                .zip(&spans)
                .map(|(text, w)| wrap(face, text, CELL_SIZE, (w - 2.0 * PAD).max(1.0)))
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = lines as f32 * LINE + 2.0 * PAD;
            if y + height > bottom && !pages.last().is_none_or(Vec::is_empty) {
                pages.push(Vec::new());
                y = MARGIN + header_h;
            }
            if let Some(page) = pages.last_mut() {
                page.push(Placed {
                    row: i,
                    top: y,
                    height,
                    cells,
                    spans,
                });
            }
            y += height;
        }
        pages
    }

    /// The finished PDF.
    pub fn render(self) -> StoreResult<Vec<u8>> {
        let faces = faces()?;
        let widths = self.column_widths();
        let header_cells: Vec<Vec<String>> = self
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| wrap(&faces.bold, c.title, CELL_SIZE, w - 2.0 * PAD))
            .collect();
        let header_h =
            header_cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * LINE + 2.0 * PAD;
        // Beside the QR code the title block is narrower, and the table starts below the code.
        let text_w = PAGE_W
            - 2.0 * MARGIN
            - if self.check.is_some() {
                QR_SIDE + 12.0
            } else {
                0.0
            };
        let title_lines = wrap(&faces.bold, &self.title, 13.0, text_w);
        let info_lines: Vec<String> = self
            .lines
            .iter()
            .flat_map(|l| wrap(&faces.regular, l, 9.0, text_w))
            .collect();
        let mut first_top =
            MARGIN + title_lines.len() as f32 * 16.0 + info_lines.len() as f32 * 12.0 + 8.0;
        if self.check.is_some() {
            first_top = first_top.max(MARGIN + QR_SIDE + 30.0);
        }
        let pages = self.paginate(faces, &widths, header_h, first_top);
        let page_count = pages.len();

        let mut doc = Document::new();
        doc.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .language("ru".into())
                .creator("Кабинет страхователя".into()),
        );
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| StoreError::Internal("pdf: page size".into()))?;
        for (n, placed) in pages.iter().enumerate() {
            let mut page = doc.start_page_with(settings.clone());
            let mut s = page.surface();
            let mut top = MARGIN;
            if n == 0 {
                for line in &title_lines {
                    faces.bold.draw(&mut s, MARGIN, top + 12.0, 13.0, line);
                    top += 16.0;
                }
                for line in &info_lines {
                    faces.regular.draw(&mut s, MARGIN, top + 9.0, 9.0, line);
                    top += 12.0;
                }
                top += 8.0;
                if let Some((dark, width, caption)) = &self.check {
                    draw_qr(&mut s, faces, dark, *width, caption);
                    top = top.max(MARGIN + QR_SIDE + 30.0);
                }
            }
            self.draw_header(&mut s, faces, &widths, &header_cells, top, header_h);
            for p in placed {
                self.draw_row(&mut s, faces, &widths, p);
            }
            let number = format!("Страница {} из {}", n + 1, page_count);
            let baseline = PAGE_H - MARGIN - 4.0;
            faces
                .regular
                .draw(&mut s, MARGIN, baseline, 8.0, &self.footer);
            let w = faces.regular.width(&number, 8.0);
            faces
                .regular
                .draw(&mut s, PAGE_W - MARGIN - w, baseline, 8.0, &number);
            s.finish();
            page.finish();
        }
        doc.finish()
            .map_err(|e| StoreError::Internal(format!("pdf: {e:?}")))
    }

    fn draw_header(
        &self,
        s: &mut Surface<'_>,
        faces: &Faces,
        widths: &[f32],
        cells: &[Vec<String>],
        top: f32,
        height: f32,
    ) {
        fill_rect(
            s,
            MARGIN,
            top,
            PAGE_W - 2.0 * MARGIN,
            height,
            (0xE6, 0xEE, 0xF6),
        );
        let mut x = MARGIN;
        for ((lines, w), col) in cells.iter().zip(widths).zip(&self.columns) {
            draw_lines(s, &faces.bold, lines, x, *w, top, col.align);
            x += w;
        }
        rule(s, top + height, 0.8, (0x55, 0x66, 0x77));
    }

    fn draw_row(&self, s: &mut Surface<'_>, faces: &Faces, widths: &[f32], p: &Placed) {
        let bold = self.rows.get(p.row).is_some_and(|r| r.bold);
        let face = if bold { &faces.bold } else { &faces.regular };
        if bold {
            rule(s, p.top, 0.8, (0x55, 0x66, 0x77));
        }
        let mut x = MARGIN;
        for (((lines, w), span), col) in p.cells.iter().zip(widths).zip(&p.spans).zip(&self.columns)
        {
            if *span > 0.0 {
                draw_lines(s, face, lines, x, *span, p.top, col.align);
            }
            x += w;
        }
        if !bold {
            rule(s, p.top + p.height, 0.3, (0xCC, 0xD3, 0xDA));
        }
    }
}

fn draw_lines(
    s: &mut Surface<'_>,
    face: &Face,
    lines: &[String],
    x: f32,
    width: f32,
    top: f32,
    align: Align,
) {
    for (i, line) in lines.iter().enumerate() {
        let baseline = top + PAD + 7.5 + i as f32 * LINE;
        let left = match align {
            Align::Left => x + PAD,
            Align::Right => x + width - PAD - face.width(line, CELL_SIZE),
        };
        face.draw(s, left, baseline, CELL_SIZE, line);
    }
}

/// The QR code at the top right of the page, module by module, with its caption below.
fn draw_qr(s: &mut Surface<'_>, faces: &Faces, dark: &[bool], width: usize, caption: &[String]) {
    if width == 0 {
        return;
    }
    let x0 = PAGE_W - MARGIN - QR_SIDE;
    let cell = QR_SIDE / width as f32;
    for (i, on) in dark.iter().enumerate() {
        if *on {
            let (row, col) = (i / width, i % width);
            // A hair wider than the cell, so neighbouring modules leave no seams.
            fill_rect(
                s,
                x0 + col as f32 * cell,
                MARGIN + row as f32 * cell,
                cell + 0.05,
                cell + 0.05,
                (0, 0, 0),
            );
        }
    }
    let mut y = MARGIN + QR_SIDE + 9.0;
    for line in caption {
        let w = faces.regular.width(line, 7.0);
        faces
            .regular
            .draw(s, PAGE_W - MARGIN - QR_SIDE / 2.0 - w / 2.0, y, 7.0, line);
        y += 9.0;
    }
}

fn fill_rect(s: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, (r, g, b): (u8, u8, u8)) {
    let mut pb = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(rect);
    }
    if let Some(path) = pb.finish() {
        s.set_fill(Some(Fill {
            paint: rgb::Color::new(r, g, b).into(),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        }));
        s.set_stroke(None);
        s.draw_path(&path);
        s.set_fill(Some(Fill::default()));
    }
}

/// A horizontal rule across the table at `y`.
fn rule(s: &mut Surface<'_>, y: f32, width: f32, (r, g, b): (u8, u8, u8)) {
    let mut pb = PathBuilder::new();
    pb.move_to(MARGIN, y);
    pb.line_to(PAGE_W - MARGIN, y);
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: rgb::Color::new(r, g, b).into(),
            width,
            ..Default::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
        s.set_fill(Some(Fill::default()));
    }
}

/// Breaks `text` into lines no wider than `max` points: at spaces where it can, inside a word
/// only when the word alone is too wide.
fn wrap(face: &Face, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if face.width(&line, size) > max && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_fits_the_width() {
        let faces = faces().unwrap();
        let text = "Штраф за несвоевременную уплату взноса по полису ДМС-2026-000123 от 01.02.2026";
        let lines = wrap(&faces.regular, text, 8.0, 120.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(faces.regular.width(l, 8.0) <= 120.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
        let long = wrap(
            &faces.regular,
            "ОченьДлинноеСловоБезПробеловКотороеНеВлезает",
            8.0,
            40.0,
        );
        assert!(long.len() > 2);
        assert_eq!(
            long.concat(),
            "ОченьДлинноеСловоБезПробеловКотороеНеВлезает"
        );
    }

    #[test]
    fn cyrillic_is_mapped_and_measured() {
        let faces = faces().unwrap();
        assert!(faces.regular.glyph('Ж').0 != 0);
        assert!(faces.bold.glyph('₽').0 != 0);
        assert!(faces.regular.width("ШШШ", 10.0) > faces.regular.width("ііі", 10.0));
    }
}
