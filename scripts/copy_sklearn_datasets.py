#!/usr/bin/env python3
"""Copy scikit-learn's iris and breast-cancer files into assets/data as plain CSVs.

scikit-learn ships both under sklearn/datasets/data/, but their first line is
"n_rows,n_features,class names..." and the class is an integer code, so a CSV
reader sees no column names. This script writes the same rows with a real header
row and the class as text, copying every number as the source spells it (no
float round trip, so "1001" stays "1001" and "0.1184" stays "0.1184"), in the
source's row order. It then reads its output back and checks that the numbers
and classes equal sklearn.datasets.load_iris() / load_breast_cancer() exactly.

Usage (from the repository root, with scikit-learn installed):
    python3 scripts/copy_sklearn_datasets.py [--out-dir assets/data]

Writes iris.csv and breast_cancer.csv.
"""

import argparse
import csv
import importlib.resources
import pathlib

import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris

IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def convert(source: str, out: pathlib.Path, feature_columns: list[str], class_column: str) -> int:
    """Rewrite one scikit-learn data file with a header row; returns the row count."""
    text = importlib.resources.files("sklearn.datasets.data").joinpath(source).read_text()
    rows = list(csv.reader(text.splitlines()))
    head, body = rows[0], rows[1:]
    n_rows, n_features = int(head[0]), int(head[1])
    class_names = head[2:]
    # The counts in the source's own first line are the check that we read it right.
    assert len(body) == n_rows, f"{source}: {len(body)} rows, header says {n_rows}"
    assert n_features == len(feature_columns), f"{source}: {n_features} features"
    with out.open("w", newline="") as f:
        # "\n" line ends like the source, not csv's default "\r\n".
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(feature_columns + [class_column])
        for row in body:
            assert len(row) == n_features + 1, f"{source}: row of {len(row)} fields"
            writer.writerow(row[:n_features] + [class_names[int(row[n_features])]])
    return n_rows


def check(out: pathlib.Path, bunch, class_column: str) -> None:
    """Fail unless the written CSV holds exactly the loader's data and targets."""
    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    features = [c for c in reader.fieldnames if c != class_column]
    x = np.array([[float(r[c]) for c in features] for r in rows])
    y = [r[class_column] for r in rows]
    assert x.shape == bunch.data.shape, f"{out}: shape {x.shape} != {bunch.data.shape}"
    assert np.array_equal(x, bunch.data), f"{out}: numbers differ from the loader"
    assert y == [str(bunch.target_names[t]) for t in bunch.target], f"{out}: classes differ"


def main() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=pathlib.Path, default=root / "assets" / "data")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)

    iris_out = args.out_dir / "iris.csv"
    n = convert("iris.csv", iris_out, IRIS_COLUMNS, "species")
    check(iris_out, load_iris(), "species")
    print(f"wrote {n} rows to {iris_out} (checked against load_iris)")

    cancer = load_breast_cancer()
    # The loader's names with "_" for spaces: "mean radius" -> "mean_radius".
    cancer_columns = [str(name).replace(" ", "_") for name in cancer.feature_names]
    cancer_out = args.out_dir / "breast_cancer.csv"
    n = convert("breast_cancer.csv", cancer_out, cancer_columns, "diagnosis")
    check(cancer_out, cancer, "diagnosis")
    print(f"wrote {n} rows to {cancer_out} (checked against load_breast_cancer)")


if __name__ == "__main__":
    main()
