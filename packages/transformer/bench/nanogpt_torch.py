"""nanoGPT's CPU shakespeare_char run in PyTorch, the reference side of `pnpm bench nanogpt-cpu`.

The model is nanoGPT's architecture (Karpathy, model.py) as fixtures/generate.py defines it for
the parity fixtures: learned token and
position embeddings, pre-LayerNorm blocks of causal self-attention and a GELU MLP, a final
LayerNorm, and an lm_head tied to the token embedding; N(0, 0.02) init with the residual
projections scaled by 1/sqrt(2·n_layer). Training follows train.py: AdamW with decay only on
rank >= 2 parameters, linear warmup then cosine decay to min_lr, clipping at 1.0, random
windows from the first 90% of the characters, evaluation on eval_iters batches per split.

Prints one JSON object per line: a config line (torch version, threads, BLAS), then
{"event": "eval", ...} lines and one {"event": "done", ...} line, and for --throughput runs a
{"event": "throughput", ...} line.
"""
import argparse
import json
import re
import math
import time

import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from generate import NanoGPT  # noqa: E402  (the architecture the parity fixtures check)


def nanogpt(c):
    """nanoGPT with its initialization: the parity fixtures' model (one definition for both)."""
    model = NanoGPT(dict(vocabSize=c["vocab_size"], blockSize=c["block_size"], nLayer=c["n_layer"],
                         nHead=c["n_head"], nEmbd=c["n_embd"], bias=c["bias"], tieWeights=True))
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
    for name, p in model.named_parameters():
        if name.endswith("c_proj.weight"):
            nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c["n_layer"]))
    return model


def get_lr(it, a):
    if it < a.warmup_iters:
        return a.lr * (it + 1) / a.warmup_iters
    if it > a.lr_decay_iters:
        return a.min_lr
    ratio = (it - a.warmup_iters) / (a.lr_decay_iters - a.warmup_iters)
    return a.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (a.lr - a.min_lr)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--lr-decay-iters", type=int, default=2000)
    p.add_argument("--block-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=12)
    p.add_argument("--n-layer", type=int, default=4)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--n-embd", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup-iters", type=int, default=100)
    p.add_argument("--eval-interval", type=int, default=250)
    p.add_argument("--eval-iters", type=int, default=20)
    p.add_argument("--throughput", type=int, default=0, help="only time this many steps")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=1337)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    config = torch.__config__.parallel_info().splitlines()
    blas = re.findall(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    print(json.dumps({"config": {
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "blas": blas[0] if blas else "unknown", "mkldnn": torch.backends.mkldnn.is_available(),
        "parallel": next((l.strip() for l in config if l.startswith("ATen parallel backend")), ""),
    }}), flush=True)

    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    n = int(0.9 * len(data))
    splits = {"train": data[:n], "val": data[n:]}
    c = dict(vocab_size=len(chars), block_size=a.block_size, n_layer=a.n_layer, n_head=a.n_head,
             n_embd=a.n_embd, bias=False)
    model = nanogpt(c)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.99))

    def batch(split):
        d = splits[split]
        ix = torch.randint(len(d) - a.block_size, (a.batch_size,))
        x = torch.stack([d[i:i + a.block_size] for i in ix])
        y = torch.stack([d[i + 1:i + 1 + a.block_size] for i in ix])
        return x, y

    @torch.no_grad()
    def evaluate(it):
        model.eval()
        out = {}
        for split in ("train", "val"):
            out[split] = sum(model(*batch(split))[1].item() for _ in range(a.eval_iters)) / a.eval_iters
        model.train()
        print(json.dumps({"event": "eval", "iter": it, "train": out["train"], "val": out["val"]}), flush=True)
        return out

    steps = a.throughput if a.throughput > 0 else a.iters
    step_seconds = []
    losses = []
    start = time.perf_counter()
    for it in range(steps):
        if a.throughput == 0 and it % a.eval_interval == 0:
            evaluate(it)
        for g in opt.param_groups:
            g["lr"] = get_lr(it, a)
        t0 = time.perf_counter()
        _, loss = model(*batch("train"))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        step_seconds.append(time.perf_counter() - t0)
    tokens = a.block_size * a.batch_size
    rates = [tokens / s for s in step_seconds[min(3, len(step_seconds) - 1):]]
    if a.throughput > 0:
        print(json.dumps({"event": "throughput", "steps": steps, "tokens_per_s": rates,
                          "first_loss": losses[0], "last_loss": losses[-1]}), flush=True)
        return
    final = evaluate(steps)
    print(json.dumps({"event": "done", "iters": steps, "wall_s": time.perf_counter() - start,
                      "tokens_per_s": rates, "first_loss": losses[0], "final_train": final["train"],
                      "final_val": final["val"]}), flush=True)


if __name__ == "__main__":
    main()
