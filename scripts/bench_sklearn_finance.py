#!/usr/bin/env python3
"""The finance sentiment flow (examples/finance_sentiment.ron) written with
scikit-learn, for the benchmark in app/benches/pipewright.rs (section 5).

Same steps, same settings: read JSON lines, check (no empty sentence, labels in
{positive, negative, neutral}), stratified 80/20 split with seed 42, TF-IDF fitted on
train (the example's settings), logistic regression and multinomial naive Bayes,
classification metrics (accuracy, macro F1, confusion matrix, ROC AUC), keep the
better model by macro F1.

Usage: python3 scripts/bench_sklearn_finance.py SENTENCES.jsonl
Prints one JSON line of timings (seconds) and the scores, so the benchmark can check
both sides scored the same data alike.
"""

import json
import sys
import time

T0 = time.perf_counter()

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    confusion_matrix,
    f1_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.naive_bayes import MultinomialNB  # noqa: E402

# The example's settings (examples/finance_sentiment.ron).
TFIDF = dict(lowercase=True, ngram_range=(1, 2), min_df=2, sublinear_tf=True)
C = 10.0
ALPHA = 0.1
LABELS = {"positive", "negative", "neutral"}


def main(path):
    t_import = time.perf_counter() - T0
    t = time.perf_counter()
    sentences, labels = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            sentences.append(row["sentence"])
            labels.append(row["label"])
    for n, (s, l) in enumerate(zip(sentences, labels), 1):
        if not s.strip():
            sys.exit(f"row {n}: empty sentence")
        if l not in LABELS:
            sys.exit(f"row {n}: label {l!r}")
    t_load = time.perf_counter() - t

    t = time.perf_counter()
    s_train, s_test, y_train, y_test = train_test_split(
        sentences, labels, test_size=0.2, random_state=42, stratify=labels
    )
    vec = TfidfVectorizer(**TFIDF)
    x_train = vec.fit_transform(s_train)
    x_test = vec.transform(s_test)
    t_tfidf = time.perf_counter() - t

    scores = {}
    fits = {}
    for name, model in [
        ("logistic_regression", LogisticRegression(C=C, max_iter=100, tol=1e-4)),
        ("multinomial_nb", MultinomialNB(alpha=ALPHA)),
    ]:
        t = time.perf_counter()
        model.fit(x_train, y_train)
        pred = model.predict(x_test)
        proba = model.predict_proba(x_test)
        scores[name] = {
            "accuracy": accuracy_score(y_test, pred),
            "f1_macro": f1_score(y_test, pred, average="macro"),
            "roc_auc": roc_auc_score(y_test, proba, multi_class="ovr"),
            "confusion": confusion_matrix(y_test, pred).tolist(),
        }
        fits[name] = time.perf_counter() - t
    best = max(scores, key=lambda k: scores[k]["f1_macro"])
    print(
        json.dumps(
            {
                "import_s": t_import,
                "load_s": t_load,
                "split_tfidf_s": t_tfidf,
                "fit_predict_s": fits,
                "vocabulary": len(vec.vocabulary_),
                "best": best,
                "scores": scores,
                "total_s": time.perf_counter() - T0,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
