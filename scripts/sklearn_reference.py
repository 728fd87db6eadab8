#!/usr/bin/env python3
"""Independent reference numbers from scikit-learn for the bundled dataset.

Pipewright's node tests (nodes/tests/reference.rs) compare their own results to
these: the same file, the same shuffle=False 80/20 split, the same models.

Setup and usage (from the repository root):
    pip install scikit-learn
    python3 scripts/sklearn_reference.py

Writes nodes/tests/reference/sklearn_reference.json.
"""

import json
import pathlib
import platform
import sys

import numpy as np
import sklearn
from sklearn.linear_model import ElasticNet, LinearRegression, Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "assets" / "data" / "regression_dataset.txt"
OUT = ROOT / "nodes" / "tests" / "reference" / "sklearn_reference.json"
TEST_FRACTION = 0.2
SEED = 42


def checksum(rows):
    """Σ (k + 1) · rows[k] mod 2^64: equal only for the same rows in the same order."""
    total = 0
    for k, r in enumerate(rows.tolist()):
        total = (total + (k + 1) * r) % (1 << 64)
    return total


def scores(y_true, y_pred):
    mse = mean_squared_error(y_true, y_pred)
    return {
        "mse": float(mse),
        "rmse": float(np.sqrt(mse)),
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
        "n": int(len(y_true)),
    }


def fitted(model, x_train, y_train, x_test, y_test, hyper):
    model.fit(x_train, y_train)
    entry = {
        "hyper": hyper,
        "coefficients": [float(c) for c in model.coef_],
        "intercept": float(model.intercept_),
        "metrics": scores(y_test, model.predict(x_test)),
    }
    if getattr(model, "n_iter_", None) is not None:
        entry["n_iter"] = int(model.n_iter_)
    return entry


def main() -> None:
    data = np.loadtxt(DATA, delimiter="\t")
    x, y = data[:, :1], data[:, 1]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, shuffle=False
    )

    scaler = StandardScaler().fit(np.column_stack([x_train[:, 0], y_train]))
    reference = {
        "command": "pip install scikit-learn && python3 scripts/sklearn_reference.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "data": str(DATA.relative_to(ROOT)),
        "columns": ["x", "y"],
        "split": {
            "test_fraction": TEST_FRACTION,
            "shuffle": False,
            "n_train": int(len(y_train)),
            "n_test": int(len(y_test)),
            "train_first": [float(x_train[0, 0]), float(y_train[0])],
            "train_last": [float(x_train[-1, 0]), float(y_train[-1])],
            "test_first": [float(x_test[0, 0]), float(y_test[0])],
            "test_last": [float(x_test[-1, 0]), float(y_test[-1])],
        },
        "standard_scaler": {
            "fitted_on": "train split, columns x and y",
            "mean": {"x": float(scaler.mean_[0]), "y": float(scaler.mean_[1])},
            "scale": {"x": float(scaler.scale_[0]), "y": float(scaler.scale_[1])},
            "test_first_scaled": [
                float(v) for v in scaler.transform([[x_test[0, 0], y_test[0]]])[0]
            ],
        },
        "linear_regression": fitted(
            LinearRegression(), x_train, y_train, x_test, y_test, {}
        ),
        "ridge": fitted(
            Ridge(alpha=1.0), x_train, y_train, x_test, y_test, {"alpha": 1.0}
        ),
        "elastic_net": fitted(
            ElasticNet(alpha=0.1, l1_ratio=0.5),
            x_train,
            y_train,
            x_test,
            y_test,
            {"alpha": 0.1, "l1_ratio": 0.5, "max_iter": 1000, "tol": 1e-4},
        ),
    }
    # Two correlated features (x and x²) on the same split: coordinate descent
    # needs tens of passes here, so this checks the iterative solver, not just one
    # exact step.
    def squared(a):
        return np.column_stack([a[:, 0], a[:, 0] * a[:, 0]])

    sq_train, sq_test = squared(x_train), squared(x_test)
    reference["two_features"] = {
        "features": ["x", "x_sq"],
        "x_sq": "x * x",
        "linear_regression": fitted(LinearRegression(), sq_train, y_train, sq_test, y_test, {}),
        "ridge": fitted(Ridge(alpha=1.0), sq_train, y_train, sq_test, y_test, {"alpha": 1.0}),
        "elastic_net": fitted(
            ElasticNet(alpha=0.1, l1_ratio=0.5),
            sq_train,
            y_train,
            sq_test,
            y_test,
            {"alpha": 0.1, "l1_ratio": 0.5, "max_iter": 1000, "tol": 1e-4},
        ),
    }
    # Rank-deficient designs: scikit-learn's lstsq gives the minimum-norm weights (a
    # constant column weighs 0, a doubled one shares the slope), on the in-order split.
    def doubled(a):
        return np.column_stack([a[:, 0], 2.0 * a[:, 0]])

    def constant(a):
        return np.column_stack([a[:, 0], np.full(len(a), 3.0)])

    reference["rank_deficient"] = {
        "doubled": fitted(
            LinearRegression(), doubled(x_train), y_train, doubled(x_test), y_test, {}
        ),
        "constant": fitted(
            LinearRegression(), constant(x_train), y_train, constant(x_test), y_test, {}
        ),
    }
    # The shuffled split scikit-learn users write: train_test_split(..., random_state=42).
    # transform.split must pick exactly these rows (numpy's RandomState permutation,
    # test rows first), so the fit and the scores are scikit-learn's to the last digits.
    idx = np.arange(len(y))
    idx_train, idx_test = train_test_split(idx, test_size=TEST_FRACTION, random_state=SEED)
    reference["shuffled"] = {
        "seed": SEED,
        "test_fraction": TEST_FRACTION,
        "train_rows": [int(i) for i in idx_train],
        "test_rows": [int(i) for i in idx_test],
        "linear_regression": fitted(
            LinearRegression(), x[idx_train], y[idx_train], x[idx_test], y[idx_test], {}
        ),
    }
    # A million rows made by a formula both sides evaluate exactly (integer arithmetic
    # and correctly rounded division), so Rust builds the very same table.
    n = 1_000_000
    i = np.arange(n, dtype=np.int64)
    big_x = ((i * 7919) % 100_003).astype(np.float64) / 1000.0
    big_y = 2.5 * big_x + 1.0 + ((i * 104_729) % 1000).astype(np.float64) / 1000.0
    big_idx_train, big_idx_test = train_test_split(i, test_size=TEST_FRACTION, random_state=SEED)
    reference["shuffled_1m"] = {
        "rows": n,
        "x": "((i * 7919) % 100003) / 1000",
        "y": "2.5 * x + 1 + ((i * 104729) % 1000) / 1000",
        "seed": SEED,
        "test_fraction": TEST_FRACTION,
        "n_test": int(len(big_idx_test)),
        "test_head": [int(v) for v in big_idx_test[:10]],
        "test_tail": [int(v) for v in big_idx_test[-10:]],
        "train_head": [int(v) for v in big_idx_train[:10]],
        "train_tail": [int(v) for v in big_idx_train[-10:]],
        # Σ (k + 1) · rows[k] mod 2^64 over all rows, a checksum of order and content.
        "test_checksum": checksum(big_idx_test),
        "train_checksum": checksum(big_idx_train),
        "linear_regression": fitted(
            LinearRegression(),
            big_x[big_idx_train, None],
            big_y[big_idx_train],
            big_x[big_idx_test, None],
            big_y[big_idx_test],
            {},
        ),
    }
    # Stratified splits, train_test_split(..., random_state=seed, stratify=labels), i.e.
    # StratifiedShuffleSplit: transform.split with stratify must pick these rows. The
    # labels come from formulas Rust evaluates identically. The first case has three
    # imbalanced text classes whose shares leave remainders; the second three integer
    # classes of 333 rows each, so _approximate_mode breaks a three-way tie with the rng.
    labels = np.array(["negative", "neutral", "positive"])
    r13 = (np.arange(1000, dtype=np.int64) * 7919) % 13
    text_labels = np.where(r13 < 3, labels[0], np.where(r13 < 5, labels[2], labels[1]))
    tied_labels = (np.arange(999, dtype=np.int64) * 7919) % 3
    reference["stratified"] = []
    for rule, y_strat, test_fraction in [
        (
            "r = (i * 7919) % 13; r < 3: negative, r < 5: positive, else neutral",
            text_labels,
            TEST_FRACTION,
        ),
        ("(i * 7919) % 3, an integer", tied_labels, 0.1),
    ]:
        rows = np.arange(len(y_strat))
        s_train, s_test = train_test_split(
            rows, test_size=test_fraction, random_state=SEED, stratify=y_strat
        )
        reference["stratified"].append(
            {
                "rows": int(len(y_strat)),
                "label": rule,
                "seed": SEED,
                "test_fraction": test_fraction,
                "class_counts": {
                    str(c): int(n) for c, n in zip(*np.unique(y_strat, return_counts=True))
                },
                "train_rows": [int(v) for v in s_train],
                "test_rows": [int(v) for v in s_test],
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(reference, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} (scikit-learn {sklearn.__version__}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
