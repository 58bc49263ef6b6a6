#!/usr/bin/env bash
# The thirty-sixth session's resumption of the fortieth schedule: part 38 and the seed-271 copies were still on the
# machine; --average-with-last 7 makes the seven --with lists of RESULTS.md's command.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
echo "== round $(date)"
recipes/en_default/local/round.sh --name r40 --part 38 --perturb-seed 271 --make-data false \
  --init checkpoints/en_default_r39/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
