#!/usr/bin/env bash
# Runs the forty-second schedule (RESULTS.md) once the forty-first's chain41.sh has ended.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while pgrep -f chain41.sh > /dev/null; do sleep 60; done
if [[ ! -f checkpoints/en_default_r41/epoch-3.pt ]]; then echo "the forty-first did not finish; not starting" >&2; exit 1; fi
echo "== round $(date)"
recipes/en_default/local/round.sh --name r42 --part 40 --perturb-seed 291 \
  --init checkpoints/en_default_r41/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
