#!/usr/bin/env python3
"""Independent reference numbers from scikit-learn for the imputer and the encoders.

nodes/tests/reference_encode.rs runs transform.impute, transform.one_hot and
transform.label_encode on nodes/tests/reference/encode_input.csv (read by
data.load_csv) and compares their results with these, exactly.

Setup and usage (from the repository root):
    pip install scikit-learn
    python3 scripts/sklearn_reference_encode.py

Writes nodes/tests/reference/encode.json.
"""

import csv
import json
import pathlib
import platform
import sys

import numpy as np
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import LabelEncoder, OneHotEncoder

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "nodes" / "tests" / "reference" / "encode_input.csv"
OUT = ROOT / "nodes" / "tests" / "reference" / "encode.json"


def read():
    """The CSV as columns of text; an empty field is missing (None), as polars reads it."""
    with open(DATA, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {k: [r[k] if r[k] != "" else None for r in rows] for k in rows[0]}


def numeric(values):
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def text(values):
    return np.array([np.nan if v is None else v for v in values], dtype=object)


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def main():
    cols = read()
    out = {
        "command": "pip install scikit-learn && python3 scripts/sklearn_reference_encode.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "input": str(DATA.relative_to(ROOT)),
        "impute": {},
        "one_hot": {},
    }

    # SimpleImputer on the numeric columns x (float) and y (integers with gaps), each
    # strategy; statistics_ and the filled columns.
    numbers = np.column_stack([numeric(cols["x"]), numeric(cols["y"])])
    for strategy in ["mean", "median", "most_frequent", "constant"]:
        imp = SimpleImputer(strategy=strategy)  # constant: fill_value 0 for numbers
        filled = imp.fit_transform(numbers)
        out["impute"][strategy] = {
            "x": {"statistic": float(imp.statistics_[0]), "filled": floats(filled[:, 0])},
            "y": {"statistic": float(imp.statistics_[1]), "filled": floats(filled[:, 1])},
        }
    # Text column: most_frequent (a three-way tie: the smallest) and constant.
    words = text(cols["colour"]).reshape(-1, 1)
    for strategy in ["most_frequent", "constant"]:
        imp = SimpleImputer(strategy=strategy)  # constant: "missing_value" for text
        filled = imp.fit_transform(words)
        out["impute"][strategy]["colour"] = {
            "statistic": str(imp.statistics_[0]),
            "filled": [str(v) for v in filled[:, 0]],
        }

    # OneHotEncoder on size (three categories) and flag (two), each drop choice.
    cats = np.column_stack([text(cols["size"]), text(cols["flag"])])
    for drop in [None, "first", "if_binary"]:
        enc = OneHotEncoder(drop=drop, sparse_output=False)
        matrix = enc.fit_transform(cats)
        out["one_hot"][drop or "none"] = {
            "categories": [[str(c) for c in cs] for cs in enc.categories_],
            "feature_names": [str(n) for n in enc.get_feature_names_out(["size", "flag"])],
            "matrix": [floats(r) for r in matrix],
        }

    le = LabelEncoder()
    codes = le.fit_transform(cols["label"])
    out["label_encoder"] = {
        "classes": [str(c) for c in le.classes_],
        "codes": [int(c) for c in codes],
    }

    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} (scikit-learn {sklearn.__version__}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
