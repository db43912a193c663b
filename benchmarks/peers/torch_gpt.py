"""remat's gpt in PyTorch, timed on command, for benchmarks/peers_bench.ts (--model gpt).

The same model as `gpt(config)` in core/models/gpt.ts, built from the config the bench sends
(the reference GPT: 8 layers, dModel 128, 4 heads, 64 tokens, hidden 4·128 = 512, dropout 0,
the vocabulary of the shipped text, 44 tokens; batch 8 of its windows), one nn.Sequential entry
per remat stage (10, so checkpoint_sequential takes round(√10) = 3 segments):
  embed   token embedding [vocab, d] + learned positions [seqLen, d], dropout;
  block   pre-norm: h = x + dropout(Wo·attn(LN1(x)) + bo), attn causal multi-head attention
          softmax(q·kᵀ/√dh + mask)·v with q, k, v separate d×d linear layers with biases;
          y = h + dropout(W2·gelu(W1·LN2(h) + b1) + b2), gelu's tanh approximation;
  head    final layer norm, then a linear layer d → vocab with a bias (not tied to the embedding);
layer norms with γ, β and eps 1e-5; mean cross-entropy over every token (torch_driver.py).
Attention is F.scaled_dot_product_attention(is_causal=True), what a PyTorch user would write.

Parameter count, the bench's check that both sides build the same model: for the reference
GPT, embed 44·128 + 64·128 = 13,824; each block 2·(2·128) (LN1, LN2) + 4·(128·128 + 128)
(q, k, v, o) + 128·512 + 512 + 512·128 + 128 = 198,272, times 8 = 1,586,176; head 2·128 +
128·44 + 44 = 5,932; in all 1,605,932 (no state).
"""
import torch
from torch import nn
from torch.nn import functional as F

from torch_driver import serve


class Embed(nn.Module):
    def __init__(self, vocab, seq_len, d, p):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Parameter(torch.randn(seq_len, d) * 0.01)
        self.drop = nn.Dropout(p)

    def forward(self, ids):
        return self.drop(self.wte(ids) + self.wpe[:ids.shape[1]])


class Block(nn.Module):
    def __init__(self, d, heads, hidden, p):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc1 = nn.Linear(d, hidden)
        self.fc2 = nn.Linear(hidden, d)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        b, t, d = x.shape
        n = self.ln1(x)
        q, k, v = (f(n).view(b, t, self.heads, d // self.heads).transpose(1, 2) for f in (self.q, self.k, self.v))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, d)
        h = x + self.drop(self.o(att))
        return h + self.drop(self.fc2(F.gelu(self.fc1(self.ln2(h)), approximate="tanh")))


class Head(nn.Module):
    def __init__(self, d, vocab):
        super().__init__()
        self.ln = nn.LayerNorm(d, eps=1e-5)
        self.fc = nn.Linear(d, vocab)

    def forward(self, x):
        return self.fc(self.ln(x))


def build(c):
    d, p = c["dModel"], c["dropout"]
    return nn.Sequential(Embed(c["vocab"], c["seqLen"], d, p),
                         *[Block(d, c["heads"], c["hidden"], p) for _ in range(c["layers"])],
                         Head(d, c["vocab"]))


if __name__ == "__main__":
    serve(build)
