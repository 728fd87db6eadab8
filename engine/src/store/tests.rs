//! Store tests: runs, blobs, tags, delete + GC, concurrent writers.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::artifact::Encoding;
use crate::flow::{Flow, Node, NodeId};
use crate::record::{RunRecord, RunStatus, StepStatus, TaskRecord};
use crate::run::{Engine, RunOptions};
use crate::testkit;
use crate::value::Value;

fn record(flow: &str) -> RunRecord {
    RunRecord {
        id: String::new(),
        flow_name: flow.into(),
        flow: Flow::new(flow),
        base_dir: PathBuf::from("."),
        params: Default::default(),
        user: "u".into(),
        host: "h".into(),
        started_at: chrono::Utc::now(),
        finished_at: None,
        status: RunStatus::Running,
        resumed_from: None,
        flow_path: None,
        tags: vec![],
        tasks: vec![],
    }
}

fn task(id: u32) -> TaskRecord {
    TaskRecord {
        node: NodeId(id),
        label: format!("t{id}"),
        kind: "k".into(),
        index: None,
        item: Default::default(),
        status: StepStatus::Done,
        message: None,
        duration_secs: 0.1,
        cache_key: "k".into(),
        params: Default::default(),
        outputs: Default::default(),
        logs: vec![],
        included: vec![],
        reused_from: None,
        original_duration_secs: None,
        chosen: None,
        dropped: Vec::new(),
    }
}

#[test]
fn a_live_run_reads_as_running_and_a_dead_one_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut writer = store.create_run(record("f")).unwrap();
    writer.append_task(task(1)).unwrap();
    let id = writer.id().to_owned();
    let live = store.run(&id).unwrap();
    assert_eq!(live.status, RunStatus::Running);
    assert_eq!(live.tasks.len(), 1);
    // Dropping the writer without finishing releases the lock, as process death does.
    drop(writer);
    let run_dir = store.run_dir("f", &id);
    // A process killed mid-append leaves a torn last line.
    let mut journal = OpenOptions::new()
        .append(true)
        .open(run_dir.join("tasks.jsonl"))
        .unwrap();
    journal.write_all(b"{\"node\":2,\"lab").unwrap();
    let dead = store.run(&id).unwrap();
    assert_eq!(dead.status, RunStatus::Interrupted);
    assert_eq!(
        dead.tasks.len(),
        1,
        "the finished task survives, the torn line is skipped"
    );
}

#[test]
fn run_ids_are_unique_and_prefixes_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let ids: Vec<String> = (0..50)
        .map(|_| {
            store
                .create_run(record("f"))
                .unwrap()
                .finish(RunStatus::Done)
                .unwrap()
                .id
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 50);
    assert_eq!(store.run(&ids[7]).unwrap().id, ids[7]);
    assert!(matches!(store.run("2"), Err(StoreError::Ambiguous { .. })));
    assert!(matches!(store.run("nope"), Err(StoreError::NoRun(_))));
    assert_eq!(store.runs(Some("f")).unwrap().len(), 50);
}

#[test]
fn identical_blobs_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = store.put_blob(Encoding::Json, b"{\"x\":1}").unwrap();
    let b = store.put_blob(Encoding::Json, b"{\"x\":1}").unwrap();
    assert_eq!(a, b);
    let files = walk(&dir.path().join("blobs"));
    assert_eq!(files, 1);
    assert_eq!(store.get_blob(&a, Encoding::Json).unwrap(), b"{\"x\":1}");
}

//  run A: const(1) ──▶ add(+1)      run B: const(1) ──▶ add(+5)
// Both share the const output blob; deleting A keeps it, deleting B too frees it.
#[test]
fn deleting_a_run_collects_only_unreferenced_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(
        Arc::new(testkit::registry()),
        Store::open(dir.path()).unwrap(),
    );
    let flow = |v: f64| {
        let mut f = Flow::new("gc");
        for (id, kind, value) in [(1, "const", 1.0), (2, "add", v)] {
            f.nodes.push(Node {
                id: NodeId(id),
                kind: kind.into(),
                label: kind.into(),
                params: [("value".to_owned(), Value::Float(value).into())].into(),
                pos: (0.0, 0.0),
            });
        }
        f.edges
            .push(crate::flow::Edge::new(NodeId(1), "out", NodeId(2), "in"));
        f
    };
    let opts = || RunOptions {
        no_cache: true,
        ..Default::default()
    };
    let a = engine.run(&flow(1.0), opts(), |_| {}).unwrap();
    let b = engine.run(&flow(5.0), opts(), |_| {}).unwrap();
    let store = engine.store();
    assert_eq!(
        walk(&dir.path().join("blobs")),
        3,
        "shared const blob + two sums"
    );

    let report = store.delete_runs(&[&a.id]).unwrap();
    assert_eq!(report.blobs, 1, "only A's sum goes");
    assert!(matches!(store.run(&a.id), Err(StoreError::Deleted(_))));
    assert!(
        store.delete_runs(&[&a.id]).is_ok(),
        "deleting it again has nothing to do"
    );
    let b_again = store.run(&b.id).unwrap();
    let shared = store.run_artifact(&b_again, "const", "out", engine.registry().artifact_types());
    assert!(shared.is_ok(), "the blob shared with B survives");

    let report = store.delete_runs(&[&b.id]).unwrap();
    assert_eq!(report.blobs, 2);
    assert_eq!(walk(&dir.path().join("blobs")), 0);
    assert!(
        report.cache_entries >= 2,
        "cache entries to deleted blobs are dropped"
    );
}

#[test]
fn tags_are_kept_beside_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let id = store
        .create_run(record("t"))
        .unwrap()
        .finish(RunStatus::Done)
        .unwrap()
        .id;
    let tagged = store
        .set_tags(
            &id,
            &["best ".into(), "".into(), "baseline".into(), "best".into()],
        )
        .unwrap();
    assert_eq!(tagged.tags, ["baseline", "best"]);
    assert_eq!(store.run(&id).unwrap().tags, ["baseline", "best"]);
    store.set_tags(&id, &[]).unwrap();
    assert!(store.run(&id).unwrap().tags.is_empty());
}

#[test]
fn a_running_run_cannot_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let w = store.create_run(record("r")).unwrap();
    let err = store.delete_runs(&[w.id()]).unwrap_err();
    assert!(err.to_string().contains("still running"), "{err}");
}

fn walk(p: &Path) -> usize {
    fs::read_dir(p)
        .unwrap()
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

// Many runs of one flow at once, on one store, from several threads: every run
// is kept, complete and correct.
#[test]
fn concurrent_runs_share_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(
        Arc::new(testkit::registry()),
        Store::open(dir.path()).unwrap(),
    );
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                let mut flow = Flow::new("shared");
                flow.nodes.push(Node {
                    id: NodeId(1),
                    kind: "const".into(),
                    label: "c".into(),
                    params: [("value".to_owned(), Value::Float(f64::from(i % 2)).into())].into(),
                    pos: (0.0, 0.0),
                });
                engine.run(&flow, RunOptions::default(), |_| {}).unwrap()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().status, RunStatus::Done);
    }
    let runs = engine.store().runs(Some("shared")).unwrap();
    assert_eq!(runs.len(), 8);
    assert!(
        runs.iter()
            .all(|r| r.status == RunStatus::Done && r.tasks.len() == 1)
    );
}

// ---- Faults a user meets (issue 8, part 4) ----

/// A blob stored as it is (parquet is kept unpacked), so a test can damage its bytes.
fn stored_blob(store: &Store, bytes: &[u8]) -> (String, PathBuf) {
    let hash = store.put_blob(Encoding::Parquet, bytes).unwrap();
    let path = store.blob_path(&hash, Encoding::Parquet);
    (hash, path)
}

fn flip_bytes(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    for b in bytes.iter_mut().take(3) {
        *b ^= 0x5a;
    }
    fs::write(path, bytes).unwrap();
}

fn age(path: &Path, secs: u64) {
    let f = fs::File::options().append(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(secs))
        .unwrap();
}

/// A finished run of flow `flow` whose one task outputs the blob `hash`.
fn run_naming(store: &Store, flow: &str, hash: &str) -> String {
    let mut w = store.create_run(record(flow)).unwrap();
    let mut t = task(1);
    t.outputs.insert(
        "out".into(),
        crate::artifact::ArtifactRef {
            hash: hash.to_owned(),
            type_name: "number".into(),
            encoding: Encoding::Parquet,
            bytes: 3,
            summary: String::new(),
            metrics: None,
            goals: Default::default(),
        },
    );
    w.append_task(t).unwrap();
    w.finish(RunStatus::Done).unwrap().id
}

#[test]
fn a_damaged_blob_is_an_error_naming_it_and_its_runs_and_writing_it_again_heals_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (hash, path) = stored_blob(&store, b"table bytes");
    let id = run_naming(&store, "f", &hash);
    flip_bytes(&path);
    let err = store.get_blob(&hash, Encoding::Parquet).unwrap_err();
    assert!(matches!(err, StoreError::CorruptBlob { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&hash) && msg.contains(&id), "{msg}");
    // A packed (zstd) blob: flipped bytes are caught too, whether they unpack or not.
    let packed = store.put_blob(Encoding::Json, b"{\"mse\": 2.41}").unwrap();
    flip_bytes(&store.blob_path(&packed, Encoding::Json));
    assert!(matches!(
        store.get_blob(&packed, Encoding::Json),
        Err(StoreError::CorruptBlob { .. })
    ));
    // Recomputing the same content (a cache miss, `--no-cache`) rewrites the file.
    store.put_blob(Encoding::Parquet, b"table bytes").unwrap();
    assert_eq!(
        store.get_blob(&hash, Encoding::Parquet).unwrap(),
        b"table bytes"
    );
    store.put_blob(Encoding::Json, b"{\"mse\": 2.41}").unwrap();
    assert_eq!(
        store.get_blob(&packed, Encoding::Json).unwrap(),
        b"{\"mse\": 2.41}"
    );
}

#[test]
fn one_unreadable_record_does_not_break_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (kept, _) = stored_blob(&store, b"the damaged run's data");
    let damaged = run_naming(&store, "f", &kept);
    let (other_blob, _) = stored_blob(&store, b"another run's data");
    let good = run_naming(&store, "f", &other_blob);
    let third = run_naming(&store, "g", &other_blob);
    // What `-p noise=inf` used to write: a null where a number belongs.
    let record = store.run_dir("f", &damaged).join("run.json");
    let text = fs::read_to_string(&record).unwrap();
    assert!(text.contains("\"duration_secs\": 0.1"));
    fs::write(
        &record,
        text.replace("\"duration_secs\": 0.1", "\"duration_secs\": null"),
    )
    .unwrap();

    let runs = store.runs(None).unwrap();
    assert_eq!(runs.len(), 2, "the other runs are listed");
    let listing = store.listing(None).unwrap();
    assert_eq!(listing.damaged.len(), 1);
    assert!(listing.damaged[0].dir.ends_with(&damaged));
    let error = &listing.damaged[0].error;
    assert!(
        error.contains("run.json") && error.contains("null"),
        "{error}"
    );
    assert_eq!(store.run(&good).unwrap().id, good);
    // Deleting another run keeps the blobs the damaged record's journal names.
    store.delete_runs(&[&good]).unwrap();
    assert!(store.get_blob(&kept, Encoding::Parquet).is_ok());
    assert_eq!(store.runs(None).unwrap()[0].id, third);

    let found = store.verify().unwrap();
    assert_eq!(found.damaged_records.len(), 1);
    assert!(!found.is_clean());
    let repaired = store.repair(&found).unwrap();
    assert_eq!(repaired.moved_records.len(), 1);
    assert!(
        repaired.moved_records[0]
            .1
            .starts_with(dir.path().join("damaged"))
    );
    assert!(store.listing(None).unwrap().damaged.is_empty());
    assert!(store.verify().unwrap().is_clean());
    store.delete_runs(&[&third]).unwrap();
    assert!(
        store.get_blob(&kept, Encoding::Parquet).is_ok(),
        "a record moved aside keeps its data"
    );
}

#[test]
fn verify_names_damaged_and_missing_blobs_and_the_runs_they_affect() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (flipped, flipped_path) = stored_blob(&store, b"flipped");
    let (gone, gone_path) = stored_blob(&store, b"gone");
    let (fine, _) = stored_blob(&store, b"fine");
    let a = run_naming(&store, "f", &flipped);
    let b = run_naming(&store, "f", &gone);
    run_naming(&store, "f", &fine);
    assert!(store.verify().unwrap().is_clean());
    flip_bytes(&flipped_path);
    fs::remove_file(&gone_path).unwrap();
    let found = store.verify().unwrap();
    assert_eq!(found.blobs_checked, 2);
    let by_hash = |h: &str| found.damaged_blobs.iter().find(|d| d.hash == h).unwrap();
    assert_eq!(by_hash(&flipped).runs, vec![a]);
    assert!(
        by_hash(&flipped).problem.contains("hash to"),
        "{:?}",
        by_hash(&flipped)
    );
    assert_eq!(by_hash(&gone).runs, vec![b]);
    assert_eq!(by_hash(&gone).problem, "missing");
    assert_eq!(found.damaged_blobs.len(), 2);
    let repaired = store.repair(&found).unwrap();
    assert_eq!(repaired.removed_blobs, vec![flipped_path.clone()]);
    assert!(!flipped_path.exists());
}

#[test]
fn empty_and_ambiguous_run_ids_are_refused_and_any_unique_part_matches() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = store
        .create_run(record("f"))
        .unwrap()
        .finish(RunStatus::Done)
        .unwrap()
        .id;
    let b = store
        .create_run(record("g"))
        .unwrap()
        .finish(RunStatus::Done)
        .unwrap()
        .id;
    for empty in ["", "  "] {
        assert!(matches!(store.run(empty), Err(StoreError::EmptyRunId)));
        assert!(
            store.delete_runs(&[empty]).is_err(),
            "delete \"\" deletes nothing"
        );
    }
    assert_eq!(store.runs(None).unwrap().len(), 2);
    // The random suffix alone (no date), as a user copies it from `runs`.
    let suffix = &a[a.len() - 6..];
    assert_eq!(store.run(suffix).unwrap().id, a);
    assert_eq!(store.run(&b[b.len() - 4..]).unwrap().id, b);
    let err = store.run(&a[..8]).unwrap_err();
    let StoreError::Ambiguous { matches, .. } = &err else {
        panic!("{err}")
    };
    assert!(matches.contains(&a) && matches.contains(&b), "{err}");
}

//  GC (delete R1) while a live run R2 reuses R1's blob X but has not journalled it yet.
//  R1: ──X──▶ done                R2: lookup X ─ hold X ─ load X ─ ··· ─ journal X
//                                                  delete R1 + gc ▲
#[test]
fn gc_keeps_the_blobs_a_live_run_holds_until_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (x, x_path) = stored_blob(&store, b"reused output");
    let r1 = run_naming(&store, "f", &x);
    // Written long ago: the "touched since the oldest live run started" rule alone
    // does not keep it.
    age(&x_path, 3600);
    let mut r2 = store.create_run(record("f")).unwrap();
    let reused = store.run(&r1).unwrap().tasks[0].clone();
    store.hold_task_blobs(r2.id(), &reused).unwrap();
    store.delete_runs(&[&r1]).unwrap();
    assert!(
        store.get_blob(&x, Encoding::Parquet).is_ok(),
        "the held blob survives the GC"
    );
    r2.append_task(reused).unwrap();
    let r2 = r2.finish(RunStatus::Done).unwrap();
    store.gc().unwrap();
    assert!(
        store.get_blob(&x, Encoding::Parquet).is_ok(),
        "now journalled"
    );
    store.delete_runs(&[&r2.id]).unwrap();
    assert!(!x_path.exists(), "a dead run's holds end with it");
    assert!(store.hold_blobs("nope", []).is_ok(), "nothing to hold");
}

#[test]
fn gc_removes_the_temp_files_killed_writers_left() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let shard = dir.path().join("blobs").join("ab");
    fs::create_dir_all(&shard).unwrap();
    // No process has this pid (above the kernel's pid_max).
    let orphan = shard.join(".cdef.zst.4294967.1f.tmp");
    let old = shard.join(format!(".cdef.zst.{}.2f.tmp", std::process::id()));
    let writing = shard.join(format!(".cdef.zst.{}.3f.tmp", std::process::id()));
    for p in [&orphan, &old, &writing] {
        fs::write(p, vec![0u8; 1000]).unwrap();
    }
    age(&old, 3600);
    let cache_orphan = dir.path().join("cache").join(".k.json.4294967.1f.tmp");
    fs::write(&cache_orphan, b"{").unwrap();
    let report = store.gc().unwrap();
    assert_eq!(report.temp_files, 3);
    assert!(!orphan.exists() && !old.exists() && !cache_orphan.exists());
    assert!(
        writing.exists(),
        "a live writer's fresh temp file is left alone"
    );
}

// Listings and deletes from several threads at once: a run vanishing under a listing is
// skipped, and deleting runs another thread deleted first succeeds.
#[test]
fn listing_during_deletes_and_concurrent_deletes_never_fail() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for _round in 0..5 {
        let ids: Vec<String> = (0..20)
            .map(|_| {
                store
                    .create_run(record("f"))
                    .unwrap()
                    .finish(RunStatus::Done)
                    .unwrap()
                    .id
            })
            .collect();
        std::thread::scope(|s| {
            let listers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        for _ in 0..20 {
                            store.runs(None).unwrap();
                            store.listing(Some("f")).unwrap();
                        }
                    })
                })
                .collect();
            let deleters: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        for id in &ids {
                            store.delete_runs(&[id]).unwrap();
                        }
                    })
                })
                .collect();
            for t in listers.into_iter().chain(deleters) {
                t.join().unwrap();
            }
        });
        assert!(store.runs(None).unwrap().is_empty());
    }
}
