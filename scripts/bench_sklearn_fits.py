#!/usr/bin/env python3
"""Logistic regression and random forest fits on a 1,000,000 × 20 table, with
scikit-learn, for the benchmark in app/benches/pipewright.rs (section 6).

The benchmark writes the same rows it gives Pipewright as raw little-endian float64
(`X.f64`, row-major, 20 columns) and the labels as bytes (`y.u8`).

Usage: python3 scripts/bench_sklearn_fits.py DIR {logistic|forest}
Prints one JSON line: the fit time in seconds and the training accuracy.
"""

import json
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

# The same settings as the benchmark's Pipewright flows.
FOREST = dict(n_estimators=10, max_depth=10, max_features="sqrt", random_state=0, n_jobs=-1)
LOGISTIC = dict(C=1.0, max_iter=100, tol=1e-4)


def main(folder, which):
    x = np.fromfile(f"{folder}/X.f64", dtype="<f8").reshape(-1, 20)
    y = np.fromfile(f"{folder}/y.u8", dtype=np.uint8)
    model = RandomForestClassifier(**FOREST) if which == "forest" else LogisticRegression(**LOGISTIC)
    t = time.perf_counter()
    model.fit(x, y)
    fit = time.perf_counter() - t
    print(json.dumps({"fit_s": fit, "train_accuracy": float(model.score(x, y))}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
