//! `transform.kfold`: one fold of a k-fold split (scikit-learn's `KFold`, or
//! `StratifiedKFold` with a label column), as a train and a test table. Cross-
//! validation is a foreach over its `fold` parameter (`Folds.fold = folds`).

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::{TABLE, Table};
use crate::error::{NodeError, Result};
use crate::random::RandomState;
use crate::transform::split::classes;

/// `transform.kfold`.
pub struct KFold {
    desc: KindDescriptor,
}

impl KFold {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.kfold",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "K-fold split",
                doc: "One fold of a k-fold split: the fold's rows are the test table, every \
                      other row the training table, both in their original order. The rows \
                      are scikit-learn's KFold(n_splits=k, shuffle, random_state=seed) \
                      folds (the first rows % k folds one row larger), or with stratify \
                      naming a label column StratifiedKFold's, which keep each class's \
                      share in every fold. For cross-validation, vary fold over every fold \
                      with a Foreach (`K-fold split.fold = folds`) and join the folds' \
                      metrics with Collect (mean and standard deviation).",
                inputs: vec![PortSpec::new("table", TABLE, "the table to split")],
                outputs: vec![
                    PortSpec::new("train", TABLE, "every row outside the fold"),
                    PortSpec::new("test", TABLE, "the fold's rows"),
                ],
                params: vec![
                    ParamSpec::new(
                        "k",
                        ParamType::Int {
                            min: Some(2),
                            max: Some(1000),
                        },
                        Value::Int(5),
                        "the number of folds",
                    ),
                    ParamSpec::new(
                        "fold",
                        ParamType::Int {
                            min: Some(0),
                            max: Some(999),
                        },
                        Value::Int(0),
                        "which fold is the test table (0 to k - 1)",
                    ),
                    ParamSpec::new(
                        "shuffle",
                        ParamType::Bool,
                        Value::Bool(false),
                        "shuffle the rows before cutting folds (numpy's RandomState(seed))",
                    ),
                    ParamSpec::new(
                        "seed",
                        ParamType::Int {
                            min: Some(0),
                            max: Some(i64::from(u32::MAX)),
                        },
                        Value::Int(0),
                        "random_state for the shuffle",
                    ),
                    ParamSpec::new(
                        "stratify",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "a label column whose class shares every fold keeps (empty: plain k-fold)",
                    ),
                ],
            },
        }
    }
}

/// Each row's fold under scikit-learn's `KFold(k, shuffle, random_state=seed)`.
pub fn kfold_assignment(rows: usize, k: usize, shuffle: bool, seed: u32) -> Vec<usize> {
    let order: Vec<usize> = if shuffle {
        RandomState::new(seed).permutation(rows)
    } else {
        (0..rows).collect()
    };
    let mut fold_of = vec![0; rows];
    let mut at = 0;
    for f in 0..k {
        let size = rows / k + usize::from(f < rows % k);
        for &r in &order[at..at + size] {
            fold_of[r] = f;
        }
        at += size;
    }
    fold_of
}

/// Each row's fold under scikit-learn 1.9.1's `StratifiedKFold(k, shuffle,
/// random_state=seed)` for the class index `y` of every row (any numbering): classes
/// are renumbered by first appearance, each fold takes the class counts of every k-th
/// row of the sorted labels, and each class's rows get their folds in row order
/// (shuffled per class, in that order, with one RandomState).
pub fn stratified_assignment(
    column: &str,
    y: &[usize],
    k: usize,
    shuffle: bool,
    seed: u32,
) -> Result<Vec<usize>> {
    let n_sorted = y.iter().max().map_or(0, |m| m + 1);
    let mut first = vec![usize::MAX; n_sorted];
    for (row, &c) in y.iter().enumerate() {
        first[c] = first[c].min(row);
    }
    let mut by_first: Vec<usize> = (0..n_sorted).filter(|&c| first[c] != usize::MAX).collect();
    by_first.sort_by_key(|&c| first[c]);
    let mut renumber = vec![0; n_sorted];
    for (new, &old) in by_first.iter().enumerate() {
        renumber[old] = new;
    }
    let enc: Vec<usize> = y.iter().map(|&c| renumber[c]).collect();
    let n_classes = by_first.len();
    let mut counts = vec![0usize; n_classes];
    for &c in &enc {
        counts[c] += 1;
    }
    if counts.iter().all(|&n| n < k) {
        return Err(NodeError::Param {
            param: "k",
            message: format!(
                "k = {k} folds, but every class of column {column:?} has fewer rows (the \
                 largest has {}); lower k",
                counts.iter().max().copied().unwrap_or(0)
            ),
        });
    }
    let mut sorted = enc.clone();
    sorted.sort_unstable();
    // allocation[f][c]: rows of class c in fold f.
    let mut allocation = vec![vec![0usize; n_classes]; k];
    for (i, &c) in sorted.iter().enumerate() {
        allocation[i % k][c] += 1;
    }
    let mut rng = RandomState::new(seed);
    let mut fold_of = vec![0; y.len()];
    for c in 0..n_classes {
        let mut folds: Vec<usize> = Vec::with_capacity(counts[c]);
        for (f, alloc) in allocation.iter().enumerate() {
            folds.extend(std::iter::repeat_n(f, alloc[c]));
        }
        if shuffle {
            folds = rng.permuted(&folds);
        }
        let rows = enc
            .iter()
            .enumerate()
            .filter(|(_, e)| **e == c)
            .map(|(r, _)| r);
        for (r, f) in rows.zip(folds) {
            fold_of[r] = f;
        }
    }
    Ok(fold_of)
}

impl NodeKind for KFold {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let table = inputs.get::<Table>("table")?;
        let df = table.df();
        let k = params.int("k")? as usize;
        let fold = params.int("fold")? as usize;
        let shuffle = params.bool("shuffle")?;
        let seed = u32::try_from(params.int("seed")?)
            .map_err(|_| StepError::msg("parameter \"seed\" must be between 0 and 4294967295"))?;
        let stratify = params.text("stratify")?.trim();
        if fold >= k {
            return Err(NodeError::Param {
                param: "fold",
                message: format!(
                    "fold {fold} does not exist: k = {k} folds are 0 to {}",
                    k - 1
                ),
            }
            .into());
        }
        if df.height() < k {
            return Err(NodeError::Param {
                param: "k",
                message: format!(
                    "k = {k} folds of a table of {} rows; every fold needs a row",
                    df.height()
                ),
            }
            .into());
        }
        let fold_of = if stratify.is_empty() {
            kfold_assignment(df.height(), k, shuffle, seed)
        } else {
            let (_, y) = classes(df, stratify)?;
            stratified_assignment(stratify, &y, k, shuffle, seed)?
        };
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (row, &f) in fold_of.iter().enumerate() {
            if f == fold {
                test.push(row as IdxSize);
            } else {
                train.push(row as IdxSize);
            }
        }
        let take = |name: &str, rows: Vec<IdxSize>| {
            df.take(&IdxCa::from_vec(name.into(), rows))
                .map_err(NodeError::polars("cutting the fold"))
        };
        let (train, test) = (take("train", train)?, take("test", test)?);
        ctx.log(format!(
            "fold {fold} of {k}: train {} rows, test {} rows ({})",
            train.height(),
            test.height(),
            match (shuffle, stratify.is_empty()) {
                (true, true) => format!("shuffled, seed {seed}"),
                (true, false) => format!("stratified by {stratify:?}, shuffled, seed {seed}"),
                (false, false) => format!("stratified by {stratify:?}"),
                (false, true) => "in order".to_owned(),
            }
        ));
        Ok(Outputs::new()
            .with("train", table.derive(train))
            .with("test", table.derive(test)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kfold_folds_are_sklearns() {
        // KFold(3).split(range(10)): test folds [0..4), [4..7), [7..10).
        assert_eq!(
            kfold_assignment(10, 3, false, 0),
            [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
        );
        // KFold(3, shuffle=True, random_state=0) on 10 rows: test folds
        // [2 4 8 9], [1 6 7], [0 3 5] (scikit-learn 1.9.1).
        assert_eq!(
            kfold_assignment(10, 3, true, 0),
            [2, 1, 0, 2, 0, 2, 1, 1, 0, 0]
        );
    }

    #[test]
    fn stratified_folds_are_sklearns() {
        // y = [1,1,0,0,0,1,0,1,0,0]: StratifiedKFold(2) test folds from scikit-learn
        // 1.9.1: fold 0 = [0 1 2 3 4], fold 1 = [5 6 7 8 9].
        let y = [1, 1, 0, 0, 0, 1, 0, 1, 0, 0];
        let folds = stratified_assignment("y", &y, 2, false, 0).unwrap();
        assert_eq!(folds, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        // StratifiedKFold(3, shuffle=True, random_state=0): folds
        // [2 4 5 7], [0 3 9], [1 6 8].
        let folds = stratified_assignment("y", &y, 3, true, 0).unwrap();
        assert_eq!(folds, [1, 2, 0, 1, 0, 0, 2, 0, 2, 1]);
        let err = stratified_assignment("y", &[0, 1, 2], 2, false, 0).unwrap_err();
        assert!(
            err.to_string().contains("every class of column \"y\""),
            "{err}"
        );
    }
}
