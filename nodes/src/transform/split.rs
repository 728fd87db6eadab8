//! `transform.split`: a train/test split with scikit-learn's sizes and rows, plain
//! (`ShuffleSplit`) or stratified (`StratifiedShuffleSplit`).

use std::collections::BTreeMap;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::{TABLE, Table};
use crate::error::{NodeError, Result};
use crate::random::RandomState;

/// `transform.split`.
pub struct Split {
    desc: KindDescriptor,
}

impl Split {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.split",
                // 2: shuffles with numpy's RandomState (scikit-learn's rows), not rand's StdRng.
                // 3: the `stratify` parameter (StratifiedShuffleSplit's rows).
                version: 3,
                category: crate::category::TRANSFORM,
                title: "Train/test split",
                doc: "Splits the rows into a training and a test table, like scikit-learn's \
                      train_test_split: the test table gets ceil(test_fraction × rows) rows, \
                      the training table the rest. Without shuffling, the training rows are \
                      the first ones and the test rows the last. With shuffling it picks \
                      exactly the rows scikit-learn picks for the same random_state: \
                      numpy's RandomState(seed).permutation(rows), the first \
                      ceil(test_fraction × rows) of it for test and the rest for train, \
                      each in permutation order. With stratify naming a label column it \
                      keeps each class's share in both tables and picks exactly the rows of \
                      scikit-learn's train_test_split(…, random_state=seed, stratify=y) \
                      (StratifiedShuffleSplit); every class needs at least 2 rows, and \
                      each side at least one row per class.",
                inputs: vec![PortSpec::new("table", TABLE, "the table to split")],
                outputs: vec![
                    PortSpec::new("train", TABLE, "rows to fit models on"),
                    PortSpec::new("test", TABLE, "rows held out to score them"),
                ],
                params: vec![
                    ParamSpec::new(
                        "test_fraction",
                        ParamType::Float {
                            min: Some(0.0),
                            max: Some(1.0),
                        },
                        Value::Float(0.2),
                        "share of the rows held out for testing",
                    )
                    .open_range(),
                    ParamSpec::new(
                        "shuffle",
                        ParamType::Bool,
                        Value::Bool(true),
                        "draw the rows at random (seeded) instead of first/last",
                    ),
                    ParamSpec::new(
                        "seed",
                        ParamType::Int {
                            min: Some(0),
                            max: Some(i64::from(u32::MAX)),
                        },
                        Value::Int(42),
                        "random seed of the shuffle (scikit-learn's random_state: the same \
                         seed gives the same rows)",
                    ),
                    ParamSpec::new(
                        "stratify",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "label column whose class proportions train and test keep, as \
                         scikit-learn's stratify=y (classes are its distinct values: text, \
                         integers, floats or booleans, no missing values); empty means no \
                         stratification. Needs shuffle on",
                    ),
                ],
            },
        }
    }
}

/// Sizes of the (train, test) sides, as scikit-learn computes them:
/// `n_test = ceil(test_fraction · n)`, `n_train = n − n_test`, neither side empty.
pub fn sizes(rows: usize, test_fraction: f64) -> Result<(usize, usize)> {
    let n_test = (test_fraction * rows as f64).ceil();
    let empty = |side| NodeError::EmptySplit {
        test_fraction,
        rows,
        side,
    };
    if n_test.is_nan() || n_test < 1.0 {
        return Err(empty("test"));
    }
    let n_test = n_test as usize;
    if n_test >= rows {
        return Err(empty("train"));
    }
    Ok((rows - n_test, n_test))
}

/// The (train, test) row indices of a shuffled split, as scikit-learn's
/// `ShuffleSplit` draws them for an integer `random_state`: `RandomState(seed)
/// .permutation(rows)`, its first `n_test` entries the test rows, the rest the train
/// rows, each in permutation order.
pub fn shuffled_rows(
    rows: usize,
    test_fraction: f64,
    seed: u32,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (_, n_test) = sizes(rows, test_fraction)?;
    let mut order = RandomState::new(seed).permutation(rows);
    let train = order.split_off(n_test);
    Ok((train, order))
}

/// `sklearn.utils.extmath._approximate_mode(class_counts, n_draws, rng)` (scikit-learn
/// 1.9.1), step for step: each class gets `floor(count / total · n_draws)` draws, and the
/// draws still missing go to the classes with the largest remainders, a tie among
/// remainders broken by `rng.choice(tied, size, replace=False)` — the draws scikit-learn
/// makes, so the stream stays in step with it.
pub fn approximate_mode(
    class_counts: &[usize],
    n_draws: usize,
    rng: &mut RandomState,
) -> Vec<usize> {
    let total = class_counts.iter().sum::<usize>() as f64;
    // numpy: `class_counts / class_counts.sum() * n_draws`, true division then product.
    let continuous: Vec<f64> = class_counts
        .iter()
        .map(|&c| c as f64 / total * n_draws as f64)
        .collect();
    let mut floored: Vec<f64> = continuous.iter().map(|c| c.floor()).collect();
    // The floored values are whole numbers far below 2^53, so any summation order is exact.
    let mut need_to_add = (n_draws as f64 - floored.iter().sum::<f64>()) as usize;
    if need_to_add > 0 {
        let remainder: Vec<f64> = continuous
            .iter()
            .zip(&floored)
            .map(|(c, f)| c - f)
            .collect();
        // `np.sort(np.unique(remainder))[::-1]`: the distinct remainders, largest first.
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let inds: Vec<usize> = (0..remainder.len())
                .filter(|&i| remainder[i] == value)
                .collect();
            let add_now = inds.len().min(need_to_add);
            // Called even when every tied class is taken: numpy still draws the permutation.
            for k in rng.choice_without_replacement(inds.len(), add_now) {
                floored[inds[k]] += 1.0;
            }
            need_to_add -= add_now;
            if need_to_add == 0 {
                break;
            }
        }
    }
    floored.into_iter().map(|f| f as usize).collect()
}

/// Why a stratified split cannot be made, in scikit-learn's conditions.
fn stratify_error(column: &str, message: String) -> NodeError {
    NodeError::Param {
        param: "stratify",
        message: format!("column {column:?}: {message}"),
    }
}

/// The (train, test) row indices of a stratified split, as scikit-learn 1.9.1's
/// `StratifiedShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)`
/// draws them. `labels` are the classes in `np.unique`'s order (sorted) and `y` the
/// class index of every row; `column` names the label column in errors.
pub fn stratified_rows(
    column: &str,
    labels: &[String],
    y: &[usize],
    test_fraction: f64,
    seed: u32,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (n_train, n_test) = sizes(y.len(), test_fraction)?;
    let n_classes = labels.len();
    let mut class_counts = vec![0usize; n_classes];
    for &c in y {
        class_counts[c] += 1;
    }
    let lonely: Vec<String> = labels
        .iter()
        .zip(&class_counts)
        .filter(|(_, n)| **n < 2)
        .map(|(l, _)| format!("{l:?}"))
        .collect();
    if !lonely.is_empty() {
        return Err(stratify_error(
            column,
            format!(
                "{} only 1 row; a stratified split needs at least 2 rows of every class",
                if lonely.len() == 1 {
                    format!("class {} has", lonely[0])
                } else {
                    format!("classes {} have", lonely.join(", "))
                }
            ),
        ));
    }
    for (side, n) in [("train", n_train), ("test", n_test)] {
        if n < n_classes {
            return Err(stratify_error(
                column,
                format!(
                    "the {side} set gets {n} row(s) (test_fraction = {test_fraction} of {} \
                     rows), fewer than the {n_classes} classes; it needs at least one row \
                     of every class",
                    y.len()
                ),
            ));
        }
    }
    // `np.argsort(y_indices, kind="stable")` split by class: each class's rows ascending.
    let mut class_rows: Vec<Vec<usize>> = class_counts
        .iter()
        .map(|&n| Vec::with_capacity(n))
        .collect();
    for (row, &c) in y.iter().enumerate() {
        class_rows[c].push(row);
    }
    let mut rng = RandomState::new(seed);
    let n_i = approximate_mode(&class_counts, n_train, &mut rng);
    let remaining: Vec<usize> = class_counts.iter().zip(&n_i).map(|(c, n)| c - n).collect();
    let t_i = approximate_mode(&remaining, n_test, &mut rng);
    let (mut train, mut test) = (Vec::with_capacity(n_train), Vec::with_capacity(n_test));
    for (i, rows) in class_rows.iter().enumerate() {
        let shuffled = rng.permuted(rows);
        // Clipped as numpy's slices clip (the counts never exceed the class; this only
        // keeps an impossible overshoot from panicking).
        let end_train = n_i[i].min(shuffled.len());
        let end_test = (n_i[i] + t_i[i]).min(shuffled.len());
        train.extend_from_slice(&shuffled[..end_train]);
        test.extend_from_slice(&shuffled[end_train..end_test]);
    }
    let train = rng.permuted(&train);
    let test = rng.permuted(&test);
    Ok((train, test))
}

/// A float class label ordered as `np.unique` orders floats (`-0.0` is `0.0`, NaNs are
/// one class after every number).
#[derive(Clone, Copy)]
struct FloatLabel(f64);

impl PartialEq for FloatLabel {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for FloatLabel {}

impl PartialOrd for FloatLabel {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FloatLabel {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The sorted distinct values (as text) and every row's index among them.
fn encode<T: Ord + Clone>(values: &[T], show: impl Fn(&T) -> String) -> (Vec<String>, Vec<usize>) {
    let mut index: BTreeMap<T, usize> = values.iter().map(|v| (v.clone(), 0)).collect();
    let mut labels = Vec::with_capacity(index.len());
    for (k, (v, i)) in index.iter_mut().enumerate() {
        *i = k;
        labels.push(show(v));
    }
    // Indexing cannot fail: every value is a key, the map was built from them.
    let y = values.iter().map(|v| index[v]).collect();
    (labels, y)
}

/// The classes of column `name` in `np.unique`'s order, as text, and each row's class.
pub fn classes(df: &DataFrame, name: &str) -> Result<(Vec<String>, Vec<usize>)> {
    let col = crate::columns::column(df, name)?;
    if let Some(row) = crate::columns::first_null_row(col) {
        return Err(NodeError::Nulls {
            column: name.to_owned(),
            count: col.null_count(),
            row,
        });
    }
    let dtype = col.dtype().clone();
    let cast = |to: &DataType| {
        col.cast(to).map_err(NodeError::polars(format!(
            "reading the classes of column {name:?}"
        )))
    };
    if dtype == DataType::String {
        // `flatten` keeps every row: missing values were refused above.
        let values: Vec<&str> = col
            .str()
            .map_err(NodeError::polars("reading classes"))?
            .iter()
            .flatten()
            .collect();
        return Ok(encode(&values, |v| (*v).to_owned()));
    }
    if dtype == DataType::Boolean {
        let values: Vec<bool> = col
            .bool()
            .map_err(NodeError::polars("reading classes"))?
            .iter()
            .flatten()
            .collect();
        return Ok(encode(&values, bool::to_string));
    }
    if dtype.is_integer() {
        let ints = cast(&DataType::Int64)?;
        let values: Vec<i64> = ints
            .i64()
            .map_err(NodeError::polars("reading classes"))?
            .into_no_null_iter()
            .collect();
        return Ok(encode(&values, i64::to_string));
    }
    if dtype.is_float() {
        let floats = cast(&DataType::Float64)?;
        let values: Vec<FloatLabel> = floats
            .f64()
            .map_err(NodeError::polars("reading classes"))?
            .into_no_null_iter()
            // numpy's unique puts -0.0 with 0.0 and every NaN in one class.
            .map(|v| FloatLabel(if v.is_nan() { f64::NAN } else { v + 0.0 }))
            .collect();
        return Ok(encode(&values, |v| v.0.to_string()));
    }
    Err(stratify_error(
        name,
        format!(
            "its type {dtype} cannot hold class labels (use text, integers, floats or booleans)"
        ),
    ))
}

/// The (train, test) rows of `df` split stratified by column `stratify`.
pub fn stratified_split_rows(
    df: &DataFrame,
    stratify: &str,
    test_fraction: f64,
    seed: u32,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (labels, y) = classes(df, stratify)?;
    stratified_rows(stratify, &labels, &y, test_fraction, seed)
}

/// Splits `df` into (train, test); `stratify` names the label column whose classes
/// both sides keep in proportion, or is empty.
pub fn split(
    df: &DataFrame,
    test_fraction: f64,
    shuffle: bool,
    seed: u32,
    stratify: &str,
) -> Result<(DataFrame, DataFrame)> {
    let (n_train, n_test) = sizes(df.height(), test_fraction)?;
    if !stratify.is_empty() && !shuffle {
        // scikit-learn refuses it too: there is no in-order stratified split.
        return Err(NodeError::Param {
            param: "stratify",
            message: format!(
                "a stratified split (by column {stratify:?}) draws its rows at random; turn \
                 shuffle on or leave stratify empty"
            ),
        });
    }
    if !shuffle {
        return Ok((df.slice(0, n_train), df.slice(n_train as i64, n_test)));
    }
    let (train, test) = if stratify.is_empty() {
        shuffled_rows(df.height(), test_fraction, seed)?
    } else {
        stratified_split_rows(df, stratify, test_fraction, seed)?
    };
    let index = |name: &str, rows: Vec<usize>| {
        IdxCa::from_vec(
            name.into(),
            rows.into_iter().map(|r| r as IdxSize).collect(),
        )
    };
    let (train_idx, test_idx) = (index("train", train), index("test", test));
    let take = |idx: &IdxCa| {
        df.take(idx)
            .map_err(NodeError::polars("splitting the table"))
    };
    Ok((take(&train_idx)?, take(&test_idx)?))
}

impl NodeKind for Split {
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
        let test_fraction = params.float("test_fraction")?;
        let shuffle = params.bool("shuffle")?;
        // The parameter's range is 0..=u32::MAX (numpy's seeds), checked by validation.
        let seed = u32::try_from(params.int("seed")?)
            .map_err(|_| StepError::msg("parameter \"seed\" must be between 0 and 4294967295"))?;
        let stratify = params.text("stratify")?.trim();
        let (train, test) = split(table.df(), test_fraction, shuffle, seed, stratify)?;
        let (train, test) = (table.derive(train), table.derive(test));
        ctx.log(format!(
            "train {} rows, test {} rows ({})",
            train.rows(),
            test.rows(),
            match (shuffle, stratify.is_empty()) {
                (true, true) => format!("shuffled, seed {seed}"),
                (true, false) => format!("stratified by {stratify:?}, seed {seed}"),
                (false, _) => "in order".to_owned(),
            }
        ));
        Ok(Outputs::new().with("train", train).with("test", test))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn numbered(n: usize) -> DataFrame {
        df!("i" => (0..n as i64).collect::<Vec<_>>()).unwrap()
    }

    fn ids(df: &DataFrame) -> Vec<i64> {
        df.column("i")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    }

    #[test]
    fn sizes_follow_scikit_learn() {
        assert_eq!(sizes(1000, 0.2).unwrap(), (800, 200));
        assert_eq!(sizes(10, 0.25).unwrap(), (7, 3), "ceil(2.5) = 3");
        // 0.07 · 100 is 7.000000000000001 in floating point; scikit-learn 1.9.1's
        // train_test_split(range(100), test_size=0.07, shuffle=False) also gives 92/8.
        assert_eq!(sizes(100, 0.07).unwrap(), (92, 8));
        assert_eq!(sizes(10, 0.7).unwrap(), (3, 7));
        assert_eq!(sizes(3, 0.01).unwrap(), (2, 1));
    }

    #[test]
    fn in_order_split_takes_the_last_rows_for_testing() {
        let (train, test) = split(&numbered(10), 0.25, false, 0, "").unwrap();
        assert_eq!(ids(&train), (0..7).collect::<Vec<_>>());
        assert_eq!(ids(&test), vec![7, 8, 9]);
    }

    #[test]
    fn shuffled_split_is_a_seeded_partition() {
        let (train, test) = split(&numbered(100), 0.2, true, 42, "").unwrap();
        let (train2, test2) = split(&numbered(100), 0.2, true, 42, "").unwrap();
        let (_, test3) = split(&numbered(100), 0.2, true, 7, "").unwrap();
        assert_eq!((train.height(), test.height()), (80, 20));
        assert_eq!(ids(&test), ids(&test2));
        assert_eq!(ids(&train), ids(&train2));
        assert_ne!(ids(&test), ids(&test3));
        let mut all = [ids(&train), ids(&test)].concat();
        assert_ne!(all, (0..100).collect::<Vec<_>>(), "shuffled");
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>(), "every row exactly once");
    }

    #[test]
    fn shuffled_rows_are_scikit_learns() {
        // numpy 2.4.6 / scikit-learn 1.9.1:
        //   train_test_split(np.arange(1000), test_size=0.2, random_state=42)
        // gives test [521, 737, 740, 660, 411, …] and train [29, 535, 695, 557, 836, …];
        //   np.random.RandomState(7).permutation(10) is [8 5 0 2 1 9 7 3 6 4].
        let (train, test) = shuffled_rows(1000, 0.2, 42).unwrap();
        assert_eq!(test[..5], [521, 737, 740, 660, 411]);
        assert_eq!(train[..5], [29, 535, 695, 557, 836]);
        assert_eq!((train.len(), test.len()), (800, 200));
        assert_eq!(
            RandomState::new(7).permutation(10),
            [8, 5, 0, 2, 1, 9, 7, 3, 6, 4]
        );
        let (train, test) = split(&numbered(1000), 0.2, true, 42, "").unwrap();
        assert_eq!(ids(&test)[..5], [521, 737, 740, 660, 411]);
        assert_eq!(ids(&train)[..5], [29, 535, 695, 557, 836]);
    }

    #[test]
    fn fractions_that_empty_a_side_fail_clearly() {
        let kind = Split::new();
        let fail = |f: f64, n: usize| {
            let p = params(&kind, &[("test_fraction", Value::Float(f))]);
            failure(run(&kind, &tables(&[("table", numbered(n))]), &p))
        };
        assert_eq!(
            fail(0.0, 100),
            "test_fraction = 0 of 100 row(s) leaves the test set empty"
        );
        assert_eq!(
            fail(1.0, 100),
            "test_fraction = 1 of 100 row(s) leaves the train set empty"
        );
        assert_eq!(
            fail(0.5, 1),
            "test_fraction = 0.5 of 1 row(s) leaves the train set empty"
        );
        assert_eq!(
            fail(0.5, 0),
            "test_fraction = 0.5 of 0 row(s) leaves the test set empty"
        );
    }

    #[test]
    fn the_kind_outputs_both_sides() {
        let kind = Split::new();
        let p = params(&kind, &[("shuffle", Value::Bool(false))]);
        let out = run(&kind, &tables(&[("table", numbered(10))]), &p).unwrap();
        assert_eq!(ids(frame(&out, "train")), (0..8).collect::<Vec<_>>());
        assert_eq!(ids(frame(&out, "test")), vec![8, 9]);
    }

    fn labelled(labels: &[&str]) -> DataFrame {
        df!(
            "i" => (0..labels.len() as i64).collect::<Vec<_>>(),
            "label" => labels,
        )
        .unwrap()
    }

    #[test]
    fn approximate_mode_breaks_ties_as_scikit_learn_does() {
        // scikit-learn 1.9.1's own doctest of _approximate_mode.
        let mode = |seed| approximate_mode(&[2, 2, 2, 1], 2, &mut RandomState::new(seed));
        assert_eq!(mode(0), [0, 1, 1, 0]);
        assert_eq!(mode(42), [1, 1, 0, 0]);
        assert_eq!(
            approximate_mode(&[4, 2], 3, &mut RandomState::new(0)),
            [2, 1]
        );
        assert_eq!(
            approximate_mode(&[5, 2], 4, &mut RandomState::new(0)),
            [3, 1]
        );
    }

    #[test]
    fn stratified_rows_are_scikit_learns() {
        // scikit-learn 1.9.1: train_test_split(np.arange(10), test_size=0.3,
        // random_state=0, stratify=y) for the labels below gives
        // train [1, 2, 6, 8, 5, 0, 3] and test [7, 9, 4].
        let df = labelled(&["b", "a", "c", "a", "b", "a", "a", "c", "b", "a"]);
        let (train, test) = split(&df, 0.3, true, 0, "label").unwrap();
        assert_eq!(ids(&train), [1, 2, 6, 8, 5, 0, 3]);
        assert_eq!(ids(&test), [7, 9, 4]);
        // Integer classes sort as numbers: y = [3, 1, 1, 3, 2, 2, 1, 3, 2, 1, 1, 1],
        // test_size=0.25, random_state=42 gives train [1, 2, 5, 6, 10, 0, 3, 8, 11]
        // and test [7, 4, 9].
        let df = df!(
            "i" => (0..12i64).collect::<Vec<_>>(),
            "y" => [3i64, 1, 1, 3, 2, 2, 1, 3, 2, 1, 1, 1],
        )
        .unwrap();
        let (train, test) = split(&df, 0.25, true, 42, "y").unwrap();
        assert_eq!(ids(&train), [1, 2, 5, 6, 10, 0, 3, 8, 11]);
        assert_eq!(ids(&test), [7, 4, 9]);
    }

    #[test]
    fn classes_sort_as_np_unique_sorts_them() {
        let (labels, y) = classes(&labelled(&["b", "B", "a", "b"]), "label").unwrap();
        assert_eq!(labels, ["B", "a", "b"]);
        assert_eq!(y, [2, 0, 1, 2]);
        let df = df!("f" => [2.5, -0.0, 0.0, -1.0, f64::NAN, f64::NAN]).unwrap();
        let (labels, y) = classes(&df, "f").unwrap();
        assert_eq!(labels, ["-1", "0", "2.5", "NaN"]);
        assert_eq!(y, [2, 1, 1, 0, 3, 3]);
    }

    #[test]
    fn stratification_fails_as_scikit_learn_does_naming_column_and_class() {
        let kind = Split::new();
        let fail = |df: DataFrame, set: &[(&str, Value)]| {
            let mut all = vec![("stratify", Value::Text("label".into()))];
            all.extend(set.iter().cloned());
            failure(run(&kind, &tables(&[("table", df)]), &params(&kind, &all)))
        };
        let lonely = labelled(&["a", "a", "b", "a", "c", "a"]);
        assert_eq!(
            fail(lonely, &[]),
            "parameter \"stratify\": column \"label\": classes \"b\", \"c\" have only 1 row; \
             a stratified split needs at least 2 rows of every class"
        );
        let one = labelled(&["a", "a", "b", "a"]);
        assert_eq!(
            fail(one, &[("test_fraction", Value::Float(0.5))]),
            "parameter \"stratify\": column \"label\": class \"b\" has only 1 row; a stratified \
             split needs at least 2 rows of every class"
        );
        let three = labelled(&["a", "b", "c", "a", "b", "c", "a", "b", "c", "a"]);
        assert_eq!(
            fail(three.clone(), &[]),
            "parameter \"stratify\": column \"label\": the test set gets 2 row(s) \
             (test_fraction = 0.2 of 10 rows), fewer than the 3 classes; it needs at least \
             one row of every class"
        );
        assert_eq!(
            fail(three.clone(), &[("test_fraction", Value::Float(0.9))]),
            "parameter \"stratify\": column \"label\": the train set gets 1 row(s) \
             (test_fraction = 0.9 of 10 rows), fewer than the 3 classes; it needs at least \
             one row of every class"
        );
        assert_eq!(
            fail(three.clone(), &[("shuffle", Value::Bool(false))]),
            "parameter \"stratify\": a stratified split (by column \"label\") draws its rows at \
             random; turn shuffle on or leave stratify empty"
        );
        let nulls = df!("label" => [Some("a"), None, Some("a")]).unwrap();
        assert_eq!(
            fail(nulls, &[]),
            "column \"label\" has 1 missing value(s), the first at row 2"
        );
        assert!(
            fail(three, &[("stratify", Value::Text("y".into()))])
                .starts_with("unknown column \"y\"")
        );
    }

    #[test]
    fn a_stratified_split_keeps_class_shares() {
        let kind = Split::new();
        let labels: Vec<&str> = (0..100)
            .map(|i| if i % 4 == 0 { "rare" } else { "common" })
            .collect();
        let p = params(&kind, &[("stratify", Value::Text("label".into()))]);
        let out = run(&kind, &tables(&[("table", labelled(&labels))]), &p).unwrap();
        let count = |df: &DataFrame, class: &str| {
            df.column("label")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .flatten()
                .filter(|l| *l == class)
                .count()
        };
        let (train, test) = (frame(&out, "train"), frame(&out, "test"));
        assert_eq!((count(train, "rare"), count(train, "common")), (20, 60));
        assert_eq!((count(test, "rare"), count(test, "common")), (5, 15));
    }
}
