#!/usr/bin/env python3
"""scikit-learn's answers for the tree, forest, k-NN, k-means and PCA steps.

nodes/tests/reference_trees.rs compares Pipewright's steps with these, on the
bundled iris and breast-cancer tables (assets/data/*.csv) and on the same rows:
train_test_split(..., test_size=0.2, random_state=SEED, stratify=y), which
Pipewright's transform.split reproduces row for row.

Setup and usage (from the repository root):
    pip install scikit-learn
    python3 scripts/sklearn_reference_trees.py

Writes nodes/tests/reference/trees.json.
"""

import json
import pathlib
import platform

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, silhouette_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "assets" / "data"
OUT = ROOT / "nodes" / "tests" / "reference" / "trees.json"
SEED = 42
TEST_SIZE = 0.2


def load(name, target):
    lines = (DATA / name).read_text().splitlines()
    header = lines[0].split(",")
    t = header.index(target)
    rows = [line.split(",") for line in lines[1:] if line]
    x = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows])
    y = np.array([r[t] for r in rows])
    features = [h for i, h in enumerate(header) if i != t]
    return features, x, y


def floats(a):
    return [float(v) for v in np.asarray(a).ravel()]


def split(x, y):
    return train_test_split(x, y, test_size=TEST_SIZE, random_state=SEED, stratify=y)


def tree_case(x_tr, y_tr, x_te, y_te, **hyper):
    m = DecisionTreeClassifier(random_state=0, **hyper).fit(x_tr, y_tr)
    t = m.tree_
    return {
        "hyper": hyper,
        "classes": [str(c) for c in m.classes_],
        "predicted": [str(v) for v in m.predict(x_te)],
        "proba": [floats(r) for r in m.predict_proba(x_te)],
        "accuracy": float(accuracy_score(y_te, m.predict(x_te))),
        "depth": int(m.get_depth()),
        "leaves": int(m.get_n_leaves()),
        "feature": [int(v) for v in t.feature],
        "threshold": floats(t.threshold),
        "left": [int(v) for v in t.children_left],
        "importances": floats(m.feature_importances_),
    }


def forest_case(x_tr, y_tr, x_te, y_te, **hyper):
    m = RandomForestClassifier(random_state=0, n_jobs=-1, **hyper).fit(x_tr, y_tr)
    return {
        "hyper": hyper,
        "accuracy": float(accuracy_score(y_te, m.predict(x_te))),
        "predicted": [str(v) for v in m.predict(x_te)],
        "proba": [floats(r) for r in m.predict_proba(x_te)],
        "importances": floats(m.feature_importances_),
        "nodes": [int(e.tree_.node_count) for e in m.estimators_],
    }


def knn_case(x_tr, y_tr, x_te, **hyper):
    m = KNeighborsClassifier(algorithm="brute", **hyper).fit(x_tr, y_tr)
    return {
        "hyper": hyper,
        "predicted": [str(v) for v in m.predict(x_te)],
        "proba": [floats(r) for r in m.predict_proba(x_te)],
    }


def kmeans_case(x, **hyper):
    m = KMeans(n_clusters=3, random_state=0, **hyper).fit(x)
    return {
        "hyper": hyper,
        "inertia": float(m.inertia_),
        "labels": [int(v) for v in m.labels_],
        "silhouette": float(silhouette_score(x, m.labels_)),
        "n_iter": int(m.n_iter_),
    }


def pca_case(x, **hyper):
    m = PCA(**hyper)
    scores = m.fit_transform(x)
    return {
        "hyper": hyper,
        "components": [floats(r) for r in m.components_],
        "mean": floats(m.mean_),
        "explained_variance": floats(m.explained_variance_),
        "explained_variance_ratio": floats(m.explained_variance_ratio_),
        "scores": [floats(r) for r in scores],
    }


def main():
    out = {
        "command": "pip install scikit-learn && python3 scripts/sklearn_reference_trees.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "split": {"test_size": TEST_SIZE, "random_state": SEED, "stratify": True},
    }

    features, x, y = load("iris.csv", "species")
    x_tr, x_te, y_tr, y_te = split(x, y)
    out["iris"] = {
        "features": features,
        "train_x": [floats(r) for r in x_tr],
        "test_x": [floats(r) for r in x_te],
        "test_y": [str(v) for v in y_te],
        "tree": [
            tree_case(x_tr, y_tr, x_te, y_te, max_depth=2),
            tree_case(x_tr, y_tr, x_te, y_te, max_depth=3),
            tree_case(x_tr, y_tr, x_te, y_te, max_depth=3, criterion="entropy"),
            tree_case(x_tr, y_tr, x_te, y_te),
        ],
        "forest": [forest_case(x_tr, y_tr, x_te, y_te, n_estimators=100)],
        "knn": [
            knn_case(x_tr, y_tr, x_te, n_neighbors=5),
            knn_case(x_tr, y_tr, x_te, n_neighbors=5, weights="distance"),
            knn_case(x_tr, y_tr, x_te, n_neighbors=3, metric="cosine"),
            knn_case(x_tr, y_tr, x_te, n_neighbors=7, weights="distance", metric="cosine"),
        ],
        "kmeans": [
            kmeans_case(x, n_init=10),
            kmeans_case(x, n_init=10, init="random"),
            kmeans_case(x, n_init=1),
            kmeans_case(x, n_init=1, init="random"),
        ],
        "pca": [
            pca_case(x, n_components=2),
            pca_case(x, n_components=3, whiten=True),
        ],
    }

    features, x, y = load("breast_cancer.csv", "diagnosis")
    x_tr, x_te, y_tr, y_te = split(x, y)
    out["breast_cancer"] = {
        "features": features,
        "train_first": floats(x_tr[:, 0]),
        "test_first": floats(x_te[:, 0]),
        "test_y": [str(v) for v in y_te],
        "tree": [
            tree_case(x_tr, y_tr, x_te, y_te, max_depth=3),
            tree_case(x_tr, y_tr, x_te, y_te),
            tree_case(x_tr, y_tr, x_te, y_te, criterion="entropy", min_samples_leaf=5),
        ],
        "forest": [
            forest_case(x_tr, y_tr, x_te, y_te, n_estimators=100),
            forest_case(x_tr, y_tr, x_te, y_te, n_estimators=100, max_features="log2",
                        min_samples_leaf=3),
        ],
        "knn": [
            knn_case(x_tr, y_tr, x_te, n_neighbors=5),
            knn_case(x_tr, y_tr, x_te, n_neighbors=10, weights="distance"),
            knn_case(x_tr, y_tr, x_te, n_neighbors=5, metric="cosine"),
        ],
        "pca": [pca_case(x, n_components=2)],
    }

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
