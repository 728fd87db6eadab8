//! Known answers from an independent source for the text vectorisers: the bundled
//! finance sentences (`assets/data/finance_sentences.jsonl`, read by
//! `data.load_jsonl`), split by our `transform.split` (stratified by label, seed 42,
//! 20 % test), then `transform.tfidf` / `transform.bag_of_words` fitted on the training
//! rows with several settings, against scikit-learn's `TfidfVectorizer` /
//! `CountVectorizer` on the same rows (`nodes/tests/reference/text.json`, written by
//! `scripts/sklearn_reference_text.py`; the file records the command and versions).
//!
//! Tolerances:
//! - split rows: exact (the same rows in the same order as `train_test_split(…,
//!   stratify=labels, random_state=42)`);
//! - vocabulary: exact, in the same order;
//! - matrix structure (row starts and column indices): exact;
//! - values: 1e-12 relative, entry by entry — counts are exact, and TF-IDF values are
//!   a logarithm, a product and a row norm summed in the same order as scikit-learn
//!   does, so only the last bits of `ln`/`sqrt` may differ. The test matrices are
//!   compared in full; to keep the reference file small the training matrices are
//!   compared entry by entry on their first 100 rows, and on all rows through the sum
//!   of their values and the sum of `(k + 1) · value_k` (1e-12 relative: every value is
//!   positive, so the sums cancel nothing and reflect every entry);
//! - idf weights: 1e-12 relative.
//!
//! `max_features` where terms of equal count straddle the cut: scikit-learn ranks
//! terms with numpy's argsort, which is not stable, so which of the tied terms it keeps
//! is not defined (and may differ between CPUs); ours keeps those that sort first.
//! There the test checks that we keep every term scikit-learn keeps that is counted
//! more often than the cut, and as many terms, and compares the vocabulary and
//! matrices with scikit-learn's for the vocabulary our rule keeps (the same settings
//! with `vocabulary=` that list: idf and norms depend only on the kept terms).
//!
//! Observed (scikit-learn 1.9.1): every value compared entry by entry and every idf
//! weight within 1e-15 relative; the checksums within a few 1e-15 (numpy sums
//! pairwise, we sum in order).

mod common;

use common::*;
use pipewright_engine::Value;
use pipewright_nodes::Table;
use pipewright_nodes::artifacts::fitted::{Fitted, FittedState};
use pipewright_nodes::features::Csr;
use serde_json::Value as Json;

fn reference() -> Json {
    let path = repo_root().join("nodes/tests/reference/text.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn num(v: &Json) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn ints(v: &Json) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

/// Relative tolerance of every comparison of values (see the top of the file).
const TOLERANCE: f64 = 1e-12;

#[track_caller]
fn close(what: &str, ours: f64, theirs: f64) {
    close_to(what, ours, theirs, TOLERANCE);
}

#[track_caller]
fn close_to(what: &str, ours: f64, theirs: f64, tolerance: f64) {
    let err = (ours - theirs).abs() / theirs.abs().max(f64::MIN_POSITIVE);
    assert!(
        ours == theirs || err <= tolerance,
        "{what}: ours {ours}, scikit-learn {theirs} (relative error {err:e} > {tolerance:e})"
    );
}

/// The finance sentences with their line number as column `row`, split as the script
/// splits them.
fn split() -> (Table, Table) {
    use pipewright_nodes::polars::prelude::*;
    let loaded = run(
        "data.load_jsonl",
        &[],
        &[("path", text("assets/data/finance_sentences.jsonl"))],
    );
    let table = get::<Table>(&loaded, "table");
    let n = table.rows();
    let mut df = table.df().clone();
    df.with_column(Column::new("row".into(), (0..n as u64).collect::<Vec<_>>()))
        .unwrap();
    let out = run(
        "transform.split",
        &[("table", shared(table.derive(df)))],
        &[
            ("test_fraction", Value::Float(0.2)),
            ("seed", Value::Int(42)),
            ("stratify", text("label")),
        ],
    );
    (get::<Table>(&out, "train"), get::<Table>(&out, "test"))
}

fn rows(t: &Table) -> Vec<u64> {
    let col = t.df().column("row").unwrap().u64().unwrap().clone();
    col.into_no_null_iter().collect()
}

#[test]
fn the_stratified_split_takes_scikit_learns_rows() {
    let r = reference();
    let (train, test) = split();
    assert_eq!(train.rows() + test.rows(), 700);
    assert_eq!(rows(&train), ints(&r["split"]["train_rows"]), "train rows");
    assert_eq!(rows(&test), ints(&r["split"]["test_rows"]), "test rows");
}

/// The setting's parameters as the kind takes them.
fn params(setting: &Json) -> Vec<(String, Value)> {
    let mut out = vec![("column".to_owned(), text("sentence"))];
    for (k, v) in setting["params"].as_object().unwrap() {
        let value = match v {
            Json::Bool(b) => Value::Bool(*b),
            Json::String(s) => text(s),
            Json::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap()),
            Json::Number(n) => Value::Float(n.as_f64().unwrap()),
            other => panic!("parameter {k}: {other}"),
        };
        out.push((k.clone(), value));
    }
    out
}

/// Our matrix against scikit-learn's CSR: structure exactly, values to 1e-12.
fn check_matrix(what: &str, ours: &Csr, theirs: &Json) {
    let shape = ints(&theirs["shape"]);
    assert_eq!(
        [ours.n_rows() as u64, ours.n_cols as u64],
        [shape[0], shape[1]],
        "{what}: shape"
    );
    let indptr: Vec<u64> = ours.indptr.iter().map(|&p| p as u64).collect();
    assert_eq!(indptr, ints(&theirs["indptr"]), "{what}: row starts");
    let indices: Vec<u64> = ours.indices.iter().map(|&j| u64::from(j)).collect();
    assert_eq!(indices, ints(&theirs["indices"]), "{what}: column indices");
    let data = theirs["data"].as_array().unwrap();
    match theirs.get("data_rows") {
        None => assert_eq!(data.len(), ours.nnz(), "{what}: entries"),
        Some(r) => assert_eq!(
            data.len(),
            ours.indptr[r.as_u64().unwrap() as usize],
            "{what}: entries of the first rows"
        ),
    }
    for (k, v) in data.iter().enumerate() {
        let row = ours.indptr.partition_point(|&p| p <= k) - 1;
        close(
            &format!("{what}: row {row}, column {}", ours.indices[k]),
            ours.data[k],
            num(v),
        );
    }
    if theirs.get("data_rows").is_some() {
        close_to(
            &format!("{what}: sum of all values"),
            ours.data.iter().sum(),
            num(&theirs["data_sum"]),
            1e-12,
        );
        let weighted: f64 = ours
            .data
            .iter()
            .enumerate()
            .map(|(k, v)| (k + 1) as f64 * v)
            .sum();
        close_to(
            &format!("{what}: sum of (k + 1) · value_k"),
            weighted,
            num(&theirs["data_weighted_sum"]),
            1e-12,
        );
    }
}

fn matrix(t: &Table, column: &str) -> Csr {
    let n = t.vector_names(column).unwrap().len();
    Csr::from_column(t.df().column(column).unwrap(), Some(n)).unwrap()
}

#[test]
fn every_setting_gives_scikit_learns_vocabulary_and_matrices() {
    let r = reference();
    let (train, test) = split();
    let settings = r["settings"].as_array().unwrap();
    assert!(settings.len() >= 5);
    for s in settings {
        let name = s["name"].as_str().unwrap();
        let kind = s["kind"].as_str().unwrap();
        let set = params(s);
        let set: Vec<(&str, Value)> = set.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let out = run(
            kind,
            &[
                ("train", shared(train.clone())),
                ("test", shared(test.clone())),
            ],
            &set,
        );
        let column = if kind == "transform.tfidf" {
            "sentence_tfidf"
        } else {
            "sentence_counts"
        };
        let (tr, te) = (get::<Table>(&out, "train"), get::<Table>(&out, "test"));
        let ours = tr.vector_names(column).unwrap().to_vec();
        assert_eq!(ours, strings(&s["vocabulary"]), "{name}: vocabulary");
        if let Some(cut) = s["max_features_cut"].as_object() {
            let theirs = strings(&cut["sklearn_vocabulary"]);
            assert_eq!(ours.len(), theirs.len(), "{name}: as many terms");
            for t in strings(&cut["sklearn_above_cut"]) {
                assert!(
                    ours.contains(&t),
                    "{name}: {t:?}, counted more often than the cut, is kept"
                );
            }
            if cut["tie"] == Json::Bool(false) {
                assert_eq!(ours, theirs, "{name}: no tie, scikit-learn's own terms");
            }
        }
        let fitted = get::<Fitted>(&out, "fitted");
        let FittedState::Vectorizer { vectorizer } = &fitted.state else {
            panic!("{name}: not a vectoriser's state");
        };
        match s["idf"].as_array() {
            Some(idf) => {
                assert_eq!(vectorizer.idf.len(), idf.len(), "{name}: idf weights");
                for (j, (a, b)) in vectorizer.idf.iter().zip(idf).enumerate() {
                    close(&format!("{name}: idf of {:?}", ours[j]), *a, num(b));
                }
            }
            None => assert!(vectorizer.idf.is_empty(), "{name}: no idf"),
        }
        check_matrix(&format!("{name}, train"), &matrix(&tr, column), &s["train"]);
        check_matrix(&format!("{name}, test"), &matrix(&te, column), &s["test"]);

        // The fitted state vectorises the test rows exactly as the step did.
        let applied = run(
            "transform.apply",
            &[
                ("fitted", shared(fitted.clone())),
                ("table", shared(test.clone())),
            ],
            &[],
        );
        assert_eq!(get::<Table>(&applied, "table"), te, "{name}: apply = test");
    }
}
