"""PyTorch CPU timing of torch.nn.RNN (B=32, T=128, I=128, H=256) for `pnpm bench rnn`.

Prints one JSON object: forward and forward+backward seconds per call (samples), thread
count and BLAS, after checking the output against a float64 step-by-step loop.
"""
import json
import sys
import time

import torch

samples = int(sys.argv[1]) if len(sys.argv) > 1 else 5
torch.manual_seed(0)
B, T, I, H = 32, 128, 128, 256
rnn = torch.nn.RNN(I, H, batch_first=True)
x = torch.rand(B, T, I) * 2 - 1
with torch.no_grad():
    out, _ = rnn(x)
    # Check: the same recurrence in float64, step by step.
    w_ih, w_hh = rnn.weight_ih_l0.double(), rnn.weight_hh_l0.double()
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).double()
    h = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        h = torch.tanh(x[:, t].double() @ w_ih.T + h @ w_hh.T + b)
    err = (out[:, -1].double() - h).abs().max().item()
    assert err < 1e-4, f"torch RNN differs from the float64 loop by {err}"


def timed(fn):
    fn()
    fn()
    one = time.perf_counter()
    fn()
    one = time.perf_counter() - one
    reps = max(1, min(50, int(0.3 / max(one, 1e-6))))
    out = []
    for _ in range(samples):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t) / reps)
    return out


def forward():
    with torch.no_grad():
        rnn(x)


def forward_backward():
    rnn.zero_grad()
    o, h = rnn(x)
    o.sum().backward()


blas = "unknown"
try:
    cfg = torch.__config__.show()
    blas = "MKL" if "USE_MKL=ON" in cfg else ("OpenBLAS" if "openblas" in cfg.lower() else blas)
except Exception:
    pass
print(json.dumps({
    "threads": torch.get_num_threads(), "blas": blas, "torch": torch.__version__, "maxErr": err,
    "forward": timed(forward), "forwardBackward": timed(forward_backward),
}))
