#!/usr/bin/env bash
# The thirty-seventh schedule (RESULTS.md, its rule), straight after the thirty-sixth.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while pgrep -f chain36b.sh > /dev/null; do sleep 20; done
grep -q "^== done" exp/round36.log || { echo "the thirty-sixth did not finish: not starting"; exit 1; }
echo "== round37 $(date)"
C=checkpoints
recipes/en_default/local/round.sh --name r37 --part 35 --perturb-seed 241 --init $C/en_default_r36/epoch-3.pt --layers 5 --epochs 3 --with $C/en_default_r36/epoch-3.pt --with "$C/en_default_r35/epoch-3.pt $C/en_default_r36/epoch-3.pt" --with "$C/en_default_r34/epoch-3.pt $C/en_default_r35/epoch-3.pt $C/en_default_r36/epoch-3.pt" --with "$C/en_default_r33/epoch-3.pt $C/en_default_r34/epoch-3.pt $C/en_default_r35/epoch-3.pt $C/en_default_r36/epoch-3.pt" --with "$C/en_default_r32/epoch-3.pt $C/en_default_r33/epoch-3.pt $C/en_default_r34/epoch-3.pt $C/en_default_r35/epoch-3.pt $C/en_default_r36/epoch-3.pt"
echo "== done $(date)"
