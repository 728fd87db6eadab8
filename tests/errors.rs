//! The exact text of the command line's error messages, as a committed snapshot
//! (`tests/expected/errors.txt`), so a reworded or lost message shows up as a diff in
//! review instead of slipping past a `contains` check.
//!
//! After changing a message on purpose, rewrite the snapshot with
//! `PIPEWRIGHT_UPDATE_EXPECTED=1 cargo test -p pipewright --test e2e errors::`
//! and review the diff of `tests/expected/errors.txt`.
//!
//! Each case runs the `pipewright` binary on one bad input (small flow files written
//! to a temporary folder) and records the command, the exit code and what it printed;
//! every bad flow is also checked with `pipewright validate`, which prints the
//! engine's validation messages. The temporary folder shows as `<TMP>` and run ids as
//! `<RUN>`, so the file does not change from one run to the next.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::util::{pipewright, root, text};

/// The snapshot file, relative to the repository root.
const EXPECTED: &str = "tests/expected/errors.txt";

/// Flow files with one mistake each: (file name, content).
fn bad_flows() -> Vec<(&'static str, String)> {
    // Start ─▶ generator: the smallest valid flow of the real catalogue, varied below.
    let generator = |params: &str| {
        format!(
            "Flow(\n    format: 1,\n    name: \"bad\",\n    nodes: [\n        \
             Node(id: 1, kind: \"data.synthetic_regression\", label: \"Generate\", params: {{{params}}}),\n    \
             ],\n)\n"
        )
    };
    vec![
        (
            "bad_ron.ron",
            "Flow(\n  format: 1,\n  name: \"x\",\n  nodes: [Node(id: 1,,)],\n)".to_owned(),
        ),
        (
            "unknown_kind.ron",
            "Flow(format: 1, name: \"x\", nodes: [Node(id: 1, kind: \"data.teleport\", label: \"Beam\")])"
                .to_owned(),
        ),
        ("unknown_param.ron", generator("\"rowz\": Int(10)")),
        ("wrong_type.ron", generator("\"rows\": Text(\"many\")")),
        ("out_of_range.ron", generator("\"features\": Int(65)")),
        (
            "dangling_edge.ron",
            r#"Flow(
    format: 1,
    name: "bad",
    nodes: [
        Node(id: 1, kind: "data.synthetic_regression", label: "Generate"),
    ],
    edges: [
        Edge(from: PortRef(node: 1, port: "table"), to: PortRef(node: 9, port: "table")),
    ],
)
"#
            .to_owned(),
        ),
        (
            "type_mismatch.ron",
            r#"Flow(
    format: 1,
    name: "bad",
    nodes: [
        Node(id: 1, kind: "data.synthetic_regression", label: "Generate"),
        Node(id: 2, kind: "evaluate.predict", label: "Predict"),
    ],
    edges: [
        Edge(from: PortRef(node: 1, port: "table"), to: PortRef(node: 2, port: "model")),
        Edge(from: PortRef(node: 1, port: "table"), to: PortRef(node: 2, port: "table")),
    ],
)
"#
            .to_owned(),
        ),
        (
            "cycle.ron",
            r#"Flow(
    format: 1,
    name: "bad",
    nodes: [
        Node(id: 1, kind: "data.check", label: "Check A"),
        Node(id: 2, kind: "data.check", label: "Check B"),
    ],
    edges: [
        Edge(from: PortRef(node: 1, port: "table"), to: PortRef(node: 2, port: "table")),
        Edge(from: PortRef(node: 2, port: "table"), to: PortRef(node: 1, port: "table")),
    ],
)
"#
            .to_owned(),
        ),
        (
            "newer_format.ron",
            "Flow(format: 99, name: \"future\", nodes: [])\n".to_owned(),
        ),
        ("format_zero.ron", "Flow(format: 0, name: \"x\", nodes: [])\n".to_owned()),
        ("empty.ron", String::new()),
        (
            "bom.ron",
            "\u{feff}Flow(format: 1, name: \"x\", nodes: [])\n".to_owned(),
        ),
        (
            // The comma is missing on line 5; the parser notices on line 8.
            "missing_comma.ron",
            "Flow(\n    format: 1,\n    name: \"x\",\n    nodes: [\n        \
             Node(id: 1, kind: \"data.check\", label: \"A\")\n\n        // the next one\n        \
             Node(id: 2, kind: \"data.check\", label: \"B\"),\n    ],\n)\n"
                .to_owned(),
        ),
        (
            "duplicate_id.ron",
            r#"Flow(
    format: 1,
    name: "bad",
    nodes: [
        Node(id: 1, kind: "data.synthetic_regression", label: "Generate"),
        Node(id: 1, kind: "data.check", label: "Check"),
        Node(id: 2, kind: "data.check", label: "Check 2"),
    ],
    edges: [
        Edge(from: PortRef(node: 1, port: "table"), to: PortRef(node: 2, port: "table")),
    ],
)
"#
            .to_owned(),
        ),
        ("zero_fraction.ron", {
            let example = root().join("examples/synthetic.ron");
            std::fs::read_to_string(&example)
                .unwrap()
                .replace("\"test_fraction\": Float(0.25)", "\"test_fraction\": Float(0.0)")
        }),
    ]
}

/// Command lines on good flows with a bad argument, or on things that do not exist.
/// `<TMP>` stands for the temporary folder.
const BAD_ARGUMENTS: &[&[&str]] = &[
    &["run"],
    &["run", "no/such/flow.ron"],
    &[
        "run",
        "examples/regression.ron",
        "--param",
        "test_fraction=2",
    ],
    &["run", "examples/regression.ron", "-p", "test_fraction=abc"],
    &["run", "examples/regression.ron", "-p", "folds=3"],
    &["run", "examples/regression.ron", "-p", "test_fraction"],
    &["run", "examples/regression.ron", "--sweep", "folds=2,3"],
    &[
        "run",
        "examples/regression.ron",
        "--sweep",
        "test_fraction=0.2,two",
    ],
    &[
        "run",
        "examples/regression.ron",
        "--sweep",
        "test_fraction=0.2,7",
    ],
    &["run", "examples/regression.ron", "--sweep", "test_fraction"],
    &[
        "run",
        "examples/regression.ron",
        "--sweep",
        "test_fraction=0.2",
        "-p",
        "test_fraction=0.3",
    ],
    &["runs", "--status", "weird"],
    &["show", "nope"],
    &["resume", "nope"],
    &["compare", "nope"],
    &["tag", "nope", "x"],
    &["delete", "nope", "--yes"],
    &["compare", "--best", "0", "--metric", "rmse"],
    &["run", "examples/regression.ron", "-p", "test_fraction=1"],
    &["run", "examples/synthetic.ron", "-p", "noise=inf"],
    &["run", "examples/synthetic.ron", "-p", "noise=NaN"],
    &["validate", "no/such/flow.ron"],
    &["validate", "<TMP>/not_utf8.ron"],
    // The regression example copied away from its data file.
    &["validate", "<TMP>/moved/regression.ron"],
    // The load step fails on a ragged row: the run fails and names the step.
    &["run", "<TMP>/ragged/flow.ron"],
    // A data file saved as UTF-16.
    &["run", "<TMP>/utf16/flow.ron"],
];

/// Replaces what changes from run to run: the temporary folder, run ids, durations.
fn stable(s: &str, tmp: &Path) -> String {
    let mut s = s.to_owned();
    let canonical = tmp.canonicalize().unwrap_or_else(|_| tmp.to_owned());
    for p in [canonical, tmp.to_owned()] {
        s = s.replace(p.to_str().expect("a UTF-8 temporary path"), "<TMP>");
    }
    replace_durations(&replace_run_ids(&s))
}

/// Durations such as `7µs`, `23.0ms`, `1.2s` become `<T>`. The step table
/// right-aligns them, so the spaces before one are folded to two.
fn replace_durations(s: &str) -> String {
    let is_duration = |w: &str| {
        let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
        let unit = &w[digits.len()..];
        matches!(unit, "ns" | "µs" | "us" | "ms" | "s" | "m" | "h")
            && digits.starts_with(|c: char| c.is_ascii_digit())
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    };
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        let mut rest = line;
        while !rest.is_empty() {
            let word_start = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            let (space, tail) = rest.split_at(word_start);
            let word_end = tail.find(char::is_whitespace).unwrap_or(tail.len());
            let (word, after) = tail.split_at(word_end);
            if !word.is_empty() && is_duration(word) {
                out.push_str(if space.len() >= 2 { "  " } else { space });
                out.push_str("<T>");
            } else {
                out.push_str(space);
                out.push_str(word);
            }
            rest = after;
        }
    }
    out
}

/// Run ids look like `20260102-030405-abcdef` (date, time, six hex digits).
fn replace_run_ids(s: &str) -> String {
    let is_id = |w: &[u8]| {
        w.len() == 22
            && w[..8].iter().all(u8::is_ascii_digit)
            && w[8] == b'-'
            && w[9..15].iter().all(u8::is_ascii_digit)
            && w[15] == b'-'
            && w[16..]
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
    };
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if i + 22 <= bytes.len() && is_id(&bytes[i..i + 22]) {
            out.push_str("<RUN>");
            i += 22;
        } else {
            // Copy one whole character (the text is UTF-8: ids are ASCII).
            let ch = s[i..].chars().next().expect("i is on a char boundary");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Runs `pipewright args…` on a store in `tmp` and appends a section to `report`.
fn record(report: &mut String, tmp: &Path, args: &[String]) {
    let out = pipewright(&tmp.join("store"))
        .args(args)
        .output()
        .expect("pipewright starts");
    let (stdout, stderr) = text(&out);
    let shown: Vec<String> = args.iter().map(|a| stable(a, tmp)).collect();
    writeln!(report, "=== pipewright {}", shown.join(" ")).unwrap();
    match out.status.code() {
        Some(code) => writeln!(report, "exit: {code}").unwrap(),
        None => writeln!(report, "exit: killed by a signal").unwrap(),
    }
    for (name, stream) in [("stdout", stdout), ("stderr", stderr)] {
        if !stream.is_empty() {
            writeln!(report, "--- {name}").unwrap();
            report.push_str(&stable(&stream, tmp));
            if !stream.ends_with('\n') {
                report.push('\n');
            }
        }
    }
    report.push('\n');
}

/// Every case in order: the bad flows run and validated, then the bad arguments.
fn report(tmp: &Path) -> String {
    let mut report = String::from(
        "# The command line's error messages, one section per case: the command, its exit\n\
         # code, what it printed. Written by tests/errors.rs; rewrite with\n\
         # PIPEWRIGHT_UPDATE_EXPECTED=1 cargo test -p pipewright --test e2e errors::\n\n",
    );
    for (file, content) in bad_flows() {
        let path = tmp.join(file);
        std::fs::write(&path, content).unwrap();
        let path = path.to_str().unwrap().to_owned();
        record(&mut report, tmp, &["run".into(), path.clone()]);
        record(&mut report, tmp, &["validate".into(), path]);
    }
    // The regression example reading a data file with a ragged row.
    let ragged = tmp.join("ragged");
    std::fs::create_dir_all(&ragged).unwrap();
    let example = root().join("examples/regression.ron");
    let flow =
        std::fs::read_to_string(&example).unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    assert!(flow.contains("../assets/data/regression_dataset.txt"));
    std::fs::write(
        ragged.join("flow.ron"),
        flow.replace("../assets/data/regression_dataset.txt", "data.tsv"),
    )
    .unwrap();
    std::fs::write(ragged.join("data.tsv"), "1.0\t2.0\n3.0\n4.0\t5.0\n").unwrap();
    std::fs::write(
        tmp.join("not_utf8.ron"),
        b"Flow(\n    format: 1,\n    name: \"caf\xe9\",\n)\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.join("moved")).unwrap();
    std::fs::copy(&example, tmp.join("moved/regression.ron")).unwrap();
    let utf16 = tmp.join("utf16");
    std::fs::create_dir_all(&utf16).unwrap();
    std::fs::write(
        utf16.join("flow.ron"),
        flow.replace("../assets/data/regression_dataset.txt", "data.tsv"),
    )
    .unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(
        "1.0\t2.0\n3.0\t4.0\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    std::fs::write(utf16.join("data.tsv"), bytes).unwrap();
    let tmp_text = tmp.to_str().unwrap();
    for args in BAD_ARGUMENTS {
        let args: Vec<String> = args.iter().map(|a| a.replace("<TMP>", tmp_text)).collect();
        record(&mut report, tmp, &args);
    }
    report
}

/// A line diff of `expected` → `actual` (longest common subsequence), `-`/`+` marked,
/// with the line numbers of the expected file.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            writeln!(out, "{:>4} - {}", i + 1, a[i]).unwrap();
            i += 1;
        } else {
            writeln!(out, "{:>4} + {}", i + 1, b[j]).unwrap();
            j += 1;
        }
    }
    out
}

#[test]
fn error_messages_match_the_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let actual = report(tmp.path());
    let path: PathBuf = root().join(EXPECTED);
    if std::env::var_os("PIPEWRIGHT_UPDATE_EXPECTED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write it with PIPEWRIGHT_UPDATE_EXPECTED=1",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "the error messages differ from {EXPECTED} (- expected, + actual; line numbers \
         of the expected file). If the change is intended, rewrite the file with \
         PIPEWRIGHT_UPDATE_EXPECTED=1 cargo test -p pipewright --test e2e errors::\n\n{}",
        diff(&expected, &actual)
    );
}

#[test]
fn run_ids_and_the_temporary_folder_are_replaced() {
    let tmp = Path::new("/tmp/abc");
    assert_eq!(
        stable(
            "/tmp/abc/x.ron: no run \"20260102-030405-0a1b2c\"; 20260102-03040",
            tmp
        ),
        "<TMP>/x.ron: no run \"<RUN>\"; 20260102-03040"
    );
    assert_eq!(
        replace_durations("  ✓ Start   done        7µs\nrun x done in 47.0ms (store: 5s)\n"),
        "  ✓ Start   done  <T>\nrun x done in <T> (store: 5s)\n"
    );
    assert_eq!(
        diff("a\nb\nc\n", "a\nc\nd\n"),
        "   2 - b\n   4 + d\n",
        "a readable diff"
    );
}
