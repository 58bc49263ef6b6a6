#!/usr/bin/env bash
# Waits for the thirty-eighth schedule (chain38.sh) and runs the thirty-ninth by RESULTS.md's rule.
# (The run waited on chain38.sh's PID; a process-name wait, as chain37.sh's, works in any session.)
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
while pgrep -f chain38.sh > /dev/null; do sleep 30; done
[[ -f checkpoints/en_default_r38/epoch-3.pt ]] || { echo "r38 did not finish; r39 not started"; exit 1; }
echo "== round $(date)"
recipes/en_default/local/round.sh --name r39 --part 37 --perturb-seed 261 --init checkpoints/en_default_r38/epoch-3.pt --layers 5 --epochs 3 --with checkpoints/en_default_r38/epoch-3.pt --with "checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt" --with "checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt" --with "checkpoints/en_default_r35/epoch-3.pt checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt" --with "checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt" --with "checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt" --with "checkpoints/en_default_r32/epoch-3.pt checkpoints/en_default_r33/epoch-3.pt checkpoints/en_default_r34/epoch-3.pt checkpoints/en_default_r35/epoch-3.pt checkpoints/en_default_r36/epoch-3.pt checkpoints/en_default_r37/epoch-3.pt checkpoints/en_default_r38/epoch-3.pt"
echo "== done $(date)"
