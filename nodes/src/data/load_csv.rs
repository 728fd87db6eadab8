//! `data.load_csv`: reads a delimited text file into a table.

use std::io::Cursor;

use pipewright_engine::{
    Artifact, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};
use polars::prelude::*;

use super::{ENCODINGS, TextEncoding, decode_text};
use crate::artifacts::{TABLE, Table};
use crate::columns::parse_list;
use crate::error::{NodeError, Result};

/// `data.load_csv`.
pub struct LoadCsv {
    desc: KindDescriptor,
}

impl LoadCsv {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "data.load_csv",
                version: 1,
                category: crate::category::DATA,
                title: "Load CSV",
                doc: "Reads a comma-, tab- or semicolon-separated file into a table. \
                      Column types are inferred: numbers become numeric columns, anything \
                      else text (Check data reports text in a column meant to be numeric). \
                      The file is hashed and a copy kept with the run, so the run can be \
                      replayed after the file changes. For a file without a header line, \
                      name the columns with column_names. The file is read as UTF-8 (a \
                      byte-order mark and CRLF line ends are fine) or Latin-1; bytes that \
                      are not UTF-8 are named by line, and UTF-16 is refused.",
                inputs: vec![super::after_port()],
                outputs: vec![PortSpec::new("table", TABLE, "the file's rows")],
                params: vec![
                    super::path_param(),
                    ParamSpec::new(
                        "separator",
                        ParamType::Choice(vec![
                            "auto".into(),
                            "comma".into(),
                            "tab".into(),
                            "semicolon".into(),
                        ]),
                        Value::Text("auto".into()),
                        "the character between fields; auto: the one every line of the \
                         file's start has equally often",
                    ),
                    ParamSpec::new(
                        "has_header",
                        ParamType::Bool,
                        Value::Bool(true),
                        "the first line names the columns (a first line of numbers alone is \
                         read as data)",
                    ),
                    ParamSpec::new(
                        "column_names",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated column names (replace the header's; needed without one)",
                    ),
                    ParamSpec::new(
                        "encoding",
                        ParamType::Choice(ENCODINGS.iter().map(|e| (*e).to_owned()).collect()),
                        Value::Text("utf-8".into()),
                        "the file's text encoding",
                    ),
                ],
            },
        }
    }
}

impl NodeKind for LoadCsv {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        _inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let path = params.text("path")?;
        let chosen = params.text("separator")?;
        let mut has_header = params.bool("has_header")?;
        let names = parse_list(params.text("column_names")?);
        let encoding = TextEncoding::from_param(params.text("encoding")?);
        let bytes = ctx.include_file(path)?;
        ctx.check_cancelled()?;
        // Decoded up front so a Latin-1 byte is named by its line (polars would name
        // only a field it cannot read), and Latin-1 reaches polars as UTF-8.
        let bytes = decode_text(path, bytes, encoding)?.into_bytes();
        let separator = match chosen {
            "tab" => b'\t',
            "semicolon" => b';',
            "comma" => b',',
            _ => {
                let found = sniff_separator(&bytes);
                ctx.log(format!(
                    "separator: {} (found in the file's first lines)",
                    separator_name(found)
                ));
                found
            }
        };
        if has_header && first_line_is_numbers(&bytes, separator) {
            has_header = false;
            ctx.log(
                "the first line holds only numbers: read as data, not as a header \
                 (column_names names the columns)",
            );
        }
        let (df, notes) = parse_noting(path, bytes, separator, has_header, &names)?;
        for note in notes {
            ctx.log(note);
        }
        let types: Vec<String> = df
            .columns()
            .iter()
            .map(|c| format!("{} {}", c.name(), c.dtype()))
            .collect();
        let table = Table::new(df);
        ctx.log(format!(
            "read {path}: {} ({})",
            table.summary(),
            types.join(", ")
        ));
        Ok(Outputs::new().with("table", table))
    }
}

/// The separator a file uses: of tab, semicolon and comma, the one that every line of
/// its first 50 has the same number of times (outside double quotes), the most often;
/// failing that the one on the most lines; a comma when none appears (one column).
pub fn sniff_separator(bytes: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(50)
        .collect();
    let count = |line: &[u8], sep: u8| {
        let mut quoted = false;
        line.iter()
            .filter(|b| {
                if **b == b'"' {
                    quoted = !quoted;
                }
                !quoted && **b == sep
            })
            .count()
    };
    let mut best: Option<(bool, usize, u8)> = None;
    for sep in [b'\t', b';', b','] {
        let counts: Vec<usize> = lines.iter().map(|l| count(l, sep)).collect();
        let on_lines = counts.iter().filter(|c| **c > 0).count();
        if on_lines == 0 {
            continue;
        }
        let consistent = counts.iter().all(|c| *c == counts[0]);
        // Consistent first, then the most per line (or on the most lines).
        let score = (
            consistent,
            if consistent { counts[0] } else { on_lines },
            sep,
        );
        if best.is_none_or(|b| (score.0, score.1) > (b.0, b.1)) {
            best = Some(score);
        }
    }
    best.map_or(b',', |b| b.2)
}

fn separator_name(sep: u8) -> &'static str {
    match sep {
        b'\t' => "tab",
        b';' => "semicolon",
        _ => "comma",
    }
}

/// Whether the first non-empty line is numbers alone: data, not column names.
pub fn first_line_is_numbers(bytes: &[u8], separator: u8) -> bool {
    let Some(line) = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_prefix(b"\xef\xbb\xbf").unwrap_or(l))
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
    else {
        return false;
    };
    let text = String::from_utf8_lossy(line);
    text.trim_end_matches('\r')
        .split(separator as char)
        .all(|f| f.trim().parse::<f64>().is_ok_and(f64::is_finite))
}

/// Parses delimited bytes; `names`, when not empty, names the columns.
pub fn parse(
    path: &str,
    bytes: Vec<u8>,
    separator: u8,
    has_header: bool,
    names: &[String],
) -> Result<DataFrame> {
    parse_noting(path, bytes, separator, has_header, names).map(|(df, _)| df)
}

/// [`parse`], and what it tidied on the way (for the step's log): header names
/// trimmed of spaces.
pub fn parse_noting(
    path: &str,
    bytes: Vec<u8>,
    separator: u8,
    has_header: bool,
    names: &[String],
) -> Result<(DataFrame, Vec<String>)> {
    let bytes = normalise_text(path, bytes, separator)?;
    let mut notes = Vec::new();
    let mut df = parse_utf8(path, bytes, separator, has_header, names)?;
    if has_header && names.is_empty() {
        // `x, y` names its second column " y" to polars; nobody means that.
        let old: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let trimmed: Vec<String> = old.iter().map(|n| n.trim().to_owned()).collect();
        if trimmed != old {
            let changed: Vec<String> = old
                .iter()
                .zip(&trimmed)
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("{a:?} → {b:?}"))
                .collect();
            df.set_column_names(&trimmed).map_err(|e| NodeError::Csv {
                path: path.to_owned(),
                message: format!("column names without their spaces: {e}"),
            })?;
            notes.push(format!(
                "trimmed spaces around column names: {}",
                changed.join(", ")
            ));
        }
    }
    let padded = numbers_with_spaces(&mut df).map_err(|e| NodeError::Csv {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    if !padded.is_empty() {
        notes.push(format!(
            "read as numbers without the spaces around them: {}",
            padded
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok((df, notes))
}

/// Text columns whose every field is a number with spaces around it (`1, 2.5`, as
/// in a file written with a space after each comma) become numeric columns; their
/// names are returned.
fn numbers_with_spaces(df: &mut DataFrame) -> PolarsResult<Vec<String>> {
    let mut changed = Vec::new();
    let names: Vec<String> = df
        .columns()
        .iter()
        .filter(|c| c.dtype().is_string())
        .map(|c| c.name().to_string())
        .collect();
    for name in names {
        let column = df.column(&name)?.str()?.clone();
        let trimmed: Vec<Option<&str>> = column
            .iter()
            .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
            .collect();
        let padded = column.iter().flatten().any(|v| v.trim().len() != v.len());
        if !padded || trimmed.iter().all(Option::is_none) {
            continue;
        }
        let ints: Option<Vec<Option<i64>>> = trimmed
            .iter()
            .map(|v| v.map_or(Some(None), |v| v.parse().ok().map(Some)))
            .collect();
        let series = if let Some(ints) = ints {
            Series::new(name.as_str().into(), ints)
        } else {
            let floats: Option<Vec<Option<f64>>> = trimmed
                .iter()
                .map(|v| v.map_or(Some(None), |v| v.parse().ok().map(Some)))
                .collect();
            let Some(floats) = floats else { continue };
            Series::new(name.as_str().into(), floats)
        };
        df.replace(&name, series.into_column())?;
        changed.push(name);
    }
    Ok(changed)
}

/// Refuses UTF-16 (polars would read it as garbage) and makes UTF-8 text plain: no
/// byte-order mark, `\n` line ends, no blank lines at the end (an editor's final
/// empty line is not a row of missing values).
fn normalise_text(path: &str, mut bytes: Vec<u8>, separator: u8) -> Result<Vec<u8>> {
    if let Some(encoding) = super::utf16(&bytes) {
        return Err(NodeError::Encoding {
            path: path.to_owned(),
            encoding,
        });
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.contains(&b'\r') {
        let mut out = Vec::with_capacity(bytes.len());
        let mut it = bytes.iter().peekable();
        while let Some(&b) = it.next() {
            if b == b'\r' && it.peek() == Some(&&b'\n') {
                continue;
            }
            out.push(b);
        }
        bytes = out;
    }
    // A line of only spaces (and tabs, unless tabs separate fields) is blank.
    let blank = |b: u8| b == b' ' || b == b'\n' || (b == b'\t' && separator != b'\t');
    let mut end = bytes.len();
    while end > 0 && blank(bytes[end - 1]) {
        end -= 1;
    }
    // Keep the last line's own spaces: they may be fields. Cut only whole lines.
    let last_line_end = bytes[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| end + i);
    bytes.truncate(last_line_end);
    if !bytes.is_empty() {
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// Parses normalised UTF-8 bytes.
fn parse_utf8(
    path: &str,
    bytes: Vec<u8>,
    separator: u8,
    has_header: bool,
    names: &[String],
) -> Result<DataFrame> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(NodeError::EmptyFile {
            path: path.to_owned(),
        });
    }
    let read = |infer_all: bool| {
        let mut options = CsvReadOptions::default()
            .with_has_header(has_header)
            .with_parse_options(CsvParseOptions::default().with_separator(separator));
        if infer_all {
            options = options.with_infer_schema_length(None);
        }
        options
            .into_reader_with_file_handle(Cursor::new(bytes.as_slice()))
            .finish()
    };
    let mut df = match read(false) {
        Ok(df) => {
            // polars pads short lines with nulls and widens the table for long lines
            // it sees early; only a scan tells those apart from genuinely empty fields.
            if df.columns().iter().any(|c| c.null_count() > 0) {
                check_ragged(path, &bytes, separator)?;
            }
            df
        }
        Err(first) => {
            check_ragged(path, &bytes, separator)?;
            // The usual other cause: text in a column whose first rows looked numeric.
            // Inferring types from every row reads it as a text column instead.
            read(true).map_err(|_| NodeError::Csv {
                path: path.to_owned(),
                message: first.to_string(),
            })?
        }
    };
    if !names.is_empty() {
        if names.len() != df.width() {
            return Err(NodeError::ColumnNamesCount {
                path: path.to_owned(),
                given: names.len(),
                names: names.join(", "),
                found: df.width(),
            });
        }
        df.set_column_names(names).map_err(|e| NodeError::Param {
            param: "column_names",
            message: e.to_string(),
        })?;
    }
    Ok(df)
}

/// Fails on the first line whose field count differs from the first non-blank line's.
/// Quoted fields may contain separators and line breaks.
fn check_ragged(path: &str, bytes: &[u8], separator: u8) -> Result<()> {
    let mut expected: Option<(usize, usize)> = None; // (line, fields)
    let mut line = 1;
    let mut start_line = 1;
    let mut fields = 1;
    let mut blank = true;
    let mut quoted = false;
    let mut check = |line: usize, fields: usize, blank: bool| -> Result<()> {
        if blank {
            return Ok(());
        }
        match expected {
            None => expected = Some((line, fields)),
            Some((first_line, n)) if n != fields => {
                return Err(NodeError::RaggedRow {
                    path: path.to_owned(),
                    line,
                    found: fields,
                    first_line,
                    expected: n,
                });
            }
            Some(_) => {}
        }
        Ok(())
    };
    for &b in bytes {
        if b == b'"' {
            quoted = !quoted;
            blank = false;
        } else if b == b'\n' {
            line += 1;
            if !quoted {
                check(start_line, fields, blank)?;
                start_line = line;
                fields = 1;
                blank = true;
            }
        } else if quoted {
            continue;
        } else if b == separator {
            fields += 1;
            blank = false;
        } else if b != b'\r' && b != b' ' && b != b'\t' {
            blank = false;
        }
    }
    check(start_line, fields, blank)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn load(text: &str, set: &[(&str, Value)]) -> std::result::Result<DataFrame, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("data.csv"), text).unwrap();
        let kind = LoadCsv::new();
        let mut all = vec![("path", Value::Text("data.csv".into()))];
        all.extend(set.iter().cloned());
        let (out, _) = run_in(dir.path(), &kind, &Inputs::default(), &params(&kind, &all));
        match out {
            Ok(o) => Ok(frame(&o, "table").clone()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn reads_a_headed_csv_and_logs_its_shape() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.csv"), "x,y\n1,2.5\n3,4\n").unwrap();
        let kind = LoadCsv::new();
        let p = params(&kind, &[("path", Value::Text("d.csv".into()))]);
        let mut ctx = StepContext::standalone(dir.path());
        let out = kind.run(&mut ctx, &Inputs::default(), &p).unwrap();
        let df = frame(&out, "table");
        assert_eq!(df.shape(), (2, 2));
        assert_eq!(df.column("y").unwrap().dtype(), &DataType::Float64);
        assert_eq!(
            ctx.logs(),
            [
                "separator: comma (found in the file's first lines)",
                "read d.csv: 2 rows × 2 columns (x i64, y f64)"
            ]
        );
        assert_eq!(ctx.included().len(), 1, "the file is recorded with the run");
    }

    #[test]
    fn the_bundled_dataset_loads_with_names() {
        let kind = LoadCsv::new();
        let p = params(
            &kind,
            &[
                (
                    "path",
                    Value::Text("../assets/data/regression_dataset.txt".into()),
                ),
                ("separator", Value::Text("tab".into())),
                ("has_header", Value::Bool(false)),
                ("column_names", Value::Text("x, y".into())),
            ],
        );
        let out = run(&kind, &Inputs::default(), &p).unwrap();
        let df = frame(&out, "table");
        assert_eq!(df.shape(), (1000, 2));
        assert_eq!(df.get_column_names(), ["x", "y"]);
    }

    #[test]
    fn the_bundled_tab_separated_headerless_file_loads_with_no_settings() {
        let kind = LoadCsv::new();
        let p = params(
            &kind,
            &[(
                "path",
                Value::Text("../assets/data/regression_dataset.txt".into()),
            )],
        );
        let out = run(&kind, &Inputs::default(), &p).unwrap();
        let df = frame(&out, "table");
        assert_eq!(
            df.shape(),
            (1000, 2),
            "two columns, and the first row is data"
        );
        assert_eq!(df.get_column_names(), ["column_1", "column_2"]);
    }

    #[test]
    fn the_separator_is_the_one_every_line_has_equally_often() {
        assert_eq!(sniff_separator(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_separator(b"a\tb\n1.5\t2\n"), b'\t');
        assert_eq!(sniff_separator(b"a;b\n1,5;2,5\n"), b';', "decimal commas");
        assert_eq!(
            sniff_separator(b"name;note\n\"x\";\"a, b, c\"\n"),
            b';',
            "commas inside quotes do not count"
        );
        assert_eq!(sniff_separator(b"one column\n1\n"), b',');
        assert!(first_line_is_numbers(b"1.5\t-2e3\n", b'\t'));
        assert!(!first_line_is_numbers(b"x\ty\n1\t2\n", b'\t'));
        assert!(!first_line_is_numbers(b"1,a\n", b','));
    }

    #[test]
    fn semicolons_and_no_header() {
        let df = load(
            "1;2\n3;4\n",
            &[
                ("separator", Value::Text("semicolon".into())),
                ("has_header", Value::Bool(false)),
                ("column_names", Value::Text("a,b".into())),
            ],
        )
        .unwrap();
        assert_eq!(df.get_column_names(), ["a", "b"]);
        assert_eq!(df.column("b").unwrap().i64().unwrap().get(1), Some(4));
    }

    #[test]
    fn an_empty_file_is_named() {
        let err = load("", &[]).unwrap_err();
        assert_eq!(err, "file data.csv is empty");
        assert_eq!(load(" \n\n", &[]).unwrap_err(), "file data.csv is empty");
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let kind = LoadCsv::new();
        let p = params(&kind, &[("path", Value::Text("nope.csv".into()))]);
        let err = failure(run_in(dir.path(), &kind, &Inputs::default(), &p).0);
        assert!(
            err.starts_with("cannot read ") && err.contains("nope.csv"),
            "{err}"
        );
    }

    #[test]
    fn a_short_line_is_named() {
        let err = load("x,y\n1,2\n3\n4,5\n", &[]).unwrap_err();
        assert_eq!(err, "file data.csv: line 3 has 1 fields, but line 1 has 2");
        let err = load("1,2\n3,4\n5\n6,7\n", &[("has_header", Value::Bool(false))]).unwrap_err();
        assert_eq!(err, "file data.csv: line 3 has 1 fields, but line 1 has 2");
    }

    #[test]
    fn a_long_line_is_named_with_or_without_header() {
        let err = load("x,y\n1,2\n3,4,5\n", &[]).unwrap_err();
        assert_eq!(err, "file data.csv: line 3 has 3 fields, but line 1 has 2");
        let err = load("1,2\n3,4,5\n6,7\n", &[("has_header", Value::Bool(false))]).unwrap_err();
        assert_eq!(err, "file data.csv: line 2 has 3 fields, but line 1 has 2");
        // Far beyond polars' type-inference window too.
        let mut text = "x,y\n".to_owned();
        for i in 0..500 {
            text.push_str(&format!("{i},{i}\n"));
        }
        text.push_str("1,2,3\n");
        let err = load(&text, &[]).unwrap_err();
        assert_eq!(
            err,
            "file data.csv: line 502 has 3 fields, but line 1 has 2"
        );
    }

    #[test]
    fn empty_fields_are_missing_values_not_ragged_lines() {
        let df = load("x,y\n1,\n2,3\n", &[]).unwrap();
        assert_eq!(df.column("y").unwrap().null_count(), 1);
        // Quoted separators and line breaks are part of a field.
        let df = load("x,s\n1,\"a,b\nc\"\n2,\n", &[]).unwrap();
        assert_eq!(df.shape(), (2, 2));
    }

    #[test]
    fn text_in_a_numeric_column_loads_as_text_even_late_in_the_file() {
        let df = load("x,y\n1,2\n3,abc\n", &[]).unwrap();
        assert!(df.column("y").unwrap().dtype().is_string());
        let mut text = "x,y\n".to_owned();
        for i in 0..300 {
            text.push_str(&format!("{i},{i}.5\n"));
        }
        text.push_str("1,abc\n");
        let df = load(&text, &[]).unwrap();
        assert_eq!(df.height(), 301);
        assert!(df.column("y").unwrap().dtype().is_string());
    }

    #[test]
    fn blank_lines_at_the_end_are_not_rows() {
        for text in [
            "x,y\n1,2\n3,4\n\n",
            "x,y\n1,2\n3,4\n   \n",
            "x,y\n1,2\n3,4\n\n \n\n",
            "x,y\n1,2\n3,4",
        ] {
            let df = load(text, &[]).unwrap();
            assert_eq!(df.shape(), (2, 2), "{text:?}");
            assert_eq!(df.column("y").unwrap().null_count(), 0, "{text:?}");
        }
        // The last row's empty last field stays a missing value.
        let df = load("x,y\n1,2\n3,\n\n", &[]).unwrap();
        assert_eq!(df.shape(), (2, 2));
        assert_eq!(df.column("y").unwrap().null_count(), 1);
    }

    #[test]
    fn spaces_around_header_names_are_trimmed_and_logged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.csv"), "x, y\n1,2.5\n3,4\n").unwrap();
        let kind = LoadCsv::new();
        let p = params(&kind, &[("path", Value::Text("d.csv".into()))]);
        let mut ctx = StepContext::standalone(dir.path());
        let out = kind.run(&mut ctx, &Inputs::default(), &p).unwrap();
        let df = frame(&out, "table");
        assert_eq!(df.get_column_names(), ["x", "y"]);
        assert!(df.column("y").unwrap().dtype().is_float());
        assert_eq!(
            ctx.logs()[1],
            "trimmed spaces around column names: \" y\" → \"y\""
        );
        // A space after every comma in the rows too: still numbers.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.csv"), "x, y, s\n1, 2.5, a\n3 , 4, b\n").unwrap();
        let p = params(&kind, &[("path", Value::Text("d.csv".into()))]);
        let mut ctx = StepContext::standalone(dir.path());
        let out = kind.run(&mut ctx, &Inputs::default(), &p).unwrap();
        let df = frame(&out, "table");
        assert_eq!(df.column("x").unwrap().dtype(), &DataType::Int64);
        assert_eq!(df.column("y").unwrap().dtype(), &DataType::Float64);
        assert!(
            df.column("s").unwrap().dtype().is_string(),
            "text stays text"
        );
        assert_eq!(
            ctx.logs()[2],
            "read as numbers without the spaces around them: \"x\", \"y\""
        );
    }

    #[test]
    fn utf16_is_named_and_a_bom_or_crlf_file_reads_right() {
        let utf16 = |text: &str, bom: bool| -> Vec<u8> {
            let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
            out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            out
        };
        for bom in [true, false] {
            let err = parse("d.csv", utf16("x,y\n1,2\n", bom), b',', true, &[]).unwrap_err();
            assert_eq!(
                err.to_string(),
                "file d.csv is UTF-16 LE text; save it as UTF-8 and load it again"
            );
        }
        let df = parse(
            "d.csv",
            b"\xEF\xBB\xBFx,y\r\n1,a\r\n2,b\r\n\r\n".to_vec(),
            b',',
            true,
            &[],
        )
        .unwrap();
        assert_eq!(
            df.get_column_names(),
            ["x", "y"],
            "no BOM in the first name"
        );
        assert_eq!(df.shape(), (2, 2));
        let y: Vec<Option<&str>> = df.column("y").unwrap().str().unwrap().iter().collect();
        assert_eq!(y, [Some("a"), Some("b")], "no \\r in the last column");
    }

    #[test]
    fn latin1_is_a_choice_and_latin1_bytes_in_utf8_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("d.csv"),
            b"name,n
caf\xe9,1
",
        )
        .unwrap();
        let kind = LoadCsv::new();
        let with = |encoding: &str| {
            let p = params(
                &kind,
                &[
                    ("path", Value::Text("d.csv".into())),
                    ("encoding", Value::Text(encoding.into())),
                ],
            );
            run_in(dir.path(), &kind, &Inputs::default(), &p).0
        };
        let out = with("latin-1").unwrap();
        let df = frame(&out, "table");
        assert_eq!(
            df.column("name").unwrap().str().unwrap().get(0),
            Some("café")
        );
        assert_eq!(
            failure(with("utf-8")),
            "file d.csv: line 2 is not UTF-8 (byte 0xE9 at byte 4 of the line); \
             if the file is Latin-1, set encoding = latin-1"
        );
    }

    #[test]
    fn a_bom_and_crlf_through_the_step_give_the_right_names() {
        let df = load("\u{feff}x,y\r\n1,a\r\n", &[]).unwrap();
        assert_eq!(df.get_column_names(), ["x", "y"]);
        let y: Vec<Option<&str>> = df.column("y").unwrap().str().unwrap().iter().collect();
        assert_eq!(y, [Some("a")]);
        // A UTF-8 file read as Latin-1 would name its first column "ï»¿x".
        let err = load(
            "\u{feff}x,y\n1,2\n",
            &[("encoding", Value::Text("latin-1".into()))],
        )
        .unwrap_err();
        assert_eq!(
            err,
            "file data.csv starts with a UTF-8 byte-order mark: it is UTF-8, set encoding = utf-8"
        );
    }

    #[test]
    fn wrong_column_name_count_is_explained() {
        let err = load(
            "1\t2\n",
            &[
                ("separator", Value::Text("tab".into())),
                ("has_header", Value::Bool(false)),
                ("column_names", Value::Text("x,y,z".into())),
            ],
        )
        .unwrap_err();
        assert_eq!(
            err,
            "parameter \"column_names\" names 3 columns (x, y, z), but file data.csv has 2"
        );
    }
}
