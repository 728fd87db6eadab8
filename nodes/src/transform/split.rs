//! `transform.split`: a train/test split with scikit-learn's sizes.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::artifacts::{TABLE, Table};
use crate::error::{NodeError, Result};

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
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Train/test split",
                doc: "Splits the rows into a training and a test table, like scikit-learn's \
                      train_test_split: the test table gets ceil(test_fraction × rows) rows, \
                      the training table the rest. Without shuffling, the training rows are \
                      the first ones and the test rows the last; with shuffling, rows are \
                      drawn by a seeded permutation, the same for the same seed.",
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
                    ),
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
                            max: None,
                        },
                        Value::Int(42),
                        "random seed of the shuffle",
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

/// Splits `df` into (train, test).
pub fn split(
    df: &DataFrame,
    test_fraction: f64,
    shuffle: bool,
    seed: u64,
) -> Result<(DataFrame, DataFrame)> {
    let (n_train, n_test) = sizes(df.height(), test_fraction)?;
    if !shuffle {
        return Ok((df.slice(0, n_train), df.slice(n_train as i64, n_test)));
    }
    // Like scikit-learn's ShuffleSplit: a permutation, the test rows first.
    let mut order: Vec<IdxSize> = (0..df.height() as IdxSize).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let train_idx = IdxCa::from_vec("train".into(), order[n_test..].to_vec());
    let test_idx = IdxCa::from_vec("test".into(), order[..n_test].to_vec());
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
        let seed = params.int("seed")?.max(0) as u64;
        let (train, test) = split(table.df(), test_fraction, shuffle, seed)?;
        let (train, test) = (Table::new(train), Table::new(test));
        ctx.log(format!(
            "train {} rows, test {} rows ({})",
            train.rows(),
            test.rows(),
            if shuffle {
                format!("shuffled, seed {seed}")
            } else {
                "in order".to_owned()
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
        let (train, test) = split(&numbered(10), 0.25, false, 0).unwrap();
        assert_eq!(ids(&train), (0..7).collect::<Vec<_>>());
        assert_eq!(ids(&test), vec![7, 8, 9]);
    }

    #[test]
    fn shuffled_split_is_a_seeded_partition() {
        let (train, test) = split(&numbered(100), 0.2, true, 42).unwrap();
        let (train2, test2) = split(&numbered(100), 0.2, true, 42).unwrap();
        let (_, test3) = split(&numbered(100), 0.2, true, 7).unwrap();
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
}
