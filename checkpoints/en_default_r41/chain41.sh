#!/usr/bin/env bash
# Runs the forty-first schedule (RESULTS.md) once the fortieth's chain40b.sh has ended.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while pgrep -f chain40b.sh > /dev/null; do sleep 60; done
if [[ ! -f checkpoints/en_default_r40/epoch-3.pt ]]; then echo "the fortieth did not finish; not starting" >&2; exit 1; fi
echo "== round $(date)"
recipes/en_default/local/round.sh --name r41 --part 39 --perturb-seed 281 \
  --init checkpoints/en_default_r40/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
