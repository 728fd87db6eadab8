//! The store under the faults a user meets (issue 8, part 4): deleting runs while a
//! flow runs, flipped bytes in blobs and in the stored copy of a data file, an
//! unreadable record, empty and partial run ids, listings and deletes at once, and
//! the temp file of a killed writer.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipewright_engine::{Encoding, Store};

use crate::util::{expect_code, pipewright, run, text};

/// Runs the regression example on a store and returns the new run's id.
fn regression_run(store: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", "examples/regression.ron"];
    args.extend_from_slice(extra);
    let (out, _) = expect_code(&run(store, &args), 0);
    run_id(&out)
}

/// The run id in a `run …` command's closing line (`run ID done in …`).
fn run_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("run ")?.split_whitespace().next())
        .unwrap_or_else(|| panic!("no run id in:\n{stdout}"))
        .to_owned()
}

/// Every blob file of a store with this extension.
fn blob_files(store: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(store.join("blobs")).unwrap().flatten() {
        for f in std::fs::read_dir(shard.path()).unwrap().flatten() {
            if f.path().extension().is_some_and(|e| e == ext) {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}

/// Flips 3 bytes in the middle of a file, as a failing disk or a stray write would.
fn flip_3_bytes(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 3] {
        *b ^= 0x5a;
    }
    std::fs::write(path, bytes).unwrap();
}

/// The metric lines (`Metrics.mse   2.150514`) a run printed.
fn metric_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("Metrics."))
        .map(str::to_owned)
        .collect()
}

// The loop: start a run, sleep 0.0N s, delete the older runs. The run reuses
// every step from the cache; a GC between its cache lookup and its journal line used
// to collect the reused blobs (7 of 30 rounds), so its export then failed. Bounded:
// 30 rounds or 60 s, whichever comes first.
#[test]
fn deleting_older_runs_while_a_flow_runs_never_loses_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut older = vec![regression_run(&store, &[])];
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut rounds = 0;
    while rounds < 30 && Instant::now() < deadline {
        // Cached results computed long ago (yesterday's run): the "touched since the
        // oldest live run started" rule alone keeps none of them.
        for ext in ["parquet", "zst"] {
            for f in blob_files(&store, ext) {
                let f = std::fs::File::options().append(true).open(f).unwrap();
                f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
                    .unwrap();
            }
        }
        let child = pipewright(&store)
            .args(["run", "examples/regression.ron"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(10 * (rounds % 8)));
        let mut delete = vec!["delete", "--yes"];
        delete.extend(older.iter().map(String::as_str));
        expect_code(&run(&store, &delete), 0);
        let (out, _) = expect_code(&child.wait_with_output().unwrap(), 0);
        let id = run_id(&out);
        let export = dir.path().join(format!("data-{rounds}.parquet"));
        let export_arg = export.to_str().unwrap();
        expect_code(
            &run(
                &store,
                &["export", &id, "--step", "Load dataset", "--out", export_arg],
            ),
            0,
        );
        older = vec![id];
        rounds += 1;
    }
    assert!(rounds >= 10, "only {rounds} rounds in 60 s");
    let (out, _) = expect_code(&run(&store, &["verify"]), 0);
    assert!(out.contains("all is well"), "{out}");
}

// Flipped bytes in a stored table: reading it is an error naming the blob (never a
// wrong number), the next run recomputes instead of reusing it and rewrites the file.
#[test]
fn a_damaged_blob_is_named_recomputed_and_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (first, _) = expect_code(&run(&store, &["run", "examples/regression.ron"]), 0);
    let id = run_id(&first);
    let tables = blob_files(&store, "parquet");
    assert!(!tables.is_empty());
    for t in &tables {
        flip_3_bytes(t);
    }
    let out_file = dir.path().join("data.csv");
    let export = run(
        &store,
        &[
            "export",
            &id,
            "--step",
            "Load dataset",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    let (_, err) = expect_code(&export, 2);
    assert!(
        err.contains("is damaged") && err.contains(&id) && err.contains("blobs"),
        "{err}"
    );

    let (verify, _) = expect_code(&run(&store, &["verify"]), 1);
    assert!(
        verify.contains("damaged blob") && verify.contains(&id),
        "{verify}"
    );

    let (again, _) = expect_code(&run(&store, &["run", "examples/regression.ron"]), 0);
    assert_eq!(metric_lines(&again), metric_lines(&first), "{again}");
    // The rerun wrote the damaged tables again: the first run's data reads back.
    expect_code(
        &run(
            &store,
            &[
                "export",
                &id,
                "--step",
                "Load dataset",
                "--out",
                out_file.to_str().unwrap(),
            ],
        ),
        0,
    );
    let (verify, _) = expect_code(&run(&store, &["verify"]), 0);
    assert!(verify.contains("all is well"), "{verify}");

    // `--no-cache` heals a damaged blob too (an existing file used to be kept as it was).
    for t in blob_files(&store, "parquet") {
        flip_3_bytes(&t);
    }
    let (fresh, _) = expect_code(
        &run(&store, &["run", "examples/regression.ron", "--no-cache"]),
        0,
    );
    assert_eq!(metric_lines(&fresh), metric_lines(&first));
    expect_code(&run(&store, &["verify"]), 0);
}

// A replay reads the stored copy of each data file: a copy whose bytes no longer match
// its recorded hash fails the step with a message naming the blob, instead of
// replaying other data.
#[test]
fn a_replay_checks_the_stored_copy_of_a_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let id = regression_run(&store_dir, &[]);
    let store = Store::open(&store_dir).unwrap();
    let record = store.run(&id).unwrap();
    let kept = record
        .tasks
        .iter()
        .flat_map(|t| t.included.iter())
        .next()
        .expect("the run read a data file")
        .clone();
    // A well-formed copy of other data under the old name: it unpacks fine, only its
    // hash tells.
    let data = std::fs::read(&kept.path).unwrap();
    let mut other = data.clone();
    let digit = other.iter().position(|b| b.is_ascii_digit()).unwrap();
    other[digit] = if other[digit] == b'9' { b'1' } else { b'9' };
    let shard = store_dir.join("blobs").join(&kept.hash[..2]);
    let path = shard.join(format!("{}.zst", &kept.hash[2..]));
    assert!(path.exists(), "{}", path.display());
    std::fs::write(&path, zstd_pack(&other)).unwrap();

    let (out, err) = expect_code(&run(&store_dir, &["replay", &id, "--no-cache"]), 1);
    let all = format!("{out}{err}");
    assert!(
        all.contains("is damaged") && all.contains(&kept.hash),
        "{all}"
    );
    assert!(store.get_blob(&kept.hash, Encoding::Raw).is_err());
}

/// Packs bytes into a valid zstd frame, as the store keeps raw data files.
fn zstd_pack(bytes: &[u8]) -> Vec<u8> {
    // The store packs with zstd; a frame of stored (uncompressed) blocks is valid zstd
    // and needs no encoder here: magic, frame header (single segment, 4-byte size),
    // then raw blocks of at most 128 KiB.
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0xa0];
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    let chunks: Vec<&[u8]> = bytes.chunks(128 * 1024).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = u32::from(i + 1 == chunks.len());
        let header = last | ((chunk.len() as u32) << 3); // block type 0: raw
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(chunk);
    }
    out
}

// One record with a null where a number belongs (what `-p noise=inf` wrote): every
// command keeps working for every other run, listings say which folder they skip,
// and `verify --repair` moves it aside.
#[test]
fn one_unreadable_record_breaks_no_command() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let a = regression_run(&store_dir, &[]);
    let b = regression_run(&store_dir, &["-p", "test_fraction=0.3"]);
    let damaged = regression_run(&store_dir, &["-p", "test_fraction=0.25"]);
    let record = Store::open(&store_dir)
        .unwrap()
        .run_dir("regression", &damaged)
        .join("run.json");
    let text_before = std::fs::read_to_string(&record).unwrap();
    let (at, _) = text_before
        .match_indices("\"duration_secs\": ")
        .next()
        .expect("a task duration in the record");
    let end = at + text_before[at..].find([',', '\n']).unwrap();
    let broken = format!(
        "{}\"duration_secs\": null{}",
        &text_before[..at],
        &text_before[end..]
    );
    std::fs::write(&record, broken).unwrap();

    let (out, err) = expect_code(&run(&store_dir, &["runs"]), 0);
    assert!(
        out.contains(&a) && out.contains(&b) && !out.contains(&damaged),
        "{out}"
    );
    assert!(err.contains(&damaged) && err.contains("null"), "{err}");
    expect_code(
        &run(&store_dir, &["compare", "--best", "2", "--metric", "mse"]),
        0,
    );
    expect_code(&run(&store_dir, &["show", &a]), 0);
    let (_, err) = expect_code(&run(&store_dir, &["show", &damaged]), 2);
    assert!(err.contains("run.json") && err.contains("null"), "{err}");
    expect_code(&run(&store_dir, &["delete", &b, "--yes"]), 0);

    let (out, _) = expect_code(&run(&store_dir, &["verify"]), 1);
    assert!(
        out.contains("damaged record") && out.contains(&damaged),
        "{out}"
    );
    let (out, _) = expect_code(&run(&store_dir, &["verify", "--repair"]), 1);
    assert!(out.contains("moved") && out.contains("damaged"), "{out}");
    let (out, err) = expect_code(&run(&store_dir, &["runs"]), 0);
    assert!(out.contains(&a) && err.is_empty(), "{out}{err}");
    expect_code(&run(&store_dir, &["verify"]), 0);
    assert!(
        store_dir
            .join("damaged")
            .join("regression")
            .join(&damaged)
            .is_dir()
    );
}

// `delete ""` used to delete whatever the folder listing returned first.
#[test]
fn empty_and_ambiguous_run_ids_are_refused_and_any_unique_part_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let a = regression_run(&store, &[]);
    let b = regression_run(&store, &[]);
    for args in [
        &["delete", "", "--yes"][..],
        &["show", ""],
        &["resume", ""],
        &["delete", " ", "--yes"],
    ] {
        let (_, err) = expect_code(&run(&store, args), 2);
        assert!(err.contains("empty run id"), "{args:?}: {err}");
    }
    let (out, _) = expect_code(&run(&store, &["runs"]), 0);
    assert!(
        out.contains(&a) && out.contains(&b),
        "nothing was deleted:\n{out}"
    );
    // The random part alone, without the date.
    let (out, _) = expect_code(&run(&store, &["show", &a[a.len() - 6..]]), 0);
    assert!(out.contains(&a), "{out}");
    let (_, err) = expect_code(&run(&store, &["show", &a[..8]]), 2);
    assert!(
        err.contains("ambiguous") && err.contains(&a) && err.contains(&b),
        "{err}"
    );
}

// Listings while two processes delete the same runs: no listing fails (14 of 84 did)
// and both deletes exit 0 (10 of 20 exited 2). Bounded: 5 rounds of 6 runs.
#[test]
fn listings_and_two_deletes_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for _round in 0..5 {
        let ids: Vec<String> = (0..6).map(|_| regression_run(&store, &[])).collect();
        let spawn = |args: Vec<&str>| -> std::process::Child {
            pipewright(&store)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let mut delete = vec!["delete", "--yes"];
        delete.extend(ids.iter().map(String::as_str));
        let mut children: Vec<std::process::Child> = (0..3).map(|_| spawn(vec!["runs"])).collect();
        children.push(spawn(delete.clone()));
        children.push(spawn(delete.clone()));
        children.extend((0..3).map(|_| spawn(vec!["runs"])));
        for c in children {
            let out = c.wait_with_output().unwrap();
            expect_code(&out, 0);
        }
        let (out, _) = expect_code(&run(&store, &["runs"]), 0);
        assert!(ids.iter().all(|id| !out.contains(id)), "{out}");
    }
}

// A writer killed mid-blob leaves `.NAME.PID.RANDOM.tmp`; the next GC (any delete)
// removes it, while a live writer's temp file stays.
#[test]
fn the_temp_file_of_a_killed_blob_write_is_collected() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let a = regression_run(&store, &[]);
    let b = regression_run(&store, &["--no-cache"]);
    let mut dead = Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let shard = store.join("blobs").join("ab");
    std::fs::create_dir_all(&shard).unwrap();
    let orphan = shard.join(format!(".cdef.parquet.{dead_pid}.9a3f.tmp"));
    std::fs::write(&orphan, vec![0u8; 1 << 20]).unwrap();
    let live = shard.join(format!(".cdef.parquet.{}.9a3f.tmp", std::process::id()));
    std::fs::write(&live, b"being written").unwrap();
    expect_code(&run(&store, &["delete", &a, "--yes"]), 0);
    assert!(!orphan.exists(), "the killed writer's temp file is gone");
    assert!(live.exists(), "a live writer's temp file is left alone");
    let (out, _) = text(&run(&store, &["show", &b]));
    assert!(out.contains(&b));
}
