//! Timings, ignored by default; meaningful in release builds only:
//!
//! ```text
//! cargo test --release -p pipewright-nodes --test bench -- --ignored --nocapture --test-threads 1
//! ```
//!
//! - `table_encoding`: throughput of encoding a 100 MiB table to Parquet, hashing it
//!   and storing it, for each compression — the measurement behind
//!   [`pipewright_nodes::artifacts::table::COMPRESSION`]; the chosen one must beat
//!   300 MB/s.
//! - `regression_pipeline_1m_rows`: the regression example on a generated
//!   1,000,000-row file through the engine, storing every artifact; must finish in
//!   well under a second.

mod common;

use std::sync::Arc;
use std::time::Instant;

use pipewright_engine::{Encoding, Engine, Flow, ParamValue, RunOptions, StepStatus, Store, Value};
use pipewright_nodes::Table;
use pipewright_nodes::artifacts::table::COMPRESSION;
use pipewright_nodes::data::synthetic::{Spec, generate};
use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::*;

fn release() -> bool {
    !cfg!(debug_assertions)
}

/// Best of `n` timings of `f`, in seconds.
fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let out = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(out);
    }
    (best, last.expect("n > 0"))
}

/// 100 MiB of random f64: 10 columns × 1,310,720 rows, uniform on [0, 10).
fn random_table() -> Table {
    let rows = 100 * 1024 * 1024 / 8 / 10;
    let mut columns = Vec::new();
    for j in 0..10u64 {
        let spec = Spec {
            rows,
            features: 1,
            slope: 1.0,
            intercept: 0.0,
            noise: 0.0,
            seed: j,
        };
        let mut c = generate(spec, || Ok(()))
            .unwrap()
            .column("x")
            .unwrap()
            .clone();
        c.rename(format!("c{j}").into());
        columns.push(c);
    }
    Table::new(DataFrame::new(rows, columns).unwrap())
}

/// 100 MiB of repetitive columns, like ids, codes and rounded measurements.
fn repetitive_table() -> Table {
    let rows = 100 * 1024 * 1024 / 8 / 10;
    let columns = (0..10)
        .map(|j| {
            let values: Vec<f64> = (0..rows)
                .map(|i| ((i * (j + 7)) % 5000) as f64 / 100.0)
                .collect();
            pipewright_nodes::columns::f64_series(&format!("c{j}"), values)
        })
        .collect();
    Table::new(DataFrame::new(rows, columns).unwrap())
}

#[test]
#[ignore = "timing; run in release with --ignored"]
fn table_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let mut chosen = f64::INFINITY;
    for (what, table) in [
        ("random", random_table()),
        ("repetitive", repetitive_table()),
    ] {
        let mb = (table.rows() * table.columns() * 8) as f64 / 1e6;
        println!(
            "{what} table of {mb:.0} MB ({} rows × 10 f64 columns), encode + blake3 + store:",
            table.rows()
        );
        for (name, c) in [
            ("uncompressed", ParquetCompression::Uncompressed),
            ("lz4", ParquetCompression::Lz4Raw),
            ("snappy", ParquetCompression::Snappy),
            (
                "zstd(1)",
                ParquetCompression::Zstd(ZstdLevel::try_new(1).ok()),
            ),
            ("zstd(3, polars default)", ParquetCompression::Zstd(None)),
        ] {
            let (secs, size) = best_of(3, || {
                let bytes = table.to_parquet_with(c).unwrap();
                // A fresh store each time, so the blob is really written.
                let sub = tempfile::tempdir_in(dir.path()).unwrap();
                Store::open(sub.path())
                    .unwrap()
                    .put_blob(Encoding::Parquet, &bytes)
                    .unwrap();
                bytes.len()
            });
            let rate = mb / secs;
            println!(
                "  {name:<24} {:>7.1} ms  {rate:>6.0} MB/s  {:>6.1} MB ({:.1} % of raw)",
                secs * 1e3,
                size as f64 / 1e6,
                100.0 * size as f64 / (mb * 1e6)
            );
            if c == COMPRESSION {
                chosen = chosen.min(rate);
            }
        }
    }
    if release() {
        assert!(
            chosen > 300.0,
            "the chosen compression ran at {chosen:.0} MB/s"
        );
    }
}

#[test]
#[ignore = "timing; run in release with --ignored"]
fn regression_pipeline_1m_rows() {
    let dir = tempfile::tempdir().unwrap();
    // The same shape as the bundled file: tab-separated x and y, six decimals.
    let t = Instant::now();
    let mut df = generate(
        Spec {
            rows: 1_000_000,
            features: 1,
            slope: 2.5,
            intercept: 1.0,
            noise: 1.5,
            seed: 7,
        },
        || Ok(()),
    )
    .unwrap();
    let data = dir.path().join("regression_1m.txt");
    let mut file = std::fs::File::create(&data).unwrap();
    CsvWriter::new(&mut file)
        .include_header(false)
        .with_separator(b'\t')
        .with_float_precision(Some(6))
        .finish(&mut df)
        .unwrap();
    drop(file);
    println!(
        "wrote {} ({:.1} MB) in {:.0} ms",
        data.display(),
        std::fs::metadata(&data).unwrap().len() as f64 / 1e6,
        t.elapsed().as_secs_f64() * 1e3
    );

    let mut flow = Flow::load(&common::repo_root().join("examples/regression.ron")).unwrap();
    let load = flow
        .nodes
        .iter_mut()
        .find(|n| n.kind == "data.load_csv")
        .unwrap();
    load.params.insert(
        "path".into(),
        ParamValue::Lit(Value::Text(data.display().to_string())),
    );

    let registry = Arc::new(pipewright_nodes::registry());
    for attempt in 1..=3 {
        let store_dir = tempfile::tempdir_in(dir.path()).unwrap();
        let t = Instant::now();
        let engine = Engine::new(registry.clone(), Store::open(store_dir.path()).unwrap());
        let run = engine.run(&flow, RunOptions::default(), |_| {}).unwrap();
        let wall = t.elapsed().as_secs_f64();
        println!(
            "run {attempt}: {:.0} ms wall, including storing every artifact",
            wall * 1e3
        );
        let mut steps = 0.0;
        for task in &run.tasks {
            assert_eq!(
                task.status,
                StepStatus::Done,
                "{}: {:?}",
                task.label,
                task.message
            );
            steps += task.duration_secs;
            let stored: u64 = task.outputs.values().map(|r| r.bytes).sum();
            println!(
                "  {:<18} {:>7.1} ms  {:>6.1} MB stored",
                task.label,
                task.duration_secs * 1e3,
                stored as f64 / 1e6
            );
        }
        println!(
            "  steps {:.0} ms, engine and store {:.0} ms",
            steps * 1e3,
            (wall - steps) * 1e3
        );
        if release() {
            assert!(wall < 1.0, "the 1M-row regression took {wall:.2} s");
        }
    }
}
