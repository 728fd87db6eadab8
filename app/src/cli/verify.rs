//! `pipewright verify [--repair]`: checks every blob of the store against its hash and
//! every run record, says what is damaged and which runs it affects, and with
//! `--repair` removes damaged blobs (the next run computes them again) and moves
//! unreadable records aside to `STORE/damaged/`.

use pipewright_engine::Store;

use super::common::Outcome;

/// Verifies the store (and repairs it with `repair`). Exits 1 (`Outcome::RunFailed`,
/// the "something is wrong" exit) when anything was damaged, 0 when all is well.
pub fn verify(store: &Store, repair: bool) -> anyhow::Result<Outcome> {
    let found = store.verify()?;
    for d in &found.damaged_records {
        println!(
            "damaged record: {} ({}): the run cannot be listed, shown or resumed",
            d.dir.display(),
            d.error
        );
    }
    for b in &found.damaged_blobs {
        let runs = if b.runs.is_empty() {
            "no run".to_owned()
        } else {
            format!("run(s) {}", b.runs.join(", "))
        };
        println!(
            "damaged blob {} ({}): {}; affects {runs}",
            b.hash,
            b.path.display(),
            b.problem
        );
    }
    println!(
        "checked {} blob(s) and {} run record(s) in {}: {}",
        found.blobs_checked,
        found.runs_checked + found.damaged_records.len(),
        store.root().display(),
        if found.is_clean() {
            "all is well".to_owned()
        } else {
            format!(
                "{} damaged blob(s), {} damaged record(s)",
                found.damaged_blobs.len(),
                found.damaged_records.len()
            )
        }
    );
    if found.is_clean() {
        return Ok(Outcome::Success);
    }
    if !repair {
        println!(
            "pipewright verify --repair removes the damaged blobs and moves the damaged records aside"
        );
        return Ok(Outcome::RunFailed);
    }
    let done = store.repair(&found)?;
    for p in &done.removed_blobs {
        println!(
            "removed {} (the next run that needs it computes it again)",
            p.display()
        );
    }
    for (from, to) in &done.moved_records {
        println!("moved {} to {}", from.display(), to.display());
    }
    let missing = found
        .damaged_blobs
        .iter()
        .filter(|b| b.problem == "missing")
        .count();
    if missing > 0 {
        println!(
            "{missing} missing blob(s) cannot be restored: re-run the affected runs' flows to compute them again"
        );
    }
    if done.cache_entries > 0 {
        println!(
            "dropped {} cache entr(ies) naming a removed blob",
            done.cache_entries
        );
    }
    // Damage was found (and repaired): still exit 1 so a script notices it happened.
    Ok(Outcome::RunFailed)
}
