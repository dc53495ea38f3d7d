#!/usr/bin/env bash
# Installs the transformers trainer's locked Python environment into trainers/transformers/.venv: uv from
# PyPI (pinned), then `uv sync --frozen` (the exact versions of uv.lock, dev group included for its tests).
# On Linux, torch brings its CUDA wheels: a few GB, once. `npm run setup:transformers` runs this; so does CI.
set -euo pipefail
UV_VERSION=0.13.9
cd "$(dirname "$0")"

if command -v uv > /dev/null 2>&1 && [ "$(uv --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
  uv=(uv)
else
  python3 -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
  uv=(python3 -m uv)
fi
echo "transformers trainer: the locked Python environment in $(pwd)/.venv (the first time: a few GB)"
"${uv[@]}" sync --frozen
# What scripts/setup.js compares to skip this step while the environment matches the lock.
python3 -c 'import hashlib; print(hashlib.sha256(open("uv.lock", "rb").read()).hexdigest())' > .venv/.hub-retrain-uv-lock
