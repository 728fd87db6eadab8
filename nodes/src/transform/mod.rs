//! Transform steps: select columns, split rows, scale columns, and clean a table
//! (drop rows with nulls, deduplicate, cast column types, impute missing values,
//! filter or reshape with SQL); encode categories (one-hot, label encoder) and text
//! (TF-IDF, bag of words); project with PCA; apply what a step fitted.

pub mod apply;
pub mod cast;
pub mod categories;
pub mod deduplicate;
pub mod drop_nulls;
pub mod imputation;
pub mod impute;
pub mod kfold;
pub mod label_encode;
pub mod one_hot;
pub mod pca;
pub mod scaler;
pub mod select_columns;
pub mod split;
pub mod sql;
pub mod text;

pub use apply::ApplyFitted;
pub use cast::Cast;
pub use deduplicate::Deduplicate;
pub use drop_nulls::DropNulls;
pub use impute::Impute;
pub use kfold::KFold;
pub use label_encode::LabelEncode;
pub use one_hot::OneHot;
pub use pca::Pca;
pub use scaler::StandardScaler;
pub use select_columns::SelectColumns;
pub use split::Split;
pub use sql::Sql;
pub use text::{BagOfWords, Tfidf};
