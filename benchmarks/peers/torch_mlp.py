"""remat's mlp in PyTorch, timed on command, for benchmarks/peers_bench.ts (--model mlp).

The same model as `mlp(config)` in core/models/mlp.ts, built from the config the bench sends
(the reference MLP: depth 32, width 256, hidden 1024, classes 10, inputs 256, batch 64, on
the teacher data): a linear input stage, `depth` residual blocks
x + W2·dropout(relu(W1·x + b1)) + b2, a linear head; one nn.Sequential entry per remat stage
(34 for the reference MLP, so checkpoint_sequential takes round(√34) = 6 segments). The
stdin/stdout protocol and the step are torch_driver.py's.

Parameter count, the bench's check that both sides build the same model: for the reference
MLP, input 256·256 + 256 = 65,792; each block 256·1024 + 1024 + 1024·256 + 256 = 525,568,
times 32 = 16,818,176; head 256·10 + 10 = 2,570; in all 16,886,538 (no state).
"""
from torch import nn

from torch_driver import serve


class Block(nn.Module):
    def __init__(self, width, hidden, p):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.drop = nn.Dropout(p)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return x + self.fc2(self.drop(self.fc1(x).relu()))


def build(c):
    return nn.Sequential(nn.Linear(c["inputs"], c["width"]),
                         *[Block(c["width"], c["hidden"], c["dropout"]) for _ in range(c["depth"])],
                         nn.Linear(c["width"], c["classes"]))


if __name__ == "__main__":
    serve(build)
