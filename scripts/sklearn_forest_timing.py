#!/usr/bin/env python3
"""Times scikit-learn's RandomForestClassifier on the table forest_timing (in
nodes/src/train/forest.rs) fits: ROWS x 20 uniform features from
numpy's RandomState(0).random_sample, the class a noisy threshold of a few.

Usage: ROWS=1000000 TREES=10 python3 scripts/sklearn_forest_timing.py
"""

import os
import resource
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier

n = int(os.environ.get("ROWS", 1_000_000))
trees = int(os.environ.get("TREES", 10))
rs = np.random.RandomState(0)
x = rs.random_sample((n, 20))
y = (x[:, 0] + x[:, 1] + 0.5 * x[:, 2] * x[:, 3] + 0.3 * rs.random_sample(n) > 1.2).astype(int)
start = time.perf_counter()
m = RandomForestClassifier(n_estimators=trees, random_state=0, n_jobs=-1).fit(x, y)
secs = time.perf_counter() - start
nodes = sum(e.tree_.node_count for e in m.estimators_)
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{n} rows x 20 features, {trees} trees: {secs:.2f} s ({secs / trees:.2f} s per tree), "
      f"{nodes} nodes, peak RSS {peak_mib:.0f} MiB")
