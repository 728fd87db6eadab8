//! `transform.tfidf`: TF-IDF vectors of a text column, like scikit-learn's
//! `TfidfVectorizer`.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};

use super::vectorizer::{Norm, Weighting};

/// `transform.tfidf`.
pub struct Tfidf {
    desc: KindDescriptor,
}

impl Tfidf {
    /// The kind.
    pub fn new() -> Self {
        let (inputs, outputs) = super::ports();
        let mut params = super::common_params("name of the vector column; empty: <column>_tfidf");
        params.extend([
            ParamSpec::new(
                "sublinear_tf",
                ParamType::Bool,
                Value::Bool(false),
                "use 1 + ln(count) instead of a term's count in the text",
            ),
            ParamSpec::new(
                "use_idf",
                ParamType::Bool,
                Value::Bool(true),
                "weigh each term by its inverse document frequency",
            ),
            ParamSpec::new(
                "smooth_idf",
                ParamType::Bool,
                Value::Bool(true),
                "idf = ln((1 + n) / (1 + df)) + 1, as if one more text held every term; \
                 off: ln(n / df) + 1",
            ),
            ParamSpec::new(
                "norm",
                ParamType::Choice(vec!["l2".into(), "l1".into(), "none".into()]),
                Value::Text("l2".into()),
                "scale each row to unit length: l2 (squares sum to 1), l1 (absolute values \
                 sum to 1) or none",
            ),
        ]);
        Self {
            desc: KindDescriptor {
                id: "transform.tfidf",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "TF-IDF",
                doc: "Turns a text column into TF-IDF vectors, like scikit-learn's \
                      TfidfVectorizer, learning the vocabulary from the training table \
                      only. Each text is lowercased, split into tokens by token_pattern \
                      (by default runs of two or more letters, digits or underscores), \
                      stripped of stop words, and extended by the word n-grams from \
                      ngram_min to ngram_max words (joined by one space). The vocabulary \
                      is the training texts' terms found in at least min_df and at most \
                      max_df of them (below 1 a share, else a count; max_df 1 means all), \
                      the max_features most frequent of those, in alphabetical order; \
                      test terms outside it are ignored. An entry is the term's count in \
                      the text (1 + ln count with sublinear_tf) times its idf, \
                      ln((1 + n) / (1 + df)) + 1 over n training texts of which df hold \
                      the term (ln(n / df) + 1 without smooth_idf), and each row is scaled \
                      to unit l2 (or l1) norm. The vectors are a sparse column (element \
                      names: the terms) that classifiers read as features without ever \
                      making a dense matrix; the fitted output vectorises new rows the \
                      same way (transform.apply). A missing text is an error naming its \
                      row, as in scikit-learn: drop those rows first.",
                inputs,
                outputs,
                params,
            },
        }
    }
}

impl NodeKind for Tfidf {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let norm = match params.text("norm")? {
            "l2" => Norm::L2,
            "l1" => Norm::L1,
            "none" => Norm::None,
            other => {
                return Err(crate::error::NodeError::Param {
                    param: "norm",
                    message: format!("{other:?} is not one of l2, l1, none"),
                }
                .into());
            }
        };
        let weighting = Weighting::Tfidf {
            sublinear_tf: params.bool("sublinear_tf")?,
            smooth_idf: params.bool("smooth_idf")?,
            use_idf: params.bool("use_idf")?,
            norm,
        };
        let settings = super::settings(params, "tfidf", weighting)?;
        super::fit_and_apply(ctx, self.desc.id, inputs, settings)
    }
}

#[cfg(test)]
mod tests {
    //! Expected numbers are scikit-learn 1.9.1's for the same texts
    //! (`TfidfVectorizer(...).fit_transform(TRAIN)`, `.transform(TEST)`, `.idf_`).

    use polars::prelude::*;

    use super::*;
    use crate::artifacts::{Fitted, Table};
    use crate::features::Csr;
    use crate::testutil::*;

    const TRAIN: [&str; 4] = [
        "The cat sat on the mat.",
        "The dog ate my homework!",
        "A cat and a dog, a cat",
        "Über café naïve CAFÉ",
    ];
    const TEST: [&str; 3] = ["the cat and the bird", "", "CAFÉ über alles"];
    const TERMS: [&str; 13] = [
        "and", "ate", "café", "cat", "dog", "homework", "mat", "my", "naïve", "on", "sat", "the",
        "über",
    ];

    fn inputs() -> Inputs {
        tables(&[
            ("train", df!("text" => TRAIN, "y" => [1, 2, 3, 4]).unwrap()),
            ("test", df!("text" => TEST, "y" => [5, 6, 7]).unwrap()),
        ])
    }

    fn dense(out: &Outputs, port: &str, column: &str) -> ndarray::Array2<f64> {
        let t = output::<Table>(out, port);
        let n = t.vector_names(column).unwrap().len();
        Csr::from_column(t.df().column(column).unwrap(), Some(n))
            .unwrap()
            .to_dense()
    }

    #[track_caller]
    fn close(ours: &[f64], theirs: &[f64]) {
        assert_eq!(ours.len(), theirs.len());
        for (a, b) in ours.iter().zip(theirs) {
            assert!((a - b).abs() <= 1e-15, "{ours:?} vs {theirs:?}");
        }
    }

    #[test]
    fn default_settings_give_scikit_learns_vocabulary_idf_and_rows() {
        let kind = Tfidf::new();
        let (out, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &inputs(),
            &params(&kind, &[("column", Value::Text("text".into()))]),
        );
        let out = out.unwrap();
        let train = output::<Table>(&out, "train");
        assert_eq!(
            train.vector_names("text_tfidf").unwrap().as_slice(),
            TERMS,
            "sorted terms, Unicode lowercased, one-letter words dropped"
        );
        assert!(train.df().column("text").is_ok(), "keep_text by default");
        let (a, b) = (1.916290731874155, 1.5108256237659907);
        let fitted = output::<Fitted>(&out, "fitted");
        let crate::artifacts::fitted::FittedState::Vectorizer { vectorizer } = &fitted.state else {
            panic!("not a vectoriser");
        };
        close(&vectorizer.idf, &[a, a, a, b, b, a, a, a, a, a, a, b, a]);
        let x = dense(&out, "train", "text_tfidf");
        close(
            x.row(2).as_slice().unwrap(),
            &[
                0.4933858834340294,
                0.0,
                0.0,
                0.7779821951834232,
                0.3889910975917116,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
            ],
        );
        let t = dense(&out, "test", "text_tfidf");
        close(
            t.row(0).as_slice().unwrap(),
            &[
                0.4933858834340294,
                0.0,
                0.0,
                0.3889910975917116,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.7779821951834232,
                0.0,
            ],
        );
        assert!(
            t.row(1).iter().all(|v| *v == 0.0),
            "an empty text: no entries"
        );
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert_eq!(
            (t[[2, 2]], t[[2, 12]]),
            (r, r),
            "CAFÉ → café, unknown alles ignored"
        );
        assert_eq!(
            log,
            ["vocabulary of 13 terms from 4 training texts; 16 stored entries in train, 5 in test"]
        );
    }

    #[test]
    fn sublinear_unsmoothed_l1_weights_match_scikit_learn() {
        let kind = Tfidf::new();
        let p = params(
            &kind,
            &[
                ("column", Value::Text("text".into())),
                ("sublinear_tf", Value::Bool(true)),
                ("smooth_idf", Value::Bool(false)),
                ("norm", Value::Text("l1".into())),
                ("output", Value::Text("v".into())),
                ("keep_text", Value::Bool(false)),
            ],
        );
        let out = run(&kind, &inputs(), &p).unwrap();
        let x = dense(&out, "train", "v");
        close(
            &x.row(2).as_slice().unwrap()[..5],
            &[
                0.3435400893541222,
                0.0,
                0.0,
                0.4127079481150405,
                0.24375196253083722,
            ],
        );
        let train = frame(&out, "train");
        assert!(train.column("text").is_err(), "keep_text = false drops it");
        assert_eq!(train.get_column_names(), ["y", "v"]);
    }

    #[test]
    fn the_fitted_state_vectorises_new_rows_as_the_test_rows_were() {
        let kind = Tfidf::new();
        let p = params(
            &kind,
            &[
                ("column", Value::Text("text".into())),
                ("ngram_max", Value::Int(2)),
            ],
        );
        let out = run(&kind, &inputs(), &p).unwrap();
        let fitted = output::<Fitted>(&out, "fitted");
        use pipewright_engine::Artifact;
        let (enc, bytes) = fitted.encode().unwrap();
        let back = crate::artifacts::fitted::decode_fitted(enc, &bytes).unwrap();
        let back = pipewright_engine::downcast::<Fitted>(back.as_ref()).unwrap();
        assert_eq!(back, fitted);
        let test = Table::new(df!("text" => TEST, "y" => [5, 6, 7]).unwrap());
        let applied = back.apply(&test).unwrap();
        assert_eq!(&applied, output::<Table>(&out, "test"));
        assert_eq!(
            applied.vector_names("text_tfidf"),
            output::<Table>(&out, "train").vector_names("text_tfidf")
        );
        assert!(fitted.summary().contains("TF-IDF of column \"text\""));
        let views = fitted.views(10);
        assert_eq!(views.len(), 3);
        let pipewright_engine::ArtifactView::Table(terms) = &views[1] else {
            panic!("no terms table");
        };
        assert_eq!(terms.columns.len(), 3, "term, texts, idf");
        assert_eq!(
            terms.rows[0][0],
            pipewright_engine::Cell::Text("cat".into()),
            "most frequent first (cat, dog and the are in 2 texts; cat sorts first)"
        );
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = Tfidf::new();
        let p = |set: &[(&str, Value)]| {
            let mut all = vec![("column", Value::Text("text".into()))];
            all.extend(set.iter().cloned());
            params(&kind, &all)
        };
        let missing = tables(&[
            ("train", df!("s" => ["a b"]).unwrap()),
            ("test", df!("s" => ["a b"]).unwrap()),
        ]);
        assert_eq!(
            failure(run(&kind, &missing, &p(&[]))),
            "unknown column \"text\" (the table has: s)"
        );
        let numbers = tables(&[
            ("train", df!("text" => [1, 2]).unwrap()),
            ("test", df!("text" => [1]).unwrap()),
        ]);
        assert_eq!(
            failure(run(&kind, &numbers, &p(&[]))),
            "column \"text\" is i32, not text (cast it to text first)"
        );
        let nulls = tables(&[
            ("train", df!("text" => [Some("good news"), None]).unwrap()),
            ("test", df!("text" => ["x"]).unwrap()),
        ]);
        assert_eq!(
            failure(run(&kind, &nulls, &p(&[]))),
            "column \"text\" has 1 missing value(s), the first at row 2"
        );
        let test_null = tables(&[
            ("train", df!("text" => ["good news"]).unwrap()),
            ("test", df!("text" => [None::<&str>]).unwrap()),
        ]);
        assert_eq!(
            failure(run(&kind, &test_null, &p(&[]))),
            "column \"text\" has 1 missing value(s), the first at row 1"
        );
        let empty = tables(&[
            ("train", df!("text" => Vec::<&str>::new()).unwrap()),
            ("test", df!("text" => ["x"]).unwrap()),
        ]);
        let err = failure(run(&kind, &empty, &p(&[])));
        assert!(
            err.contains("no terms in any of its 0 training rows"),
            "{err}"
        );
        let stop = tables(&[
            ("train", df!("text" => ["the and a", "of it"]).unwrap()),
            ("test", df!("text" => ["x"]).unwrap()),
        ]);
        let err = failure(run(
            &kind,
            &stop,
            &p(&[("stop_words", Value::Text("english".into()))]),
        ));
        assert!(err.contains("column \"text\" has no terms"), "{err}");
        let err = failure(run(&kind, &inputs(), &p(&[("min_df", Value::Float(3.0))])));
        assert!(
            err.starts_with("parameter \"min_df\": after pruning with min_df = 3 and max_df = 1")
                && err.contains("no terms remain"),
            "{err}"
        );
        let err = failure(run(
            &kind,
            &inputs(),
            &p(&[("min_df", Value::Float(3.0)), ("max_df", Value::Float(0.5))]),
        ));
        assert!(
            err.starts_with("parameter \"max_df\": = 0.5 keeps terms of at most 2 of the 4"),
            "{err}"
        );
        let err = failure(run(
            &kind,
            &inputs(),
            &p(&[("ngram_min", Value::Int(3)), ("ngram_max", Value::Int(2))]),
        ));
        assert!(
            err.starts_with("parameter \"ngram_min\": is 3 but ngram_max is 2"),
            "{err}"
        );
        let err = failure(run(
            &kind,
            &inputs(),
            &p(&[("token_pattern", Value::Text("(a)(b)".into()))]),
        ));
        assert!(err.contains("has 2 capturing groups"), "{err}");
        let err = failure(run(
            &kind,
            &inputs(),
            &p(&[("token_pattern", Value::Text("(?<=a)b".into()))]),
        ));
        assert!(
            err.starts_with("parameter \"token_pattern\": \"(?<=a)b\" is not a regular"),
            "{err}"
        );
        let err = failure(run(
            &kind,
            &inputs(),
            &p(&[("output", Value::Text("text".into()))]),
        ));
        assert!(
            err.starts_with("parameter \"output\": is \"text\""),
            "{err}"
        );
    }
}
