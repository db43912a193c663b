"""The stdin/stdout driver that torch_mlp.py, torch_gpt.py and torch_resnet.py share.

benchmarks/peers_bench.ts starts one of those scripts; each calls `serve(build)` with a function
that builds its model from remat's `chain.config` as an nn.Sequential with one module per remat
stage (so that checkpoint_sequential's segments are made of remat's stages). The protocol, one
JSON object per line:

  bench -> {"config": chain.config, "x": [...], "xShape": [...], "xDtype": "f32" | "i32",
            "y": [...], "yShape": [...]}                       (remat's batch, sent once)
  driver -> {"ready": true, "torch": version, "threads": default, "stages": S, "segments": G,
             "params": P, "state": N}
  bench -> {"mode": "storeAll" | "sqrt", "threads": N, "steps": K}
  driver -> {"ms": [K step times]}                              (then the next command, ...)

`params` counts the trainable parameters and `state` the buffers (a batch norm's running mean
and variance; not its num_batches_tracked counter), to be compared with remat's. One step is
forward + mean cross-entropy (logits [..., C] flattened against the ids) + backward, no
optimizer. `sqrt` checkpoints with torch.utils.checkpoint.checkpoint_sequential over
round(√S) segments (use_reentrant=False).
"""
import json
import math
import sys
import time

import torch
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint_sequential


def counts(model):
    """(trainable parameters, state): the scalars of model.parameters() and of its buffers."""
    params = sum(p.numel() for p in model.parameters())
    state = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    return params, state


def loss_fn(out, y):
    """remat's crossEntropyLoss: the mean over every row of logits [..., C] against class ids [...]."""
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


def serve(build):
    """Reads the batch, builds the model with `build(config)`, then answers timing commands."""
    setup = json.loads(sys.stdin.readline())
    torch.manual_seed(0)
    model = build(setup["config"])
    model.train()
    x = torch.tensor(setup["x"], dtype=torch.long if setup["xDtype"] == "i32" else torch.float32)
    x = x.reshape(setup["xShape"])
    y = torch.tensor(setup["y"], dtype=torch.long).reshape(setup["yShape"])
    segments = round(math.sqrt(len(model)))
    params, state = counts(model)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "stages": len(model), "segments": segments, "params": params, "state": state}),
          flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        torch.set_num_threads(int(cmd["threads"]))
        times = []
        for _ in range(int(cmd["steps"])):
            model.zero_grad(set_to_none=True)
            t0 = time.perf_counter()
            if cmd["mode"] == "sqrt":
                out = checkpoint_sequential(model, segments, x, use_reentrant=False)
            else:
                out = model(x)
            loss_fn(out, y).backward()
            times.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"ms": times}), flush=True)
