//! `transform.bag_of_words`: term-count vectors of a text column, like
//! scikit-learn's `CountVectorizer`.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};

use super::vectorizer::Weighting;

/// `transform.bag_of_words`.
pub struct BagOfWords {
    desc: KindDescriptor,
}

impl BagOfWords {
    /// The kind.
    pub fn new() -> Self {
        let (inputs, outputs) = super::ports();
        let mut params = super::common_params("name of the vector column; empty: <column>_counts");
        params.push(ParamSpec::new(
            "binary",
            ParamType::Bool,
            Value::Bool(false),
            "1 for every term present instead of its count (for Bernoulli-style models)",
        ));
        Self {
            desc: KindDescriptor {
                id: "transform.bag_of_words",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Bag of words",
                doc: "Turns a text column into term counts, like scikit-learn's \
                      CountVectorizer, learning the vocabulary from the training table \
                      only: the same tokens, stop words, n-grams and vocabulary rules as \
                      the TF-IDF step (lowercase, token_pattern, ngram_min to ngram_max, \
                      min_df and max_df as a share below 1 or a count, the max_features \
                      most frequent terms, alphabetical order), but each entry is how \
                      often the term occurs in the text, or 1 with binary (then \
                      max_features ranks terms by the number of texts holding them). Test \
                      terms outside the vocabulary are ignored. The counts are a sparse \
                      vector column (element names: the terms), e.g. for multinomial \
                      naive Bayes; the fitted output counts new rows the same way \
                      (transform.apply). A missing text is an error naming its row: drop \
                      those rows first.",
                inputs,
                outputs,
                params,
            },
        }
    }
}

impl NodeKind for BagOfWords {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let weighting = Weighting::Counts {
            binary: params.bool("binary")?,
        };
        let settings = super::settings(params, "counts", weighting)?;
        super::fit_and_apply(ctx, self.desc.id, inputs, settings)
    }
}

#[cfg(test)]
mod tests {
    //! Expected counts are scikit-learn 1.9.1's `CountVectorizer` on the same texts.

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

    fn inputs() -> Inputs {
        tables(&[
            ("train", df!("text" => TRAIN).unwrap()),
            ("test", df!("text" => TEST).unwrap()),
        ])
    }

    fn counts(out: &Outputs, port: &str) -> (Vec<String>, Vec<Vec<f64>>) {
        let t = output::<Table>(out, port);
        let terms = t.vector_names("text_counts").unwrap().to_vec();
        let m = Csr::from_column(t.df().column("text_counts").unwrap(), Some(terms.len()))
            .unwrap()
            .to_dense();
        (terms, m.outer_iter().map(|r| r.to_vec()).collect())
    }

    #[test]
    fn bigrams_after_stop_words_and_max_features_as_scikit_learn() {
        let kind = BagOfWords::new();
        let p = params(
            &kind,
            &[
                ("column", Value::Text("text".into())),
                ("ngram_max", Value::Int(2)),
                ("stop_words", Value::Text("english".into())),
            ],
        );
        let out = run(&kind, &inputs(), &p).unwrap();
        let (terms, _) = counts(&out, "train");
        assert_eq!(
            terms,
            [
                "ate",
                "ate homework",
                "café",
                "café naïve",
                "cat",
                "cat dog",
                "cat sat",
                "dog",
                "dog ate",
                "dog cat",
                "homework",
                "mat",
                "naïve",
                "naïve café",
                "sat",
                "sat mat",
                "über",
                "über café"
            ],
            "stop words go before the pairs are formed (cat and dog → cat dog)"
        );
        // max_features 4: cat (3), café and dog (2 each), then the first of the terms
        // counted once.
        let p = params(
            &kind,
            &[
                ("column", Value::Text("text".into())),
                ("ngram_max", Value::Int(2)),
                ("stop_words", Value::Text("english".into())),
                ("max_features", Value::Int(4)),
            ],
        );
        let out = run(&kind, &inputs(), &p).unwrap();
        let (terms, rows) = counts(&out, "train");
        assert_eq!(terms, ["ate", "café", "cat", "dog"]);
        assert_eq!(
            rows,
            [
                [0.0, 0.0, 1.0, 0.0],
                [1.0, 0.0, 0.0, 1.0],
                [0.0, 0.0, 2.0, 1.0],
                [0.0, 2.0, 0.0, 0.0]
            ]
        );
    }

    #[test]
    fn binary_counts_with_min_df_and_the_fitted_state() {
        let kind = BagOfWords::new();
        let p = params(
            &kind,
            &[
                ("column", Value::Text("text".into())),
                ("binary", Value::Bool(true)),
                ("min_df", Value::Float(2.0)),
            ],
        );
        let out = run(&kind, &inputs(), &p).unwrap();
        let (terms, rows) = counts(&out, "train");
        assert_eq!(terms, ["cat", "dog", "the"]);
        assert_eq!(
            rows,
            [
                [1.0, 0.0, 1.0],
                [0.0, 1.0, 1.0],
                [1.0, 1.0, 0.0],
                [0.0, 0.0, 0.0]
            ]
        );
        let (_, test) = counts(&out, "test");
        assert_eq!(test, [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);
        let fitted = output::<Fitted>(&out, "fitted");
        assert_eq!(
            fitted.state.summary(),
            "binary bag of words of column \"text\": 3 terms from 4 training texts"
        );
        let views = fitted.state.views();
        let pipewright_engine::ArtifactView::Table(table) = &views[1] else {
            panic!("no terms table");
        };
        assert_eq!(table.columns.len(), 2, "no idf column for counts");
        // A share: min_df 0.5 of 4 texts is 2 texts, the same vocabulary.
        let p = params(
            &kind,
            &[
                ("column", Value::Text("text".into())),
                ("min_df", Value::Float(0.5)),
            ],
        );
        let (terms, _) = counts(&run(&kind, &inputs(), &p).unwrap(), "train");
        assert_eq!(terms, ["cat", "dog", "the"]);
    }

    #[test]
    fn a_custom_pattern_and_no_lowercasing() {
        let kind = BagOfWords::new();
        let p = params(
            &kind,
            &[
                ("column", Value::Text("text".into())),
                ("lowercase", Value::Bool(false)),
                // One group: the group is the token (a word before punctuation).
                ("token_pattern", Value::Text(r"(\w+)[.!,]".into())),
            ],
        );
        let out = run(&kind, &inputs(), &p).unwrap();
        let (terms, _) = counts(&out, "train");
        assert_eq!(terms, ["dog", "homework", "mat"]);
    }
}
