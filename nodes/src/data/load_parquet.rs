//! `data.load_parquet`: reads a Parquet file into a table with polars' reader.

use std::io::Cursor;

use pipewright_engine::{
    Artifact, Inputs, KindDescriptor, NodeKind, Outputs, Params, PortSpec, StepContext, StepError,
};
use polars::prelude::*;

use super::LoadError;
use crate::artifacts::{TABLE, Table};

/// The four bytes a Parquet file starts and ends with.
const MAGIC: &[u8; 4] = b"PAR1";

/// `data.load_parquet`.
pub struct LoadParquet {
    desc: KindDescriptor,
}

impl LoadParquet {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "data.load_parquet",
                version: 1,
                category: crate::category::DATA,
                title: "Load Parquet",
                doc: "Reads a Parquet file into a table, with the column names and types \
                      the file stores. The file is hashed and a copy kept with the run, so \
                      the run can be replayed after the file changes.",
                inputs: vec![super::after_port()],
                outputs: vec![PortSpec::new("table", TABLE, "the file's rows")],
                params: vec![super::path_param()],
            },
        }
    }
}

impl Default for LoadParquet {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeKind for LoadParquet {
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
        let bytes = ctx.include_file(path)?;
        ctx.check_cancelled()?;
        let df = parse(path, bytes)?;
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

/// Parses Parquet bytes into a frame.
pub fn parse(path: &str, bytes: Vec<u8>) -> Result<DataFrame, LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty {
            path: path.to_owned(),
        });
    }
    // polars' message for a text file is about footers and metadata; the magic bytes
    // tell the usual case (a CSV or JSON file given to the wrong loader) plainly.
    if bytes.len() < 8 || !bytes.starts_with(MAGIC) || !bytes.ends_with(MAGIC) {
        return Err(LoadError::File {
            path: path.to_owned(),
            message: "is not a Parquet file (it does not start and end with PAR1)".into(),
        });
    }
    ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| LoadError::File {
            path: path.to_owned(),
            message: format!("is not a readable Parquet file: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use pipewright_engine::Value;

    use super::*;
    use crate::testutil::*;

    fn parquet(df: &mut DataFrame) -> Vec<u8> {
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes).finish(df).unwrap();
        bytes
    }

    fn load(bytes: &[u8]) -> std::result::Result<DataFrame, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.parquet"), bytes).unwrap();
        let kind = LoadParquet::new();
        let p = params(&kind, &[("path", Value::Text("d.parquet".into()))]);
        match run_in(dir.path(), &kind, &Inputs::default(), &p).0 {
            Ok(o) => Ok(frame(&o, "table").clone()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn reads_what_polars_wrote_and_keeps_a_copy() {
        let mut df = df!(
            "sentence" => ["Sales rose .", "Naïve loss ."],
            "label" => ["positive", "negative"],
            "n" => [1i64, 2],
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.parquet"), parquet(&mut df)).unwrap();
        let kind = LoadParquet::new();
        let p = params(&kind, &[("path", Value::Text("d.parquet".into()))]);
        let mut ctx = StepContext::standalone(dir.path());
        let out = kind.run(&mut ctx, &Inputs::default(), &p).unwrap();
        assert!(frame(&out, "table").equals(&df));
        assert_eq!(
            ctx.logs(),
            ["read d.parquet: 2 rows × 3 columns (sentence str, label str, n i64)"]
        );
        assert_eq!(ctx.included().len(), 1, "the file is recorded with the run");
    }

    #[test]
    fn an_empty_file_is_named() {
        assert_eq!(load(b"").unwrap_err(), "file d.parquet is empty");
    }

    #[test]
    fn text_and_latin1_bytes_are_not_parquet() {
        for bytes in [&b"x,y\n1,2\n"[..], b"caf\xe9\n", b"PAR1"] {
            assert_eq!(
                load(bytes).unwrap_err(),
                "file d.parquet: is not a Parquet file (it does not start and end with PAR1)"
            );
        }
    }

    #[test]
    fn a_damaged_file_is_named() {
        let mut df = df!("x" => [1.0, 2.0, 3.0]).unwrap();
        let mut bytes = parquet(&mut df);
        // Scramble the footer's metadata, keep the magic bytes.
        let n = bytes.len();
        for b in &mut bytes[n - 30..n - 8] {
            *b = 0xAB;
        }
        let err = load(&bytes).unwrap_err();
        assert!(
            err.starts_with("file d.parquet: is not a readable Parquet file: "),
            "{err}"
        );
    }
}
