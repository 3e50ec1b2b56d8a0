"""PyTorch CPU side of `pnpm bench`: the same workloads, printed as JSON lines.

    /usr/bin/python3 bench/torch_bench.py [--samples N] [group ...]

Groups: matmul softmax layernorm elementwise tiny. The first line is a config record that
states torch's version, thread count and BLAS build; every result is checked against a
float64 computation before it counts.
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F

MATMUL_CASES = [
    dict(batch=1, m=256, k=256, n=256),
    dict(batch=1, m=512, k=512, n=512),
    dict(batch=1, m=1024, k=1024, n=1024),
    dict(batch=1, m=2048, k=2048, n=2048),
    dict(batch=8, m=256, k=256, n=256),
    dict(batch=1, m=256, k=256, n=256, tb=True),
    dict(batch=1, m=1024, k=1024, n=1024, tb=True),
    dict(batch=1, m=1024, k=1024, n=1024, ta=True),
    dict(batch=8, m=256, k=256, n=256, ta=True, tb=True),
]
SYSTEM = "pytorch-cpu"


def summarize(values):
    s = sorted(values)
    n = len(s)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return dict(median=med, min=s[0], max=s[-1], samples=n)


def emit(workload, shape, metric, values, unit, **extra):
    print(json.dumps(dict(workload=workload, shape=shape, system=SYSTEM, metric=metric,
                          unit=unit, **summarize(values), **extra)), flush=True)


def time_reps(fn, samples, min_seconds=0.15, max_reps=200):
    fn()
    t = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t, 1e-6)
    reps = max(1, min(max_reps, int(min_seconds / one) + 1))
    out = []
    for _ in range(samples):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t) / reps)
    return out


def check(what, got, want, atol, rtol):
    err = (got.double() - want).abs()
    tol = atol + rtol * want.abs()
    if not bool((err <= tol).all()):
        raise SystemExit(f"{what}: wrong result (max error {float(err.max())})")


def shape_name(c):
    t = c.get("ta") or c.get("tb")
    s = f"{c['batch']}×" if c["batch"] > 1 else ""
    s += f"{c['m']}×{c['k']}×{c['n']}"
    if t:
        s += f" {'Aᵀ' if c.get('ta') else 'A'}·{'Bᵀ' if c.get('tb') else 'B'}"
    return s


def run_matmul(samples):
    g = torch.Generator().manual_seed(0)
    for c in MATMUL_CASES:
        b, m, k, n = c["batch"], c["m"], c["k"], c["n"]
        a = torch.rand((b, k, m) if c.get("ta") else (b, m, k), generator=g) * 2 - 1
        bb = torch.rand((b, n, k) if c.get("tb") else (b, k, n), generator=g) * 2 - 1
        if b == 1:
            a, bb = a[0], bb[0]
        A = a.transpose(-1, -2) if c.get("ta") else a
        B = bb.transpose(-1, -2) if c.get("tb") else bb
        out = torch.matmul(A, B)
        check(f"torch matmul {shape_name(c)}", out, torch.matmul(A.double(), B.double()),
              1e-3, 1e-3)
        secs = time_reps(lambda: torch.matmul(A, B), samples)
        flops = 2 * b * m * n * k
        emit("matmul", shape_name(c), "throughput", [flops / s / 1e9 for s in secs], "GFLOP/s")


ROWS, COLS = 4096, 1024


def run_rows(samples, which):
    x = (torch.rand(ROWS, COLS, generator=torch.Generator().manual_seed(1)) * 2 - 1) * 4
    nbytes = 2 * ROWS * COLS * 4
    if "softmax" in which:
        out = torch.softmax(x, -1)
        check("torch softmax", out, torch.softmax(x.double(), -1), 1e-7, 1e-4)
        secs = time_reps(lambda: torch.softmax(x, -1), samples)
        emit("softmax", f"{ROWS}×{COLS}", "bandwidth", [nbytes / s / 1e9 for s in secs], "GB/s")
    if "layernorm" in which:
        w = torch.rand(COLS) + 0.5
        b = torch.rand(COLS)
        out = F.layer_norm(x, (COLS,), w, b, 1e-5)
        check("torch layer norm", out, F.layer_norm(x.double(), (COLS,), w.double(), b.double(), 1e-5), 1e-4, 1e-4)
        secs = time_reps(lambda: F.layer_norm(x, (COLS,), w, b, 1e-5), samples)
        emit("layernorm", f"{ROWS}×{COLS}", "bandwidth", [nbytes / s / 1e9 for s in secs], "GB/s")


def run_elementwise(samples):
    n = 16 * 1024 * 1024
    g = torch.Generator().manual_seed(2)
    a = torch.rand(n, generator=g) * 2 - 1
    b = torch.rand(n, generator=g) * 2 - 1
    check("torch add", torch.add(a, b), a.double() + b.double(), 1e-6, 1e-5)
    secs = time_reps(lambda: torch.add(a, b), samples)
    emit("elementwise add", "16M f32", "bandwidth", [3 * n * 4 / s / 1e9 for s in secs], "GB/s")
    check("torch gelu", F.gelu(a, approximate="tanh"), F.gelu(a.double(), approximate="tanh"), 1e-6, 1e-5)
    secs = time_reps(lambda: F.gelu(a, approximate="tanh"), samples)
    emit("elementwise gelu", "16M f32", "bandwidth", [2 * n * 4 / s / 1e9 for s in secs], "GB/s")


def run_tiny(samples):
    ops, size = 1000, 64
    y = torch.rand(size)
    x0 = torch.rand(size)

    def chain():
        x = x0
        for _ in range(ops):
            x = torch.add(x, y)
        return x

    check("torch tiny-op chain", chain(), x0.double() + ops * y.double(), 1e-3, 1e-4)
    secs = time_reps(chain, samples, max_reps=10)
    emit("tiny ops", f"{ops} adds of {size}", "latency", [s / ops * 1e6 for s in secs], "µs/op")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("groups", nargs="*", default=["matmul", "softmax", "layernorm", "elementwise", "tiny"])
    args = p.parse_args()
    # One intra-op thread per core; this build otherwise starts with a single thread.
    torch.set_num_threads(args.threads)
    blas = "unknown"
    cfg = torch.__config__.show()
    for line in cfg.splitlines():
        if "BLAS_INFO" in line:
            blas = line.split("BLAS_INFO=")[1].split(",")[0]
    print(json.dumps(dict(config=dict(torch=torch.__version__, threads=torch.get_num_threads(),
                                      blas=blas, mkldnn=torch.backends.mkldnn.is_available(),
                                      parallel=torch.__config__.parallel_info().splitlines()[-1].strip()))),
          flush=True)
    with torch.no_grad():
        if "matmul" in args.groups:
            run_matmul(args.samples)
        run_rows(args.samples, args.groups)
        if "elementwise" in args.groups:
            run_elementwise(args.samples)
        if "tiny" in args.groups:
            run_tiny(args.samples)


if __name__ == "__main__":
    main()
