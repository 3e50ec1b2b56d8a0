"""nanoGPT's CPU shakespeare_char run in PyTorch, the reference side of `pnpm bench nanogpt-cpu`.

The model is nanoGPT's architecture (Karpathy, model.py) written out here: learned token and
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

import torch
import torch.nn as nn
from torch.nn import functional as F


class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_embd = c["n_head"], c["n_embd"]
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c["bias"])
        T = c["block_size"]
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)).view(1, 1, T, T))

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B, nh, T, T)
        att = att.masked_fill(~self.mask[:, :, :T, :T], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c["bias"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = LayerNorm(c["n_embd"], c["bias"])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = LayerNorm(c["n_embd"], c["bias"])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=LayerNorm(c["n_embd"], c["bias"]),
        ))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, 0.0, 0.02)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c["n_layer"]))

    def forward(self, idx, targets):
        B, T = idx.shape
        pos = torch.arange(T)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)  # (B, T, C)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, V)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


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
    model = GPT(c)
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
            out[split] = sum(model(*batch(split)).item() for _ in range(a.eval_iters)) / a.eval_iters
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
        loss = model(*batch("train"))
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
