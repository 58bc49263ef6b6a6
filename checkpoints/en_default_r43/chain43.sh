#!/usr/bin/env bash
# Runs the forty-third schedule (RESULTS.md) once the forty-second's chain42b.sh has ended.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while pgrep -f chain42b.sh > /dev/null; do sleep 60; done
if [[ ! -f checkpoints/en_default_r42/epoch-3.pt ]]; then echo "the forty-second did not finish; not starting" >&2; exit 1; fi
echo "== round $(date)"
recipes/en_default/local/round.sh --name r43 --part 41 --perturb-seed 301 \
  --init checkpoints/en_default_r42/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
