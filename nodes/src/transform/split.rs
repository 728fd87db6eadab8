//! `transform.split`: a train/test split with scikit-learn's sizes.

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
                version: 2,
                category: crate::category::TRANSFORM,
                title: "Train/test split",
                doc: "Splits the rows into a training and a test table, like scikit-learn's \
                      train_test_split: the test table gets ceil(test_fraction × rows) rows, \
                      the training table the rest. Without shuffling, the training rows are \
                      the first ones and the test rows the last. With shuffling it picks \
                      exactly the rows scikit-learn picks for the same random_state: \
                      numpy's RandomState(seed).permutation(rows), the first \
                      ceil(test_fraction × rows) of it for test and the rest for train, \
                      each in permutation order.",
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

/// Splits `df` into (train, test).
pub fn split(
    df: &DataFrame,
    test_fraction: f64,
    shuffle: bool,
    seed: u32,
) -> Result<(DataFrame, DataFrame)> {
    let (n_train, n_test) = sizes(df.height(), test_fraction)?;
    if !shuffle {
        return Ok((df.slice(0, n_train), df.slice(n_train as i64, n_test)));
    }
    let (train, test) = shuffled_rows(df.height(), test_fraction, seed)?;
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
        let (train, test) = split(&numbered(1000), 0.2, true, 42).unwrap();
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
}
