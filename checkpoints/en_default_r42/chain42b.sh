#!/usr/bin/env bash
# The thirty-seventh session's resumption of the forty-second schedule on a bare machine: remake the text, dev/test,
# spoken forms, part 40 and the seed-291 copies (stages 1-3), the LM (stage 4), then resume the committed last.pt.
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
data_opts=(--first-part 40 --parts 16000 --perturb-seed 291)
echo "== data $(date)"
recipes/en_default/run.sh --stage 1 --stop-stage 1
recipes/en_default/run.sh --stage 2 --stop-stage 3 "${data_opts[@]}"
recipes/en_default/run.sh --stage 4 --stop-stage 4
echo "== round $(date)"
recipes/en_default/local/round.sh --name r42 --part 40 --perturb-seed 291 --make-data false \
  --init checkpoints/en_default_r41/epoch-3.pt --layers 5 --epochs 3 --average-with-last 7
echo "== done $(date)"
