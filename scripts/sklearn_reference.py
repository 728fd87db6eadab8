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
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(reference, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} (scikit-learn {sklearn.__version__}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
