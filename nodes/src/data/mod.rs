//! Data steps: load a file, generate a table, check a table.
//!
//! The loaders share the text handling below: a file's encoding is a parameter
//! (`utf-8` or `latin-1`), and bytes that do not fit it are refused naming the line,
//! rather than read into wrong names or values.

pub mod check;
pub mod load_csv;
pub mod load_jsonl;
pub mod load_parquet;
pub mod load_phrasebank;
pub mod synthetic;

pub use check::Check;
pub use load_csv::LoadCsv;
pub use load_jsonl::LoadJsonl;
pub use load_parquet::LoadParquet;
pub use load_phrasebank::LoadPhrasebank;
pub use synthetic::SyntheticRegression;

use pipewright_engine::{ParamSpec, ParamType, PortSpec, StepError, Value};

use crate::artifacts::SIGNAL;

/// Every loader's optional `after` input: it waits for a signal (e.g. from Start).
pub(crate) fn after_port() -> PortSpec {
    PortSpec::new("after", SIGNAL, "waits for this signal (e.g. from Start)").optional()
}

/// Every loader's required `path` parameter.
pub(crate) fn path_param() -> ParamSpec {
    ParamSpec::new(
        "path",
        ParamType::Path,
        Value::Text(String::new()),
        "the file; a relative path is taken from the flow file's folder",
    )
    .required()
}

/// Why a loader refused its file; every message names the file (and the line, and
/// the key or label where there is one).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file has no bytes, or only blank lines.
    #[error("file {path} is empty")]
    Empty {
        /// The file as the user gave it.
        path: String,
    },
    /// The file is UTF-16, which no loader reads.
    #[error("file {path} is {encoding} text; save it as UTF-8 and load it again")]
    Utf16 {
        /// The file as the user gave it.
        path: String,
        /// `UTF-16 LE` or `UTF-16 BE`.
        encoding: &'static str,
    },
    /// Bytes that are not UTF-8 in a file read as UTF-8.
    #[error(
        "file {path}: line {line} is not UTF-8 (byte 0x{byte:02X} at byte {byte_offset} of the line); \
         if the file is Latin-1, set encoding = latin-1"
    )]
    NotUtf8 {
        /// The file as the user gave it.
        path: String,
        /// 1-based line number.
        line: usize,
        /// 1-based offset of that byte in the line, in bytes.
        byte_offset: usize,
        /// The first byte that does not fit.
        byte: u8,
    },
    /// A UTF-8 byte-order mark in a file read as Latin-1: its first column name would
    /// start with `ï»¿`.
    #[error("file {path} starts with a UTF-8 byte-order mark: it is UTF-8, set encoding = utf-8")]
    BomInLatin1 {
        /// The file as the user gave it.
        path: String,
    },
    /// One line of the file is wrong.
    #[error("file {path}: line {line}: {message}")]
    Line {
        /// The file as the user gave it.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The file as a whole is wrong (e.g. not a Parquet file).
    #[error("file {path}: {message}")]
    File {
        /// The file as the user gave it.
        path: String,
        /// What is wrong with it.
        message: String,
    },
}

impl From<LoadError> for StepError {
    fn from(e: LoadError) -> Self {
        StepError::Failed(e.to_string())
    }
}

/// The text encodings a loader's `encoding` parameter offers.
pub const ENCODINGS: [&str; 2] = ["utf-8", "latin-1"];

/// A text encoding a loader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same number.
    Latin1,
}

impl TextEncoding {
    /// The encoding a parameter value names (anything but `latin-1` is UTF-8; the
    /// parameter is a choice of [`ENCODINGS`], so nothing else reaches here).
    pub fn from_param(value: &str) -> Self {
        if value == "latin-1" {
            Self::Latin1
        } else {
            Self::Utf8
        }
    }
}

/// The encoding UTF-16 bytes appear to be in, if they look like UTF-16.
pub(crate) fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => Some("UTF-16 LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16 BE"),
        // Without a byte-order mark, UTF-16 shows as a zero byte beside each ASCII one.
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some("UTF-16 LE"),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some("UTF-16 BE"),
        _ => None,
    }
}

/// Decodes a text file: refuses UTF-16, strips a UTF-8 byte-order mark, and names the
/// line of the first byte that does not fit `encoding`. Line ends are left as they are.
pub fn decode_text(
    path: &str,
    bytes: Vec<u8>,
    encoding: TextEncoding,
) -> Result<String, LoadError> {
    const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
    if let Some(encoding) = utf16(&bytes) {
        return Err(LoadError::Utf16 {
            path: path.to_owned(),
            encoding,
        });
    }
    match encoding {
        TextEncoding::Latin1 if bytes.starts_with(&BOM) => Err(LoadError::BomInLatin1 {
            path: path.to_owned(),
        }),
        TextEncoding::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        TextEncoding::Utf8 => {
            let mut bytes = bytes;
            if bytes.starts_with(&BOM) {
                bytes.drain(..3);
            }
            String::from_utf8(bytes).map_err(|e| {
                let bytes = e.as_bytes();
                let at = e.utf8_error().valid_up_to();
                let line_start = bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                LoadError::NotUtf8 {
                    path: path.to_owned(),
                    line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count(),
                    byte_offset: at - line_start + 1,
                    byte: bytes[at],
                }
            })
        }
    }
}

/// The file's lines, numbered from 1, without their `\r\n` or `\n`, and without the
/// blank lines at the end (an editor's final empty line is not a row).
pub(crate) fn numbered_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines: Vec<(usize, &str)> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect();
    while lines.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_bytes_are_named_in_utf8_and_read_in_latin1() {
        let bytes = b"a\nna\xefve\n".to_vec();
        let err = decode_text("f.txt", bytes.clone(), TextEncoding::Utf8).unwrap_err();
        assert_eq!(
            err.to_string(),
            "file f.txt: line 2 is not UTF-8 (byte 0xEF at byte 3 of the line); \
             if the file is Latin-1, set encoding = latin-1"
        );
        let text = decode_text("f.txt", bytes, TextEncoding::Latin1).unwrap();
        assert_eq!(text, "a\nnaïve\n");
    }

    #[test]
    fn a_bom_is_stripped_in_utf8_and_named_in_latin1() {
        let bytes = b"\xEF\xBB\xBFx\r\n".to_vec();
        assert_eq!(
            decode_text("f", bytes.clone(), TextEncoding::Utf8).unwrap(),
            "x\r\n"
        );
        let err = decode_text("f", bytes, TextEncoding::Latin1).unwrap_err();
        assert!(matches!(err, LoadError::BomInLatin1 { .. }), "{err}");
    }

    #[test]
    fn utf16_is_named_in_either_encoding() {
        for encoding in [TextEncoding::Utf8, TextEncoding::Latin1] {
            let err = decode_text("f", vec![0xFF, 0xFE, b'x', 0], encoding).unwrap_err();
            assert_eq!(
                err.to_string(),
                "file f is UTF-16 LE text; save it as UTF-8 and load it again"
            );
        }
    }

    #[test]
    fn lines_lose_their_ends_and_the_blank_tail() {
        assert_eq!(
            numbered_lines("a\r\nb\n\n  \n"),
            [(1, "a"), (2, "b")],
            "blank lines at the end are not lines"
        );
        assert_eq!(numbered_lines("a\n\nb"), [(1, "a"), (2, ""), (3, "b")]);
        assert!(numbered_lines("").is_empty());
    }
}
