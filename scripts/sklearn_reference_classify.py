#!/usr/bin/env python3
"""Independent reference numbers from scikit-learn for the linear and naive Bayes
classifiers (train.logistic_regression, train.linear_svm, train.multinomial_nb,
train.gaussian_nb), checked by nodes/tests/reference_classify.rs.

Every case uses the same rows as the Rust test: the bundled CSVs split by
train_test_split(test_size=0.2, random_state=42, stratify=y), which
transform.split reproduces row for row. The finance sentences are vectorised here
(TfidfVectorizer / CountVectorizer with default settings, fitted on train) and the
sparse matrices are written into the JSON, so the Rust test reads the very same
matrix whatever its own vectoriser does.

The iterative fits run with tight tolerances (tol=1e-10 for LogisticRegression,
1e-8 for LinearSVC, large max_iter), so both sides stop at the same optimum rather
than wherever their stopping rules happen to fall. Each linear entry also records
the optimum of the same objective to rounding ("coef_exact", "intercept_exact"):
newton-cholesky at tol=1e-14 for logistic regression, an exact active-set Newton
iteration on liblinear's primal for the SVM (see exact_logistic / exact_svm).

Setup and usage (from the repository root):
    pip install scikit-learn
    python3 scripts/sklearn_reference_classify.py

Writes nodes/tests/reference/classify.json.
"""

import json
import pathlib
import platform

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "assets" / "data"
OUT = ROOT / "nodes" / "tests" / "reference" / "classify.json"
TEST_FRACTION = 0.2
SEED = 42


def load_csv(name, target):
    with open(DATA / name, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    t = header.index(target)
    features = [h for h in header if h != target]
    x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows])
    y = np.array([r[t] for r in rows])
    return features, x, y


def load_finance():
    sentences, labels = [], []
    with open(DATA / "finance_sentences.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                sentences.append(obj["sentence"])
                labels.append(obj["label"])
    return np.array(sentences, dtype=object), np.array(labels)


def csr(m):
    m = m.tocsr()
    m.sort_indices()
    return {
        "shape": [int(m.shape[0]), int(m.shape[1])],
        "indptr": [int(v) for v in m.indptr],
        "indices": [int(v) for v in m.indices],
        "data": [float(v) for v in m.data],
    }


def floats(a):
    return [float(v) for v in np.asarray(a).ravel()]


def rows(a):
    return [floats(r) for r in np.asarray(a)]


def exact_logistic(model, x_train, y_train):
    """The optimum of the same objective to rounding: newton-cholesky at tol=1e-14
    (lbfgs at tol=1e-10 stops on scipy's ftol = 64·eps first, up to ~1e-4 relative
    away from it on a weight that is small against its row)."""
    exact = LogisticRegression(
        C=model.C,
        class_weight=model.class_weight,
        tol=1e-14,
        max_iter=1000,
        solver="newton-cholesky",
    ).fit(x_train, y_train)
    return rows(exact.coef_), floats(exact.intercept_)


def exact_svm(model, x_train, y_train):
    """liblinear's primal problem solved by generalised Newton on the active set
    (the rows inside their margin), to rounding: the squared hinge is quadratic on a
    fixed active set, so the iteration ends when the set stops changing."""
    x = x_train.toarray() if hasattr(x_train, "toarray") else np.asarray(x_train)
    x = np.hstack([x, np.ones((x.shape[0], 1))])
    classes = model.classes_
    weights = {c: 1.0 for c in classes}
    if model.class_weight == "balanced":
        counts = {c: np.sum(y_train == c) for c in classes}
        weights = {c: len(y_train) / (len(classes) * counts[c]) for c in classes}
    problems = [classes[1]] if len(classes) == 2 else list(classes)
    coef, intercept = [], []
    for positive in problems:
        t = np.where(y_train == positive, 1.0, -1.0)
        if len(classes) == 2:
            cost = np.array([model.C * weights[c] for c in y_train])
        else:
            cost = np.where(y_train == positive, model.C * weights[positive], model.C)
        w = np.zeros(x.shape[1])
        for _ in range(200):
            active = 1.0 - t * (x @ w) > 0
            xa = x[active]
            hess = np.eye(x.shape[1]) + 2.0 * (xa.T * cost[active]) @ xa
            rhs = 2.0 * xa.T @ (cost[active] * t[active])
            new = np.linalg.solve(hess, rhs)
            done = np.array_equal(1.0 - t * (x @ new) > 0, active)
            w = new
            if done:
                break
        coef.append(floats(w[:-1]))
        intercept.append(float(w[-1]))
    return coef, intercept


def linear(model, x_train, y_train, x_test, hyper):
    model.fit(x_train, y_train)
    exact = (
        exact_logistic(model, x_train, y_train)
        if isinstance(model, LogisticRegression)
        else exact_svm(model, x_train, y_train)
    )
    entry = {
        "coef_exact": exact[0],
        "intercept_exact": exact[1],
        "hyper": hyper,
        "classes": [str(c) for c in model.classes_],
        "coef": rows(model.coef_),
        "intercept": floats(model.intercept_),
        "n_iter": int(np.max(model.n_iter_)),
        "predicted": [str(c) for c in model.predict(x_test)],
        "decision": rows(np.atleast_2d(model.decision_function(x_test).T).T),
    }
    if hasattr(model, "predict_proba"):
        entry["proba"] = rows(model.predict_proba(x_test))
    return entry


def bayes(model, x_train, y_train, x_test, hyper):
    model.fit(x_train, y_train)
    return {
        "hyper": hyper,
        "classes": [str(c) for c in model.classes_],
        "class_log_prior": floats(getattr(model, "class_log_prior_", np.log(getattr(model, "class_prior_", [1.0])))),
        "predicted": [str(c) for c in model.predict(x_test)],
        "proba": rows(model.predict_proba(x_test)),
    }


def logistic(c, class_weight=None):
    return LogisticRegression(C=c, class_weight=class_weight, tol=1e-10, max_iter=10000)


def svm(c, class_weight=None):
    return LinearSVC(C=c, class_weight=class_weight, tol=1e-8, max_iter=1_000_000, dual=False)


def main() -> None:
    reference = {
        "command": "pip install scikit-learn && python3 scripts/sklearn_reference_classify.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "split": {"test_fraction": TEST_FRACTION, "seed": SEED, "stratify": True},
    }

    # Iris: several classes, raw features.
    features, x, y = load_csv("iris.csv", "species")
    xtr, xte, ytr, yte = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SEED, stratify=y
    )
    reference["iris"] = {
        "features": features,
        "train_first_column": floats(xtr[:, 0]),
        "test_first_column": floats(xte[:, 0]),
        "logistic_c1": linear(logistic(1.0), xtr, ytr, xte, {"C": 1.0}),
        "logistic_c01": linear(logistic(0.1), xtr, ytr, xte, {"C": 0.1}),
        "svm_c1": linear(svm(1.0), xtr, ytr, xte, {"C": 1.0}),
        "gaussian_nb": bayes(GaussianNB(), xtr, ytr, xte, {"var_smoothing": 1e-9}),
    }

    # Breast cancer: binary; the linear models after a standard scaler fitted on
    # train (as scikit-learn's own examples do), Gaussian NB on the raw features.
    features, x, y = load_csv("breast_cancer.csv", "diagnosis")
    xtr, xte, ytr, yte = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SEED, stratify=y
    )
    scaler = StandardScaler().fit(xtr)
    str_, ste = scaler.transform(xtr), scaler.transform(xte)
    reference["breast_cancer"] = {
        "features": features,
        "train_first_column": floats(xtr[:, 0]),
        "test_first_column": floats(xte[:, 0]),
        "logistic_c1": linear(logistic(1.0), str_, ytr, ste, {"C": 1.0}),
        "logistic_balanced": linear(
            logistic(1.0, "balanced"), str_, ytr, ste, {"C": 1.0, "balanced": True}
        ),
        "svm_c1": linear(svm(1.0), str_, ytr, ste, {"C": 1.0}),
        "svm_balanced": linear(
            svm(0.5, "balanced"), str_, ytr, ste, {"C": 0.5, "balanced": True}
        ),
        "gaussian_nb": bayes(GaussianNB(), xtr, ytr, xte, {"var_smoothing": 1e-9}),
    }

    # Finance sentences: sparse TF-IDF and counts fitted on train.
    sentences, labels = load_finance()
    str_, ste, ytr, yte = train_test_split(
        sentences, labels, test_size=TEST_FRACTION, random_state=SEED, stratify=labels
    )
    tfidf = TfidfVectorizer().fit(str_)
    ttr, tte = tfidf.transform(str_), tfidf.transform(ste)
    counts = CountVectorizer().fit(str_)
    ctr, cte = counts.transform(str_), counts.transform(ste)
    reference["finance"] = {
        "train_labels": [str(v) for v in ytr],
        "test_labels": [str(v) for v in yte],
        "tfidf_terms": [str(t) for t in tfidf.get_feature_names_out()],
        "tfidf_train": csr(ttr),
        "tfidf_test": csr(tte),
        "count_terms": [str(t) for t in counts.get_feature_names_out()],
        "count_train": csr(ctr.astype(np.float64)),
        "count_test": csr(cte.astype(np.float64)),
        "logistic_c1": linear(logistic(1.0), ttr, ytr, tte, {"C": 1.0}),
        "logistic_c10_balanced": linear(
            logistic(10.0, "balanced"), ttr, ytr, tte, {"C": 10.0, "balanced": True}
        ),
        "svm_c1": linear(svm(1.0), ttr, ytr, tte, {"C": 1.0}),
        "multinomial_nb_tfidf": bayes(
            MultinomialNB(), ttr, ytr, tte, {"alpha": 1.0, "fit_prior": True}
        ),
        "multinomial_nb_counts": bayes(
            MultinomialNB(alpha=0.1, fit_prior=False),
            ctr,
            ytr,
            cte,
            {"alpha": 0.1, "fit_prior": False},
        ),
    }

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(reference, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
