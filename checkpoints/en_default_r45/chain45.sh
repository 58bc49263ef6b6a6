#!/usr/bin/env bash
# Runs the forty-fifth schedule (RESULTS.md) once the forty-fourth's chain44.sh has ended.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while pgrep -f chain44.sh > /dev/null; do sleep 60; done
if [[ ! -f checkpoints/en_default_r44/epoch-3.pt ]]; then echo "the forty-fourth did not finish; not starting" >&2; exit 1; fi
echo "== round $(date)"
recipes/en_default/local/round.sh --name r45 --part 43 --perturb-seed 321 \
  --init checkpoints/en_default_r44/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
