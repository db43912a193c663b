"""The reference MLP in PyTorch, timed on command, for benchmarks/peers_bench.ts.

Same model as remat's reference MLP (`mlp({ depth: 32, width: 256, hidden: 1024, classes: 10,
inputs: 256 })`, batch 64): a linear input stage, 32 residual blocks
x + W2·relu(W1·x + b1) + b2, a linear head, cross-entropy; one step is forward + backward,
no optimizer, as in remat's `deno task bench`.

It reads one JSON command per line on stdin and answers one JSON line on stdout:
  {"mode": "storeAll" | "sqrt", "threads": N, "steps": K}  ->  {"ms": [K step times]}
`sqrt` checkpoints in the layout of torch.utils.checkpoint.checkpoint_sequential with
round(sqrt(34)) segments (use_reentrant=False). A first line {"ready": ..., "torch": version,
"threads": default} says it is loaded.
"""
import json
import math
import sys
import time

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint_sequential


class Block(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return x + self.fc2(torch.relu(self.fc1(x)))


def reference(depth=32, width=256, hidden=1024, classes=10, inputs=256):
    return nn.Sequential(nn.Linear(inputs, width), *[Block(width, hidden) for _ in range(depth)],
                         nn.Linear(width, classes))


def main():
    torch.manual_seed(0)
    model = reference()
    x = torch.randn(64, 256)
    y = torch.randint(0, 10, (64,))
    loss_fn = nn.CrossEntropyLoss()
    segments = round(math.sqrt(len(model)))
    default_threads = torch.get_num_threads()
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": default_threads,
                      "segments": segments}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        torch.set_num_threads(int(cmd["threads"]))
        times = []
        for _ in range(int(cmd["steps"])):
            model.zero_grad(set_to_none=True)
            t0 = time.perf_counter()
            if cmd["mode"] == "sqrt":
                inp = x.requires_grad_(False)
                out = checkpoint_sequential(model, segments, inp, use_reentrant=False)
            else:
                out = model(x)
            loss_fn(out, y).backward()
            times.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"ms": times}), flush=True)


if __name__ == "__main__":
    main()
