//! Attached files (scans of documents, invoices, photos of damage): which kinds are accepted, how
//! big, and whether the bytes really are what the name says. The browser uses the name/size rules
//! before it uploads; the server checks the content itself, so a renamed `.exe` never gets in.

use serde::{Deserialize, Serialize};

/// The largest file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// The most files one form takes.
pub const MAX_FILES: usize = 10;
/// The most bytes one account may keep uploaded but not yet attached to anything (files of forms
/// not sent yet): five full-size files, two forms' worth of ordinary scans.
pub const MAX_UNLINKED_BYTES: u64 = 25 * 1024 * 1024;
/// The most files one account may upload in an hour.
pub const MAX_UPLOADS_PER_HOUR: i64 = 30;
/// What the file inputs offer in the browser's picker.
pub const ACCEPT: &str = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png";

/// A kind of file the cabinet accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    pub fn from_mime(mime: &str) -> Option<FileKind> {
        match mime {
            "application/pdf" => Some(FileKind::Pdf),
            "image/jpeg" => Some(FileKind::Jpeg),
            "image/png" => Some(FileKind::Png),
            _ => None,
        }
    }

    /// The kind a file name's extension claims.
    pub fn from_name(name: &str) -> Option<FileKind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(FileKind::Pdf),
            "jpg" | "jpeg" => Some(FileKind::Jpeg),
            "png" => Some(FileKind::Png),
            _ => None,
        }
    }

    /// What the kind of the content is, if it is one we accept and it looks whole: a PDF opens
    /// with `%PDF-` and ends with `%%EOF`, a JPEG opens with its SOI marker and ends with EOI, a
    /// PNG opens with its signature and IHDR and ends with IEND. Trailing padding of up to 1 KB
    /// (as some scanners write) is allowed.
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        let has = |needle: &[u8]| tail.windows(needle.len()).any(|w| w == needle);
        if bytes.starts_with(b"%PDF-") && has(b"%%EOF") {
            Some(FileKind::Pdf)
        } else if bytes.len() > 4 && bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && has(&[0xFF, 0xD9]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n")
            && bytes.get(12..16) == Some(b"IHDR".as_slice())
            && has(b"IEND")
        {
            Some(FileKind::Png)
        } else {
            None
        }
    }
}

/// A file as the cabinet lists it (never its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub mime: String,
    pub size: i64,
}

impl Attachment {
    /// Where the browser downloads it.
    pub fn href(&self) -> String {
        format!("/files/{}", self.id)
    }
}

/// A file name safe to show and to send back in a download: the last path component, without
/// control characters and quotes, at most 120 characters, never empty.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '*' | '?' | '|' | ':'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "файл".to_string()
    } else {
        cleaned
    }
}

/// The browser's check before uploading, by name and size alone: the message names the file.
pub fn check_before_upload(name: &str, size: u64) -> Result<(), String> {
    let name = clean_name(name);
    if FileKind::from_name(&name).is_none() {
        return Err(format!(
            "Файл «{name}»: можно прикрепить только PDF, JPEG или PNG"
        ));
    }
    if size == 0 {
        return Err(format!("Файл «{name}» пустой"));
    }
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "Файл «{name}» весит {}, а можно не больше 5 МБ",
            format_size(size)
        ));
    }
    Ok(())
}

/// The server's check of what arrived: the size and the content itself. Answers the kind the
/// content really is (the name's extension does not decide it).
pub fn check_content(name: &str, bytes: &[u8]) -> Result<FileKind, String> {
    let shown = clean_name(name);
    if bytes.is_empty() {
        return Err(format!("Файл «{shown}» пустой"));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("Файл «{shown}» больше 5 МБ"));
    }
    FileKind::sniff(bytes)
        .ok_or_else(|| format!("Файл «{shown}» не похож на PDF, JPEG или PNG, или он повреждён"))
}

/// "812 байт", "14 КБ", "1,2 МБ".
pub fn format_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} байт")
    } else if bytes < 1024 * 1024 {
        format!("{} КБ", bytes.div_ceil(1024))
    } else {
        let tenths = (bytes * 10).div_ceil(1024 * 1024);
        if tenths.is_multiple_of(10) {
            format!("{} МБ", tenths / 10)
        } else {
            format!("{},{} МБ", tenths / 10, tenths % 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9,
    ];

    fn png() -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend_from_slice(&[0; 17]);
        b.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
        b
    }

    #[test]
    fn sniffs_the_three_kinds_by_content() {
        assert_eq!(FileKind::sniff(PDF), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(JPEG), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(&png()), Some(FileKind::Png));
    }

    #[test]
    fn refuses_truncated_and_foreign_content() {
        assert_eq!(FileKind::sniff(&PDF[..20]), None, "a PDF cut short");
        assert_eq!(FileKind::sniff(&JPEG[..8]), None, "a JPEG without its end");
        assert_eq!(FileKind::sniff(b"MZ\x90\0 an exe renamed to .pdf"), None);
        assert_eq!(FileKind::sniff(b"<html><script>"), None);
        assert_eq!(FileKind::sniff(b""), None);
    }

    #[test]
    fn allows_padding_after_the_end_marker() {
        let mut padded = PDF.to_vec();
        padded.extend_from_slice(&[0; 300]);
        assert_eq!(FileKind::sniff(&padded), Some(FileKind::Pdf));
    }

    #[test]
    fn content_check_names_the_file_and_ignores_the_extension() {
        assert_eq!(check_content("акт.pdf", JPEG), Ok(FileKind::Jpeg));
        let e = check_content("C:\\docs\\счёт.pdf", b"not a pdf").unwrap_err();
        assert!(
            e.contains("«счёт.pdf»") && e.contains("PDF, JPEG или PNG"),
            "{e}"
        );
        let big = vec![0u8; MAX_FILE_BYTES as usize + 1];
        assert!(
            check_content("big.pdf", &big)
                .unwrap_err()
                .contains("больше 5 МБ")
        );
        assert!(
            check_content("empty.png", b"")
                .unwrap_err()
                .contains("пустой")
        );
    }

    #[test]
    fn checks_before_upload_by_name_and_size() {
        assert!(check_before_upload("скан.JPG", 1000).is_ok());
        assert!(
            check_before_upload("скан.docx", 1000)
                .unwrap_err()
                .contains("только PDF, JPEG или PNG")
        );
        assert!(
            check_before_upload("скан.pdf", 0)
                .unwrap_err()
                .contains("пустой")
        );
        let e = check_before_upload("скан.pdf", 6 * 1024 * 1024).unwrap_err();
        assert!(e.contains("6 МБ") && e.contains("не больше 5 МБ"), "{e}");
        assert!(check_before_upload("скан.pdf", MAX_FILE_BYTES).is_ok());
    }

    #[test]
    fn cleans_names() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\a\\акт \"1\".pdf"), "акт 1.pdf");
        assert_eq!(clean_name("..."), "файл");
        assert_eq!(clean_name("a\u{0}b.png"), "ab.png");
        assert_eq!(clean_name(&"я".repeat(300)).chars().count(), 120);
    }

    #[test]
    fn formats_sizes() {
        assert_eq!(format_size(812), "812 байт");
        assert_eq!(format_size(14 * 1024), "14 КБ");
        assert_eq!(format_size(1024 * 1024), "1 МБ");
        assert_eq!(format_size(1_258_291), "1,2 МБ");
    }
}
