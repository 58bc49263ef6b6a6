#!/usr/bin/env bash
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
s=$(date +%s)
recipes/en_default/run.sh --stage 2 --stop-stage 3 --first-part 23 --parts "16000" --perturb-seed 121
echo "DATA DONE in $(( $(date +%s) - s )) s"
s=$(date +%s)
recipes/en_default/run.sh --stage 5 --stop-stage 7 --first-part 23 --parts "16000" --exp exp/en_default_r24 \
  --store checkpoints/en_default_r24 --init checkpoints/en_default_r23/epoch-2.pt --set model.num_layers=4 --set train.lr=5e-4 \
  --set train.warmup_steps=200 --set train.epochs=2 --set train.spec_augment.freq_width=27 \
  --set train.spec_augment.time_masks=4 --set train.spec_augment.max_time_width=40 --average-last 2 \
  --lm-weights "1.5 2 2.5 3 3.5 4"
echo "TRAIN+TUNE(a) DONE in $(( $(date +%s) - s )) s"
mkdir -p exp/en_default_r2324_avg
asr average checkpoints/en_default_r23/epoch-2.pt exp/en_default_r24/epoch-2.pt -o exp/en_default_r2324_avg/final.pt
recipes/en_default/run.sh --stage 7 --stop-stage 7 --exp exp/en_default_r2324_avg --lm-weights "1.5 2 2.5 3 3.5 4"
echo "TUNE(b) DONE in $(( $(date +%s) - s )) s"
