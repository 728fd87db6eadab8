//! The tokeniser, vocabulary and weighting shared by `transform.tfidf` and
//! `transform.bag_of_words`, following scikit-learn's `CountVectorizer` and
//! `TfidfTransformer` step by step so the matrices agree to rounding:
//!
//! 1. **Analyse** each text ([`Analyzer`]): lowercase, find the tokens of
//!    `token_pattern`, drop stop words, then add word n-grams joined by one space
//!    (`_word_ngrams`: unigrams first, then 2-grams, …).
//! 2. **Count** ([`Vectorizer::fit`]): a term → id map per block of texts (blocks run
//!    in parallel), merged into one vocabulary sorted by term, which is the column
//!    order scikit-learn's `_sort_features` gives.
//! 3. **Prune** ([`Pruning`]): keep terms whose document frequency lies in
//!    `[min_df, max_df]`, then the `max_features` most frequent of them (total count
//!    over the training texts; ties go to the term that sorts first).
//! 4. **Weigh** ([`Weighting`]): counts (or 1 with `binary`), or TF-IDF:
//!    `1 + ln tf` with `sublinear_tf`, times `idf = ln((n + 1) / (df + 1)) + 1`
//!    (`ln(n / df) + 1` without smoothing), each row then divided by its l2 or l1 norm.
//!
//! The matrix is built as compressed sparse rows directly from the counts; no dense
//! texts × vocabulary matrix exists at any point.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, OnceLock};

use pipewright_engine::{ArtifactView, Cell, ColumnInfo, Metric, ScalarsView, TableView, TextView};
use polars::prelude::*;
use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::stop_words;
use crate::artifacts::Table;
use crate::columns;
use crate::error::{NodeError, Result};
use crate::features::{Csr, with_vector_column};

/// scikit-learn's default token pattern: runs of two or more word characters.
pub const DEFAULT_TOKEN_PATTERN: &str = r"(?u)\b\w\w+\b";

/// Rows in the terms table of the fitted state's views.
const TERMS_SHOWN: usize = 100;

/// Which stop words are removed before n-grams are formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopWords {
    /// Keep every token.
    None,
    /// scikit-learn's English list ([`stop_words::ENGLISH`]).
    English,
}

/// How a text becomes terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analyzer {
    /// Lowercase the text before finding tokens (Unicode lowercase, as Python's
    /// `str.lower`).
    pub lowercase: bool,
    /// The regular expression of a token; with one capturing group, the group is the
    /// token (as Python's `re.findall`).
    pub token_pattern: String,
    /// Shortest word n-gram.
    pub ngram_min: usize,
    /// Longest word n-gram.
    pub ngram_max: usize,
    /// Stop words removed from the tokens.
    pub stop_words: StopWords,
}

/// Which terms the vocabulary keeps; fit-time settings, kept in the fitted state to
/// record how it was made.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pruning {
    /// Fewest training texts a term must occur in: a share of them below 1, a count
    /// from 1 on.
    pub min_df: f64,
    /// Most training texts a term may occur in: a share of them up to 1, a count
    /// above 1.
    pub max_df: f64,
    /// Keep only this many of the most frequent terms; 0 keeps all.
    pub max_features: usize,
}

/// The norm each TF-IDF row is divided by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Norm {
    /// Euclidean: the squares of a row sum to 1.
    L2,
    /// Manhattan: the absolute values of a row sum to 1.
    L1,
    /// Rows as weighted.
    None,
}

/// What a vector's entries are.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "weighting", rename_all = "snake_case")]
pub enum Weighting {
    /// Term counts (`CountVectorizer`).
    Counts {
        /// 1 for every term present instead of its count.
        binary: bool,
    },
    /// TF-IDF weights (`TfidfVectorizer`).
    Tfidf {
        /// `1 + ln(count)` instead of the count.
        sublinear_tf: bool,
        /// Add one document containing every term once to the idf counts.
        smooth_idf: bool,
        /// Multiply by the idf at all.
        use_idf: bool,
        /// How each row is normalised.
        norm: Norm,
    },
}

/// A vectoriser's settings: everything but what it learns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The text column.
    pub column: String,
    /// The vector column it writes.
    pub output: String,
    /// Whether the text column stays in the output tables.
    pub keep_text: bool,
    /// How texts become terms.
    pub analyzer: Analyzer,
    /// Which terms are kept.
    pub pruning: Pruning,
    /// What the entries are.
    pub weighting: Weighting,
}

/// A fitted vectoriser: its settings and the vocabulary (and idf) of the training
/// texts. Stored as the `fitted` artifact's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vectorizer {
    /// How it was set up.
    pub settings: Settings,
    /// The vocabulary, sorted: term `j` is the vector's element `j`.
    pub terms: Vec<String>,
    /// How many training texts contain each term.
    pub document_frequency: Vec<u64>,
    /// Each term's idf weight; empty unless TF-IDF with `use_idf`.
    pub idf: Vec<f64>,
    /// How many training texts it was fitted on.
    pub documents: u64,
    /// Built from `terms` on first use, then reused: not stored.
    #[serde(skip)]
    derived: Derived,
}

/// What a fitted vectoriser builds from its vocabulary once and reuses on every call —
/// the term → element map and the element names — so a server vectorising one
/// sentence per request does not rebuild a map of the whole vocabulary each time.
/// Never stored; two are always equal (it follows from `terms`).
#[derive(Clone, Default)]
struct Derived {
    vocabulary: OnceLock<Arc<TermMap<Box<str>>>>,
    names: OnceLock<Arc<Vec<String>>>,
}

impl PartialEq for Derived {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

/// The hasher of the term maps: FxHash (rustc's), several times faster than the
/// default SipHash on short words, which is most of the time spent counting. Its
/// weakness, inputs made to collide, does not matter for a vocabulary of one's own
/// texts.
#[derive(Default, Clone, Copy)]
struct TermHasher(u64);

impl Hasher for TermHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut add = |word: u64| self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        // `str`'s Hash ends with 0xff, so "ab" and "ab\0" differ.
        self.write(&[byte]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by terms.
type TermMap<K> = HashMap<K, u32, BuildHasherDefault<TermHasher>>;

/// How tokens are found.
enum Tokens {
    /// The default pattern, read without a regular expression: maximal runs of at
    /// least two word characters, which is exactly what `\b\w\w+\b` matches.
    Words,
    /// Any other pattern; `group`: the first capturing group is the token.
    Pattern { regex: Regex, group: bool },
}

/// An [`Analyzer`] ready to run.
struct Compiled<'a> {
    analyzer: &'a Analyzer,
    tokens: Tokens,
}

/// Buffers reused from one text to the next.
#[derive(Default)]
struct Scratch {
    lowered: String,
    spans: Vec<(usize, usize)>,
    gram: String,
}

/// A word character of Python's `\w` (`str.isalnum()` or `_`); Rust's
/// `is_alphanumeric` agrees with it but for a few combining vowel signs of Indic
/// scripts, which Unicode calls alphabetic and Python does not.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Calls `f(start, end)` for each maximal run of two or more word characters.
fn word_runs(text: &str, mut f: impl FnMut(usize, usize)) {
    let mut start = None;
    let mut chars = 0usize;
    for (i, c) in text.char_indices() {
        if is_word(c) {
            if start.is_none() {
                start = Some(i);
                chars = 0;
            }
            chars += 1;
        } else if let Some(a) = start.take()
            && chars >= 2
        {
            f(a, i);
        }
    }
    if let Some(a) = start
        && chars >= 2
    {
        f(a, text.len());
    }
}

impl Analyzer {
    /// Checks the settings and compiles the pattern; errors name the parameter.
    fn compile(&self) -> Result<Compiled<'_>> {
        if self.ngram_min == 0 {
            return Err(NodeError::Param {
                param: "ngram_min",
                message: "must be at least 1".into(),
            });
        }
        if self.ngram_min > self.ngram_max {
            return Err(NodeError::Param {
                param: "ngram_min",
                message: format!(
                    "is {} but ngram_max is {}: the shortest n-gram cannot be longer than \
                     the longest",
                    self.ngram_min, self.ngram_max
                ),
            });
        }
        let tokens = if self.token_pattern == DEFAULT_TOKEN_PATTERN {
            Tokens::Words
        } else {
            if self.token_pattern.is_empty() {
                return Err(NodeError::Param {
                    param: "token_pattern",
                    message: format!(
                        "is empty; give a regular expression, e.g. {DEFAULT_TOKEN_PATTERN}"
                    ),
                });
            }
            let regex = Regex::new(&self.token_pattern).map_err(|e| NodeError::Param {
                param: "token_pattern",
                message: format!("{:?} is not a regular expression: {e}", self.token_pattern),
            })?;
            let groups = regex.captures_len() - 1;
            if groups > 1 {
                return Err(NodeError::Param {
                    param: "token_pattern",
                    message: format!(
                        "{:?} has {groups} capturing groups; at most one (the token) may be \
                         captured, as in scikit-learn",
                        self.token_pattern
                    ),
                });
            }
            Tokens::Pattern {
                regex,
                group: groups == 1,
            }
        };
        Ok(Compiled {
            analyzer: self,
            tokens,
        })
    }
}

impl Compiled<'_> {
    /// Calls `f(term)` for every term of `doc` in scikit-learn's order: the tokens
    /// left after stop words (when `ngram_min` is 1), then the 2-grams, 3-grams, ….
    fn for_each_term(&self, doc: &str, scratch: &mut Scratch, mut f: impl FnMut(&str)) {
        let Scratch {
            lowered,
            spans,
            gram,
        } = scratch;
        let a = self.analyzer;
        let text: &str = if a.lowercase {
            if doc.is_ascii() {
                lowered.clear();
                lowered.push_str(doc);
                lowered.make_ascii_lowercase();
            } else {
                *lowered = doc.to_lowercase();
            }
            lowered
        } else {
            doc
        };
        spans.clear();
        let english = a.stop_words == StopWords::English;
        let mut push = |start: usize, end: usize| {
            if english
                && stop_words::ENGLISH
                    .binary_search(&&text[start..end])
                    .is_ok()
            {
                return;
            }
            spans.push((start, end));
        };
        match &self.tokens {
            Tokens::Words => word_runs(text, &mut push),
            Tokens::Pattern { regex, group } if *group => {
                for caps in regex.captures_iter(text) {
                    // A group that took no part is an empty token, as in `re.findall`.
                    match caps.get(1) {
                        Some(m) => push(m.start(), m.end()),
                        None => {
                            let at = caps.get(0).map_or(0, |m| m.start());
                            push(at, at);
                        }
                    }
                }
            }
            Tokens::Pattern { regex, .. } => {
                for m in regex.find_iter(text) {
                    push(m.start(), m.end());
                }
            }
        }
        if a.ngram_min == 1 {
            for &(s, e) in spans.iter() {
                f(&text[s..e]);
            }
        }
        let k = spans.len();
        for n in a.ngram_min.max(2)..=a.ngram_max.min(k) {
            for window in spans.windows(n) {
                gram.clear();
                for (m, &(s, e)) in window.iter().enumerate() {
                    if m > 0 {
                        gram.push(' ');
                    }
                    gram.push_str(&text[s..e]);
                }
                f(gram);
            }
        }
    }
}

/// One text's terms as sorted (id, count) pairs appended to `ids`/`counts`; `seen`
/// holds the ids of its terms, once per occurrence.
fn push_counts(seen: &mut [u32], ids: &mut Vec<u32>, counts: &mut Vec<u32>) {
    seen.sort_unstable();
    for run in seen.chunk_by(|a, b| a == b) {
        ids.push(run[0]);
        counts.push(run.len() as u32);
    }
}

/// Term counts of a block of texts: ids local to the block (`terms[id]`), and per
/// text sorted (id, count) pairs.
struct Block {
    terms: Vec<String>,
    indptr: Vec<usize>,
    ids: Vec<u32>,
    counts: Vec<u32>,
}

/// Counts every term of `docs`, growing the block's own vocabulary.
fn count_block(analyzer: &Compiled<'_>, docs: &[&str]) -> Block {
    let mut map: TermMap<String> = TermMap::default();
    let mut block = Block {
        terms: Vec::new(),
        indptr: Vec::with_capacity(docs.len() + 1),
        ids: Vec::new(),
        counts: Vec::new(),
    };
    block.indptr.push(0);
    let mut scratch = Scratch::default();
    let mut seen = Vec::new();
    for doc in docs {
        seen.clear();
        analyzer.for_each_term(doc, &mut scratch, |term| {
            let id = match map.get(term) {
                Some(&id) => id,
                None => {
                    let id = map.len() as u32;
                    map.insert(term.to_owned(), id);
                    id
                }
            };
            seen.push(id);
        });
        push_counts(&mut seen, &mut block.ids, &mut block.counts);
        block.indptr.push(block.ids.len());
    }
    block.terms = vec![String::new(); map.len()];
    for (term, id) in map {
        block.terms[id as usize] = term;
    }
    block
}

/// Counts the terms of `docs` found in `vocabulary`; the others are ignored.
fn count_known<K: Borrow<str> + Hash + Eq>(
    analyzer: &Compiled<'_>,
    vocabulary: &TermMap<K>,
    docs: &[&str],
) -> Block {
    let mut block = Block {
        terms: Vec::new(),
        indptr: Vec::with_capacity(docs.len() + 1),
        ids: Vec::new(),
        counts: Vec::new(),
    };
    block.indptr.push(0);
    let mut scratch = Scratch::default();
    let mut seen = Vec::new();
    for doc in docs {
        seen.clear();
        analyzer.for_each_term(doc, &mut scratch, |term| {
            if let Some(&id) = vocabulary.get(term) {
                seen.push(id);
            }
        });
        push_counts(&mut seen, &mut block.ids, &mut block.counts);
        block.indptr.push(block.ids.len());
    }
    block
}

/// Texts per parallel block: a few blocks per thread, none too small to be worth it.
fn block_len(docs: usize) -> usize {
    (docs / (4 * rayon::current_num_threads())).max(512)
}

/// Joins blocks of rows (already in the final column ids, sorted per row) into one
/// matrix with counts as values.
fn join_blocks(n_cols: usize, blocks: Vec<(Vec<usize>, Vec<u32>, Vec<f64>)>) -> Csr {
    let nnz = blocks.iter().map(|b| b.1.len()).sum();
    let rows: usize = blocks.iter().map(|b| b.0.len() - 1).sum();
    let mut csr = Csr::new(n_cols);
    csr.indptr.reserve(rows);
    csr.indices.reserve(nnz);
    csr.data.reserve(nnz);
    for (indptr, indices, data) in blocks {
        let offset = csr.indices.len();
        csr.indptr.extend(indptr[1..].iter().map(|p| p + offset));
        csr.indices.extend(indices);
        csr.data.extend(data);
    }
    csr
}

/// The texts of `column`: an error for a missing column, one that is not text, or a
/// missing text (naming its row).
fn documents<'a>(df: &'a DataFrame, column: &str) -> Result<Vec<&'a str>> {
    let col = columns::column(df, column)?;
    let Ok(texts) = col.str() else {
        return Err(NodeError::Column {
            column: column.to_owned(),
            reason: format!("is {}, not text (cast it to text first)", col.dtype()),
        });
    };
    if let Some(row) = columns::first_null_row(col) {
        return Err(NodeError::Nulls {
            column: column.to_owned(),
            count: col.null_count(),
            row,
        });
    }
    // No nulls (checked above), so each array's values are the texts.
    Ok(texts
        .downcast_iter()
        .flat_map(|a| a.values_iter())
        .collect())
}

impl Pruning {
    /// Which of the sorted terms stay, given each one's document frequency `df` and
    /// total count `tf` over `n_docs` training texts (scikit-learn's
    /// `_limit_features`, with a stable order for equal counts).
    fn keep(&self, df: &[u64], tf: &[u64], n_docs: usize) -> Result<Vec<bool>> {
        let n = n_docs as f64;
        let high = if self.max_df <= 1.0 {
            self.max_df * n
        } else {
            self.max_df
        };
        let low = if self.min_df < 1.0 {
            self.min_df * n
        } else {
            self.min_df
        };
        if high < low {
            return Err(NodeError::Param {
                param: "max_df",
                message: format!(
                    "= {} keeps terms of at most {high} of the {n_docs} training texts, \
                     fewer than min_df = {} asks for ({low})",
                    self.max_df, self.min_df
                ),
            });
        }
        let mut keep: Vec<bool> = df
            .iter()
            .map(|&d| d as f64 <= high && d as f64 >= low)
            .collect();
        let kept = keep.iter().filter(|k| **k).count();
        if self.max_features > 0 && kept > self.max_features {
            let mut candidates: Vec<usize> = (0..df.len()).filter(|&j| keep[j]).collect();
            // Most frequent first; among equals the term that sorts first.
            candidates.sort_by(|&a, &b| tf[b].cmp(&tf[a]).then(a.cmp(&b)));
            keep.iter_mut().for_each(|k| *k = false);
            for &j in &candidates[..self.max_features] {
                keep[j] = true;
            }
        }
        if kept == 0 {
            return Err(NodeError::Param {
                param: "min_df",
                message: format!(
                    "after pruning with min_df = {} and max_df = {} (terms of {low} to \
                     {high} of the {n_docs} training texts) no terms remain; try a lower \
                     min_df or a higher max_df",
                    self.min_df, self.max_df
                ),
            });
        }
        Ok(keep)
    }
}

impl Settings {
    /// Checks the settings that do not need data (the n-gram range, the pattern,
    /// the output name).
    pub fn check(&self) -> Result<()> {
        self.analyzer.compile()?;
        if self.output == self.column {
            return Err(NodeError::Param {
                param: "output",
                message: format!(
                    "is {:?}, the text column itself; choose another name (or leave it \
                     empty)",
                    self.output
                ),
            });
        }
        Ok(())
    }
}

impl Vectorizer {
    /// Learns the vocabulary (and idf) of `train`'s texts and returns it with the
    /// training rows' matrix.
    pub fn fit(settings: Settings, train: &Table) -> Result<(Self, Csr)> {
        settings.check()?;
        let docs = documents(train.df(), &settings.column)?;
        let analyzer = settings.analyzer.compile()?;
        let mut blocks: Vec<Block> = docs
            .par_chunks(block_len(docs.len()))
            .map(|d| count_block(&analyzer, d))
            .collect();

        // Merge the blocks' vocabularies, then sort: term ids are sorted positions.
        let mut index: TermMap<&str> = TermMap::default();
        let mut all: Vec<&str> = Vec::new();
        let local_to_global: Vec<Vec<u32>> = blocks
            .iter()
            .map(|b| {
                b.terms
                    .iter()
                    .map(|t| {
                        *index.entry(t.as_str()).or_insert_with(|| {
                            all.push(t);
                            (all.len() - 1) as u32
                        })
                    })
                    .collect()
            })
            .collect();
        if all.is_empty() {
            return Err(NodeError::Column {
                column: settings.column.clone(),
                reason: format!(
                    "has no terms in any of its {} training rows (empty vocabulary: the \
                     texts are empty, or only stop words or tokens the token_pattern does \
                     not match)",
                    docs.len()
                ),
            });
        }
        let mut order: Vec<u32> = (0..all.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| all[a as usize].cmp(all[b as usize]));
        let mut rank = vec![0u32; all.len()];
        for (k, &g) in order.iter().enumerate() {
            rank[g as usize] = k as u32;
        }
        let to_sorted: Vec<Vec<u32>> = local_to_global
            .iter()
            .map(|l| l.iter().map(|&g| rank[g as usize]).collect())
            .collect();

        // Document frequency and total count per sorted term.
        let binary = matches!(settings.weighting, Weighting::Counts { binary: true });
        let mut df = vec![0u64; all.len()];
        let mut tf = vec![0u64; all.len()];
        for (b, map) in blocks.iter().zip(&to_sorted) {
            for (&id, &count) in b.ids.iter().zip(&b.counts) {
                let j = map[id as usize] as usize;
                df[j] += 1;
                // scikit-learn sets binary counts to 1 before choosing max_features.
                tf[j] += if binary { 1 } else { u64::from(count) };
            }
        }
        let keep = settings.pruning.keep(&df, &tf, docs.len())?;
        let mut new_id = vec![u32::MAX; all.len()];
        let mut terms = Vec::new();
        let mut document_frequency = Vec::new();
        for j in 0..all.len() {
            if keep[j] {
                new_id[j] = terms.len() as u32;
                terms.push(all[order[j] as usize].to_owned());
                document_frequency.push(df[j]);
            }
        }

        // The blocks' own vocabularies are not needed any more: free them before the
        // matrix is built. Then the matrix is allocated once, at its final size, and
        // each block writes its part of it in parallel and is freed, so the counts
        // and the matrix are never both held twice.
        for b in &mut blocks {
            b.terms = Vec::new();
        }
        let kept = |b: &Block, map: &[u32], e: usize| {
            let j = new_id[map[b.ids[e] as usize] as usize];
            (j != u32::MAX).then_some(j)
        };
        let sizes: Vec<usize> = blocks
            .par_iter()
            .zip(&to_sorted)
            .map(|(b, map)| {
                (0..b.ids.len())
                    .filter(|&e| kept(b, map, e).is_some())
                    .count()
            })
            .collect();
        let nnz: usize = sizes.iter().sum();
        let mut indices = vec![0u32; nnz];
        let mut data = vec![0.0f64; nnz];
        let mut parts = Vec::with_capacity(blocks.len());
        let (mut rest_i, mut rest_d) = (indices.as_mut_slice(), data.as_mut_slice());
        for &k in &sizes {
            let (part_i, tail_i) = rest_i.split_at_mut(k);
            let (part_d, tail_d) = rest_d.split_at_mut(k);
            parts.push((part_i, part_d));
            (rest_i, rest_d) = (tail_i, tail_d);
        }
        let row_ends: Vec<Vec<usize>> = blocks
            .into_par_iter()
            .zip(&to_sorted)
            .zip(parts)
            .map(|((b, map), (part_i, part_d))| {
                let mut ends = Vec::with_capacity(b.indptr.len() - 1);
                let mut row: Vec<(u32, u32)> = Vec::new();
                let mut at = 0;
                for w in b.indptr.windows(2) {
                    row.clear();
                    row.extend(
                        (w[0]..w[1]).filter_map(|e| kept(&b, map, e).map(|j| (j, b.counts[e]))),
                    );
                    row.sort_unstable_by_key(|&(j, _)| j);
                    for &(j, c) in &row {
                        part_i[at] = j;
                        part_d[at] = f64::from(c);
                        at += 1;
                    }
                    ends.push(at);
                }
                ends
            })
            .collect();
        let mut csr = Csr::new(terms.len());
        csr.indptr.reserve(docs.len());
        let mut offset = 0;
        for (ends, k) in row_ends.iter().zip(&sizes) {
            csr.indptr.extend(ends.iter().map(|e| e + offset));
            offset += k;
        }
        csr.indices = indices;
        csr.data = data;

        let n = docs.len() as f64;
        let idf = match settings.weighting {
            Weighting::Tfidf {
                use_idf: true,
                smooth_idf,
                ..
            } => {
                let s = if smooth_idf { 1.0 } else { 0.0 };
                document_frequency
                    .iter()
                    .map(|&d| ((n + s) / (d as f64 + s)).ln() + 1.0)
                    .collect()
            }
            _ => Vec::new(),
        };
        let fitted = Vectorizer {
            settings,
            terms,
            document_frequency,
            idf,
            documents: docs.len() as u64,
            derived: Derived::default(),
        };
        fitted.weigh(&mut csr);
        Ok((fitted, csr))
    }

    /// The matrix of `table`'s texts over the fitted vocabulary (terms it does not
    /// know are ignored).
    pub fn transform(&self, table: &Table) -> Result<Csr> {
        let docs = documents(table.df(), &self.settings.column)?;
        let analyzer = self.settings.analyzer.compile()?;
        let vocabulary = self.derived.vocabulary.get_or_init(|| {
            Arc::new(
                self.terms
                    .iter()
                    .enumerate()
                    .map(|(j, t)| (Box::from(t.as_str()), j as u32))
                    .collect(),
            )
        });
        let count = |d: &[&str]| {
            let b = count_known(&analyzer, vocabulary.as_ref(), d);
            let data = b.counts.iter().map(|&c| f64::from(c)).collect();
            (b.indptr, b.ids, data)
        };
        let block = block_len(docs.len());
        // A few texts (a served request) are counted here: handing one block to the
        // thread pool and waiting for it costs more than the counting.
        let rows: Vec<_> = if docs.len() <= block {
            vec![count(&docs)]
        } else {
            docs.par_chunks(block).map(count).collect()
        };
        let mut csr = join_blocks(self.terms.len(), rows);
        self.weigh(&mut csr);
        Ok(csr)
    }

    /// Turns counts into the vectors' entries, in place.
    fn weigh(&self, csr: &mut Csr) {
        match self.settings.weighting {
            Weighting::Counts { binary } => {
                if binary {
                    csr.data.fill(1.0);
                }
            }
            Weighting::Tfidf {
                sublinear_tf, norm, ..
            } => {
                if sublinear_tf {
                    csr.data.iter_mut().for_each(|v| *v = v.ln() + 1.0);
                }
                if !self.idf.is_empty() {
                    for (v, &j) in csr.data.iter_mut().zip(&csr.indices) {
                        *v *= self.idf[j as usize];
                    }
                }
                if norm == Norm::None {
                    return;
                }
                // scikit-learn's inplace_csr_row_normalize_l1/_l2: sum in row order,
                // leave an all-zero row as it is.
                for w in csr.indptr.windows(2) {
                    let row = &mut csr.data[w[0]..w[1]];
                    let total = if norm == Norm::L2 {
                        row.iter().map(|v| v * v).sum::<f64>().sqrt()
                    } else {
                        row.iter().map(|v| v.abs()).sum::<f64>()
                    };
                    if total != 0.0 {
                        row.iter_mut().for_each(|v| *v /= total);
                    }
                }
            }
        }
    }

    /// `table` with the vector column of `csr` (its rows' vectors) added, and the
    /// text column dropped unless `keep_text`.
    pub fn output_table(&self, table: &Table, csr: Csr) -> Result<Table> {
        let s = &self.settings;
        let base = if s.keep_text {
            table.clone()
        } else {
            let df = table
                .df()
                .drop(&s.column)
                .map_err(NodeError::polars(format!("dropping column {:?}", s.column)))?;
            table.derive(df)
        };
        let names = self
            .derived
            .names
            .get_or_init(|| Arc::new(self.terms.clone()));
        with_vector_column(&base, &s.output, csr, names.clone())
    }

    /// Vectorises `table`'s texts as the training texts were.
    pub fn apply(&self, table: &Table) -> Result<Table> {
        let csr = self.transform(table)?;
        self.output_table(table, csr)
    }

    /// Every stored number is finite; otherwise which is not.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        if let Some((j, w)) = self.idf.iter().enumerate().find(|(_, w)| !w.is_finite()) {
            return Err(format!("term {:?} has idf {w}", self.terms[j]));
        }
        let p = &self.settings.pruning;
        if !p.min_df.is_finite() || !p.max_df.is_finite() {
            return Err(format!("min_df {} and max_df {}", p.min_df, p.max_df));
        }
        Ok(())
    }

    /// What kind of vectors it makes, in a few words.
    fn what(&self) -> &'static str {
        match self.settings.weighting {
            Weighting::Counts { binary: true } => "binary bag of words",
            Weighting::Counts { binary: false } => "bag of words",
            Weighting::Tfidf { .. } => "TF-IDF",
        }
    }

    /// One line: what was learned.
    pub fn summary(&self) -> String {
        format!(
            "{} of column {:?}: {} terms from {} training texts",
            self.what(),
            self.settings.column,
            self.terms.len(),
            self.documents
        )
    }

    /// The vocabulary's size and settings, and its most frequent terms with their
    /// document frequency (and idf).
    pub fn views(&self) -> Vec<ArtifactView> {
        let s = &self.settings;
        let a = &s.analyzer;
        let scalars = ArtifactView::Scalars(ScalarsView {
            title: format!("{} vocabulary", self.what()),
            items: vec![
                Metric::new("terms", self.terms.len() as f64, Default::default()),
                Metric::new("training texts", self.documents as f64, Default::default()),
                Metric::new("shortest n-gram", a.ngram_min as f64, Default::default()),
                Metric::new("longest n-gram", a.ngram_max as f64, Default::default()),
            ],
        });
        let settings = ArtifactView::Text(TextView {
            title: "Settings".into(),
            text: format!(
                "column {:?} → {:?}; lowercase {}; token pattern {}; stop words {:?}; \
                 min_df {}, max_df {}, max_features {}; {:?}",
                s.column,
                s.output,
                a.lowercase,
                a.token_pattern,
                a.stop_words,
                s.pruning.min_df,
                s.pruning.max_df,
                s.pruning.max_features,
                s.weighting
            ),
        });
        let mut order: Vec<usize> = (0..self.terms.len()).collect();
        order.sort_by(|&x, &y| {
            self.document_frequency[y]
                .cmp(&self.document_frequency[x])
                .then(x.cmp(&y))
        });
        let mut cols = vec![
            ColumnInfo {
                name: "term".into(),
                dtype: "str".into(),
            },
            ColumnInfo {
                name: "texts".into(),
                dtype: "u64".into(),
            },
        ];
        if !self.idf.is_empty() {
            cols.push(ColumnInfo {
                name: "idf".into(),
                dtype: "f64".into(),
            });
        }
        let rows = order
            .iter()
            .take(TERMS_SHOWN)
            .map(|&j| {
                let mut row = vec![
                    Cell::Text(self.terms[j].clone()),
                    Cell::Int(self.document_frequency[j] as i64),
                ];
                if let Some(&w) = self.idf.get(j) {
                    row.push(Cell::Float(w));
                }
                row
            })
            .collect();
        let terms = ArtifactView::Table(TableView {
            title: "Most frequent terms".into(),
            total_rows: self.terms.len() as u64,
            columns: cols,
            rows,
        });
        vec![scalars, terms, settings]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer(pattern: &str) -> Analyzer {
        Analyzer {
            lowercase: true,
            token_pattern: pattern.into(),
            ngram_min: 1,
            ngram_max: 3,
            stop_words: StopWords::None,
        }
    }

    fn terms(a: &Analyzer, doc: &str) -> Vec<String> {
        let mut out = Vec::new();
        a.compile()
            .unwrap()
            .for_each_term(doc, &mut Scratch::default(), |t| out.push(t.to_owned()));
        out
    }

    #[test]
    fn a_few_texts_vectorise_as_they_do_inside_a_big_batch() {
        // 3,000 texts: fitting and transforming them all goes through the thread pool
        // in blocks; one text alone (a served request) is counted on the caller's
        // thread, with the vocabulary map built once and kept.
        let words = [
            "profit", "rose", "fell", "sales", "eur", "mn", "group", "net", "loss",
        ];
        let texts: Vec<String> = (0..3000)
            .map(|i| {
                (0..6)
                    .map(|k| words[(i * 7 + k * k * 3 + i / 5) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let table = Table::new(df!("text" => &texts).unwrap());
        let settings = Settings {
            column: "text".into(),
            output: "vector".into(),
            keep_text: false,
            analyzer: Analyzer {
                ngram_max: 2,
                ..analyzer(DEFAULT_TOKEN_PATTERN)
            },
            pruning: Pruning {
                min_df: 1.0,
                max_df: 1.0,
                max_features: 0,
            },
            weighting: Weighting::Tfidf {
                sublinear_tf: false,
                smooth_idf: true,
                use_idf: true,
                norm: Norm::L2,
            },
        };
        let (fitted, _) = Vectorizer::fit(settings, &table).unwrap();
        let all = fitted.transform(&table).unwrap();
        // Stored and read back, the map is built again from the terms.
        let reread: Vectorizer =
            serde_json::from_str(&serde_json::to_string(&fitted).unwrap()).unwrap();
        for i in [0usize, 1, 517, 1999, 2999] {
            let one = Table::new(df!("text" => [texts[i].as_str()]).unwrap());
            let (a, b) = (all.indptr[i], all.indptr[i + 1]);
            for v in [&fitted, &reread, &fitted.clone()] {
                let row = v.transform(&one).unwrap();
                assert_eq!(row.indices, all.indices[a..b], "text {i}");
                assert_eq!(row.data, all.data[a..b], "text {i}");
            }
        }
        assert_eq!(reread, fitted, "the kept map takes no part in equality");
    }

    #[test]
    fn the_default_tokeniser_finds_what_the_default_pattern_finds() {
        // The same pattern in another spelling goes through the regex crate.
        let fast = analyzer(DEFAULT_TOKEN_PATTERN);
        let slow = analyzer(r"\b\w\w+\b");
        for doc in [
            "Orion Corp's Q3 EBIT fell 12.5% to EUR 3.1 mn (x_y, a b)!",
            "Über-café naïve ÉLAN 2024年 a1 _",
            "",
            "  x  ",
        ] {
            assert_eq!(terms(&fast, doc), terms(&slow, doc), "{doc:?}");
        }
        assert_eq!(
            terms(&fast, "A big, BIG deal"),
            ["big", "big", "deal", "big big", "big deal", "big big deal"],
            "unigrams, then pairs, then triples, as _word_ngrams"
        );
    }

    #[test]
    fn stop_words_are_dropped_before_n_grams_are_formed() {
        let a = Analyzer {
            stop_words: StopWords::English,
            ngram_min: 2,
            ngram_max: 2,
            ..analyzer(DEFAULT_TOKEN_PATTERN)
        };
        assert_eq!(
            terms(&a, "profit of the group rose"),
            ["profit group", "group rose"]
        );
    }
}
