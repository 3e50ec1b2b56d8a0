"""PyTorch CPU timings for `pnpm bench lstm`: nn.LSTM and nn.GRU (batch 32, 128 steps, input 128,
hidden 256, batch-first), forward (no_grad) and forward+backward (sum of outputs). Each result is
checked against the same module in float64 before timing. Prints one JSON line."""
import json
import sys
import time

import torch

B, T, I, H = 32, 128, 128, 256
samples = int(sys.argv[1]) if len(sys.argv) > 1 else 5
torch.manual_seed(0)
x = torch.rand(B, T, I) * 2 - 1
out = {"threads": torch.get_num_threads(), "blas": torch.__config__.show().count("mkl") and "MKL" or "OpenBLAS"}
for kind, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
    m = cls(I, H, batch_first=True)
    with torch.no_grad():
        got = m(x)[0]
        want = m.double()(x.double())[0]
        m.float()
    err = (got.double() - want).abs().max().item()
    if not err < 1e-4:
        raise SystemExit(f"{kind}: float32 differs from float64 by {err}")

    def fwd():
        with torch.no_grad():
            m(x)

    def fb():
        m.zero_grad()
        m(x)[0].sum().backward()

    res = {}
    for name, fn in (("forward", fwd), ("forwardBackward", fb)):
        fn()
        fn()
        times = []
        for _ in range(samples):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        res[name] = times
    out[kind] = {**res, "err": err}
print(json.dumps(out))
