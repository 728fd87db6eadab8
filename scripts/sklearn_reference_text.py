#!/usr/bin/env python3
"""Independent reference numbers from scikit-learn for the text vectorisers.

Pipewright's test nodes/tests/reference_text.rs compares transform.tfidf and
transform.bag_of_words with these: the bundled finance sentences, split as
train_test_split(..., test_size=0.2, random_state=42, stratify=labels) splits them
(our transform.split takes the same rows), then TfidfVectorizer / CountVectorizer
fitted on the training sentences with several settings. For each setting the file
holds the vocabulary, the idf weights and both matrices as CSR (indices sorted within
each row): the test matrix in full, the training matrix's structure in full and its
values for the first 100 rows plus checksums of all (see csr()). Where max_features
cuts through terms of equal count, see max_features_cut().

Setup and usage (from the repository root):
    pip install scikit-learn
    python3 scripts/sklearn_reference_text.py

Writes nodes/tests/reference/text.json.
"""

import json
import pathlib
import platform
import sys

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.model_selection import train_test_split

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "assets" / "data" / "finance_sentences.jsonl"
OUT = ROOT / "nodes" / "tests" / "reference" / "text.json"
TEST_FRACTION = 0.2
SEED = 42

# name, our kind, our parameters, the scikit-learn vectoriser with the same settings
SETTINGS = [
    ("default", "transform.tfidf", {}, lambda: TfidfVectorizer()),
    (
        "bigrams_sublinear_min_df_2",
        "transform.tfidf",
        {"ngram_max": 2, "sublinear_tf": True, "min_df": 2.0},
        lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
    ),
    (
        "max_features_500",
        "transform.tfidf",
        {"max_features": 500},
        lambda: TfidfVectorizer(max_features=500),
    ),
    ("l1", "transform.tfidf", {"norm": "l1"}, lambda: TfidfVectorizer(norm="l1")),
    (
        "english_stop_words_max_df_0.5_unsmoothed",
        "transform.tfidf",
        {"stop_words": "english", "max_df": 0.5, "smooth_idf": False},
        lambda: TfidfVectorizer(stop_words="english", max_df=0.5, smooth_idf=False),
    ),
    (
        "bag_of_words_binary",
        "transform.bag_of_words",
        {"binary": True},
        lambda: CountVectorizer(binary=True),
    ),
    (
        "bag_of_words_trigrams_max_features_300",
        "transform.bag_of_words",
        {"ngram_min": 2, "ngram_max": 3, "max_features": 300, "lowercase": False},
        lambda: CountVectorizer(ngram_range=(2, 3), max_features=300, lowercase=False),
    ),
]


def csr(matrix, full_rows=None):
    """A matrix as CSR with indices sorted within each row. Its structure (indptr,
    indices) is always given in full; its values in full, or (to keep this file small)
    those of the first `full_rows` rows and two checksums of all of them: their sum
    and sum_k (k + 1) * data[k]."""
    m = matrix.tocsr()
    m.sort_indices()
    data = m.data.astype(np.float64)
    out = {
        "shape": [int(s) for s in m.shape],
        "indptr": [int(v) for v in m.indptr],
        "indices": [int(v) for v in m.indices],
    }
    if full_rows is None:
        out["data"] = [float(v) for v in data]
    else:
        out["data_rows"] = int(full_rows)
        out["data"] = [float(v) for v in data[: m.indptr[full_rows]]]
        out["data_sum"] = float(np.sum(data))
        out["data_weighted_sum"] = float(np.sum(data * np.arange(1, len(data) + 1)))
    return out


def max_features_cut(make, x_train):
    """How max_features cuts the vocabulary. scikit-learn ranks the terms by total
    count with numpy's argsort, which is not stable: when terms of equal count
    straddle the cut, which of them it keeps is not defined (and may differ between
    CPUs). Ours keeps, among equals, the terms that sort first. Returns that
    vocabulary, scikit-learn's own, the count at the cut, and scikit-learn's terms
    counted more often than that (which any correct ranking keeps)."""
    v = make()
    limit = v.max_features
    same = {k: val for k, val in v.get_params().items() if k in CountVectorizer().get_params()}
    counts = CountVectorizer(**{**same, "max_features": None})
    full = counts.fit_transform(x_train)
    if counts.binary:
        full.data[:] = 1
    names = [str(t) for t in counts.get_feature_names_out()]
    totals = np.asarray(full.sum(axis=0)).ravel()
    ranked = sorted(range(len(names)), key=lambda j: (-totals[j], j))
    at_cut = int(totals[ranked[limit - 1]])
    ours = sorted(names[j] for j in ranked[:limit])
    theirs = [str(t) for t in v.fit(x_train).get_feature_names_out()]
    return {
        "count_at_cut": at_cut,
        "tie": bool(len(names) > limit and totals[ranked[limit]] == at_cut),
        "stable_vocabulary": ours,
        "sklearn_vocabulary": theirs,
        "sklearn_above_cut": [t for t in theirs if totals[names.index(t)] > at_cut],
    }


def main():
    lines = [json.loads(l) for l in DATA.read_text(encoding="utf-8").splitlines() if l.strip()]
    sentences = [l["sentence"] for l in lines]
    labels = [l["label"] for l in lines]
    rows = np.arange(len(lines))
    train_rows, test_rows = train_test_split(
        rows, test_size=TEST_FRACTION, random_state=SEED, stratify=labels
    )
    x_train = [sentences[i] for i in train_rows]
    x_test = [sentences[i] for i in test_rows]
    reference = {
        "generated_by": "python3 scripts/sklearn_reference_text.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "data": "assets/data/finance_sentences.jsonl",
        "split": {
            "call": "train_test_split(rows, test_size=0.2, random_state=42, stratify=labels)",
            "test_fraction": TEST_FRACTION,
            "seed": SEED,
            "train_rows": [int(i) for i in train_rows],
            "test_rows": [int(i) for i in test_rows],
        },
        "settings": [],
    }
    for name, kind, params, make in SETTINGS:
        v = make()
        cut = max_features_cut(make, x_train) if v.max_features is not None else None
        if cut is not None and cut["tie"]:
            # The same settings with the vocabulary fixed to the stable choice: idf and
            # norms depend on the kept terms only, so these are scikit-learn's numbers
            # for the vocabulary our rule keeps.
            v = make().set_params(max_features=None, vocabulary=cut["stable_vocabulary"])
        train = v.fit_transform(x_train)
        test = v.transform(x_test)
        entry = {
            "name": name,
            "kind": kind,
            "params": params,
            "sklearn": repr(v),
            "vocabulary": [str(t) for t in v.get_feature_names_out()],
            "idf": [float(w) for w in v.idf_] if hasattr(v, "idf_") else None,
            "max_features_cut": cut,
            "train": csr(train, full_rows=100),
            "test": csr(test),
        }
        reference["settings"].append(entry)
        tie = cut is not None and cut["tie"]
        print(f"{name}: {len(entry['vocabulary'])} terms, {train.nnz} + {test.nnz} entries"
              + (f"; a tie at the max_features cut (count {cut['count_at_cut']})" if tie else ""))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # Compact: the matrices are long lists of numbers.
    OUT.write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB; scikit-learn "
          f"{sklearn.__version__}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
