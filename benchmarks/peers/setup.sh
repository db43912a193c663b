#!/bin/sh
# Installs the benchmark peers into .peers/ (git-ignored): a Python virtual environment with
# the PyTorch CPU build from pip's local wheels (--no-deps) and numpy. Benchmarks only: no
# test and neither of the README's two commands needs it.
set -eu
cd "$(dirname "$0")/../.."
python3 -m venv .peers/venv
.peers/venv/bin/pip install --quiet --no-deps "$(ls /opt/wheels/torch-*+cpu-*.whl | head -1)" 2>/dev/null ||
  .peers/venv/bin/pip install --quiet --no-deps torch
.peers/venv/bin/pip install --quiet --retries 1 numpy typing_extensions sympy filelock networkx jinja2 fsspec mpmath MarkupSafe || true
.peers/venv/bin/python -c 'import torch; print("peers: torch", torch.__version__, "threads", torch.get_num_threads())'
