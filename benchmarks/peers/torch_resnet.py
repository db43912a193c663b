"""remat's resnet in PyTorch, timed on command, for benchmarks/peers_bench.ts (--model resnet).

The same model as `resnet(config)` in core/models/resnet.ts, built from the config the bench
sends (the reference ResNet: 1×28×28 images, widths 8/16/32, 3 blocks per group, stem 8, 10
classes; batch 16 of Fashion-MNIST, or of the generated images without it), one nn.Sequential
entry per remat stage (11, so checkpoint_sequential takes round(√11) = 3 segments):
  stem    relu(BN(conv3×3(x))), input channels → stem channels;
  block   relu(s(x) + BN(conv3×3(relu(BN(conv3×3(x)))))), the first conv with stride 2 in the
          first block of each group after the first; s is x, or BN(conv1×1 stride s(x)) where
          the channels or the size change;
  head    global average pooling over H and W, then a linear layer channels → classes;
every convolution without a bias and padded by ⌊k/2⌋, every batch norm in training mode (batch
statistics; eps 1e-5, momentum 0.1); mean cross-entropy (torch_driver.py). One difference, of no
weight in the timing: under checkpoint_sequential PyTorch's recompute updates the running
statistics a second time, where remat updates them once per step.

Parameter count, the bench's check that both sides build the same model: for the reference
ResNet, a 3×3 conv unit C→K is 9·C·K filters + 2·K (γ, β), a 1×1 one C·K + 2·K: stem 1→8 88;
group 8: 3 blocks of two 8→8 units (592 each) 3,552; group 16: 8→16 (1,184) + 16→16 (2,336) +
proj 8→16 (160), then 2 blocks of 2·2,336, 13,024; group 32: 16→32 (4,672) + 32→32 (9,280) +
proj 16→32 (576), then 2 blocks of 2·9,280, 51,648; head 32·10 + 10 = 330; in all 68,642, and
state (running mean and variance, 2·K per unit) 8·2 + 6·8·2 + 7·16·2 + 7·32·2 = 784.
"""
from torch import nn

from torch_driver import serve


def unit(inputs, outputs, kernel, stride=1):
    """remat's convUnit: a convolution without bias, padding ⌊k/2⌋, then batch norm."""
    return nn.Sequential(nn.Conv2d(inputs, outputs, kernel, stride, padding=kernel // 2, bias=False),
                         nn.BatchNorm2d(outputs, eps=1e-5, momentum=0.1))


class Stem(nn.Module):
    def __init__(self, channels, stem):
        super().__init__()
        self.conv = unit(channels, stem, 3)

    def forward(self, x):
        return self.conv(x).relu()


class Block(nn.Module):
    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = unit(inputs, outputs, 3, stride)
        self.conv2 = unit(outputs, outputs, 3)
        self.proj = unit(inputs, outputs, 1, stride) if stride != 1 or inputs != outputs else None

    def forward(self, x):
        shortcut = x if self.proj is None else self.proj(x)
        return (shortcut + self.conv2(self.conv1(x).relu())).relu()


class Head(nn.Module):
    def __init__(self, channels, classes):
        super().__init__()
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        return self.fc(x.mean(dim=(2, 3)))


def build(c):
    stages, channels = [Stem(c["inputs"][0], c["stem"])], c["stem"]
    for g, (width, blocks) in enumerate(zip(c["widths"], c["blocks"])):
        for b in range(blocks):
            stages.append(Block(channels, width, 2 if g > 0 and b == 0 else 1))
            channels = width
    return nn.Sequential(*stages, Head(channels, c["classes"]))


if __name__ == "__main__":
    serve(build)
