"""Times the MaD-Mix solve in numpy for scripts/bench/run.ts.

Reads a JSON list of cases on stdin ({k, d, modalities, repeats, lambda}),
prints one JSON object with numpy's version and, per case, the median
seconds of: K = sum_v X_v X_v^T, Cholesky of K + lambda I, and the solve
for alpha. Run it with OPENBLAS_NUM_THREADS=1 (the caller does) for a
single-thread baseline.
"""
import json
import statistics
import sys
import time

import numpy as np

try:
    from scipy.linalg import cho_factor, cho_solve

    def solve(kernel, lam, delta):
        factor = cho_factor(kernel + lam * np.eye(kernel.shape[0]), lower=True)
        return cho_solve(factor, delta)

    SOLVER = "scipy.linalg.cho_factor + cho_solve"
except ImportError:

    def solve(kernel, lam, delta):
        lower = np.linalg.cholesky(kernel + lam * np.eye(kernel.shape[0]))
        return np.linalg.solve(lower.T, np.linalg.solve(lower, delta))

    SOLVER = "numpy.linalg.cholesky + numpy.linalg.solve"


def time_case(case):
    rng = np.random.default_rng(1)
    k, d = case["k"], case["d"]
    xs = [rng.standard_normal((k, d)) / np.sqrt(d) for _ in range(case["modalities"])]
    delta = np.full(k, float(case["modalities"]))
    samples = []
    for _ in range(case["repeats"] + 1):
        start = time.perf_counter()
        kernel = xs[0] @ xs[0].T
        for x in xs[1:]:
            kernel += x @ x.T
        alpha = solve(kernel, case["lambda"], delta)
        samples.append(time.perf_counter() - start)
        assert np.isfinite(alpha).all()
    return statistics.median(samples[1:])  # the first run warms caches and threads


def main():
    cases = json.load(sys.stdin)
    seconds = [time_case(case) for case in cases]
    print(json.dumps({"numpy": np.__version__, "solver": SOLVER, "seconds": seconds}))


if __name__ == "__main__":
    main()
