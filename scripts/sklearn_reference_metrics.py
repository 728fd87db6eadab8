#!/usr/bin/env python3
"""Independent reference numbers from scikit-learn for the classification metrics.

Pipewright's test nodes/tests/reference_metrics.rs builds class predictions from the
exact labels and scores written here and checks every metric of
evaluate.classification_metrics against scikit-learn's, ROC and precision-recall
curve points included; where a linear model made the scores, it also checks that
evaluate.predict_classes with the same weights predicts the same labels.

Cases (the model cases read the bundled CSVs, checked equal to scikit-learn's own
loaders, so the Rust test can load, split and scale the same rows with our steps):
- breast cancer (binary): LogisticRegression on standardised features, stratified
  train_test_split (test_size=0.25, random_state=SEED);
- breast cancer (binary, decision values): LinearSVC on the same rows;
- iris (three classes): multinomial LogisticRegression, stratified split as above;
- finance-like text labels (three classes and an actual label the model never saw):
  seeded random probabilities, argmax predictions.

Setup and usage (from the repository root):
    pip install scikit-learn
    python3 scripts/sklearn_reference_metrics.py

Writes nodes/tests/reference/metrics.json.
"""

import csv
import json
import pathlib
import platform
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import unique_labels

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "nodes" / "tests" / "reference" / "metrics.json"
SEED = 42
TEST_SIZE = 0.25


def floats(a):
    return [float(x) for x in np.asarray(a).ravel()]


def metrics(y_true, y_pred, scores, classes, probabilistic):
    """Every metric of evaluate.classification_metrics, as scikit-learn computes it."""
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    labels = [str(l) for l in unique_labels(y_true, y_pred)]
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    out = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "n": int(len(y_true)),
    }
    for avg in ["macro", "weighted"]:
        ap, ar, af, _ = precision_recall_fscore_support(
            y_true, y_pred, average=avg, zero_division=0
        )
        out[f"precision_{avg}"] = float(ap)
        out[f"recall_{avg}"] = float(ar)
        out[f"f1_{avg}"] = float(af)
    known = set(y_true) <= set(classes)
    if probabilistic and known:
        out["log_loss"] = float(log_loss(y_true, scores, labels=classes))
    # One vs rest: the second class only for two classes (scikit-learn's positive
    # label), every class for more.
    curve_classes = [1] if len(classes) == 2 else list(range(len(classes)))
    roc, pr = [], []
    for j in curve_classes:
        c = classes[j]
        positive = (y_true == c).astype(int)
        fpr, tpr, _ = roc_curve(positive, scores[:, j])
        roc.append(
            {
                "class": c,
                "fpr": floats(fpr),
                "tpr": floats(tpr),
                "auc": float(roc_auc_score(positive, scores[:, j])),
            }
        )
        precision, recall, _ = precision_recall_curve(positive, scores[:, j])
        pr.append(
            {
                "class": c,
                "precision": floats(precision),
                "recall": floats(recall),
                "ap": float(average_precision_score(positive, scores[:, j])),
            }
        )
    if len(classes) == 2:
        out["roc_auc"] = float(roc_auc_score(y_true == classes[1], scores[:, 1]))
        out["average_precision"] = pr[0]["ap"]
    elif known:
        # The library's own one-vs-rest macro AUC (it refuses unseen labels).
        out["roc_auc"] = float(
            roc_auc_score(y_true, scores, multi_class="ovr", average="macro", labels=classes)
        )
        out["average_precision"] = float(np.mean([c["ap"] for c in pr]))
    else:
        out["roc_auc"] = float(np.mean([c["auc"] for c in roc]))
        out["average_precision"] = float(np.mean([c["ap"] for c in pr]))
    return {
        "metrics": out,
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
        "per_class": {
            "labels": labels,
            "precision": floats(p),
            "recall": floats(r),
            "f1": floats(f),
            "support": [int(x) for x in s],
        },
        "roc": roc,
        "pr": pr,
    }


def bundled(file, target, loader):
    """The bundled CSV's features and labels, checked equal to scikit-learn's loader."""
    with open(ROOT / "assets" / "data" / file, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    t = header.index(target)
    names = [h for i, h in enumerate(header) if i != t]
    x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in body])
    y = np.array([r[t] for r in body], dtype=object)
    ref = loader()
    assert np.array_equal(x, ref.data), f"{file}: features differ from scikit-learn's"
    assert list(y) == list(np.array(ref.target_names)[ref.target]), f"{file}: labels differ"
    return {"path": f"assets/data/{file}", "target": target, "features": names}, x, y


def model_case(name, data, x, y, model, probabilistic):
    rows = np.arange(len(y))
    x_train, x_test, y_train, y_test, _, test_rows = train_test_split(
        x, y, rows, test_size=TEST_SIZE, random_state=SEED, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model.fit(x_train, y_train)
    classes = [str(c) for c in model.classes_]
    if probabilistic:
        scores = model.predict_proba(x_test)
    else:
        d = model.decision_function(x_test)
        scores = np.column_stack([-d, d]) if d.ndim == 1 else d
    y_pred = model.predict(x_test)
    entry = {
        "name": name,
        "classes": classes,
        "probabilistic": probabilistic,
        "y_true": [str(v) for v in y_test],
        "y_pred": [str(v) for v in y_pred],
        "scores": scores.tolist(),
        "data": data,
        "test_rows": [int(r) for r in test_rows],
        "model": {
            "coef": model.coef_.tolist(),
            "intercept": floats(model.intercept_),
            "link": "logistic" if probabilistic else "decision",
        },
    }
    entry.update(metrics(y_test, y_pred, scores, classes, probabilistic))
    return entry


def text_case():
    rng = np.random.RandomState(SEED)
    classes = ["negative", "neutral", "positive"]
    n = 300
    y_true = rng.choice(classes + ["mixed"], size=n, p=[0.3, 0.45, 0.2, 0.05])
    # Probabilities that lean to the true class, so the scores mean something.
    alpha = np.ones((n, 3))
    for i, t in enumerate(y_true):
        if t in classes:
            alpha[i, classes.index(t)] += 2.0
    scores = np.vstack([rng.dirichlet(a) for a in alpha])
    y_pred = np.array(classes, dtype=object)[scores.argmax(axis=1)]
    entry = {
        "name": "finance-like text labels with an unseen label",
        "classes": classes,
        "probabilistic": True,
        "y_true": [str(v) for v in y_true],
        "y_pred": [str(v) for v in y_pred],
        "scores": scores.tolist(),
    }
    entry.update(metrics(y_true, y_pred, scores, classes, True))
    return entry


def main():
    cancer, cancer_x, cancer_y = bundled("breast_cancer.csv", "diagnosis", load_breast_cancer)
    iris, iris_x, iris_y = bundled("iris.csv", "species", load_iris)
    cases = [
        model_case(
            "breast cancer, logistic regression",
            cancer,
            cancer_x,
            cancer_y,
            LogisticRegression(C=1.0, max_iter=10_000),
            True,
        ),
        model_case(
            "breast cancer, linear SVM (decision values)",
            cancer,
            cancer_x,
            cancer_y,
            LinearSVC(C=1.0, max_iter=100_000, random_state=SEED),
            False,
        ),
        model_case(
            "iris, logistic regression",
            iris,
            iris_x,
            iris_y,
            LogisticRegression(C=1.0, max_iter=10_000),
            True,
        ),
        text_case(),
    ]
    out = {
        "command": "pip install scikit-learn && python3 scripts/sklearn_reference_metrics.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "seed": SEED,
        "test_size": TEST_SIZE,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(
        f"wrote {OUT.relative_to(ROOT)} (scikit-learn {sklearn.__version__}, "
        f"Python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
