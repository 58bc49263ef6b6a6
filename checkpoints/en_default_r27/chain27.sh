#!/usr/bin/env bash
set -euo pipefail
cd /work/main
export PATH=$PWD/.venv/bin:$PATH
s=$(date +%s)
recipes/en_default/run.sh --stage 2 --stop-stage 3 --first-part 26 --parts "16000" --perturb-seed 151
echo "DATA DONE in $(( $(date +%s) - s )) s"
s=$(date +%s)
recipes/en_default/run.sh --stage 5 --stop-stage 7 --first-part 26 --parts "16000" --exp exp/en_default_r27 \
  --store checkpoints/en_default_r27 --init checkpoints/en_default_r26/epoch-2.pt --set model.num_layers=4 --set train.lr=5e-4 \
  --set train.warmup_steps=200 --set train.epochs=2 --set train.spec_augment.freq_width=27 \
  --set train.spec_augment.time_masks=4 --set train.spec_augment.max_time_width=40 --average-last 2 \
  --lm-weights "1.5 2 2.5 3 3.5 4"
echo "TRAIN+TUNE(a) DONE in $(( $(date +%s) - s )) s"
s=$(date +%s)
mkdir -p exp/en_default_r2627_avg exp/en_default_r252627_avg
asr average checkpoints/en_default_r26/epoch-2.pt exp/en_default_r27/epoch-2.pt -o exp/en_default_r2627_avg/final.pt
recipes/en_default/run.sh --stage 7 --stop-stage 7 --exp exp/en_default_r2627_avg --lm-weights "1.5 2 2.5 3 3.5 4"
echo "TUNE(b) DONE in $(( $(date +%s) - s )) s"
s=$(date +%s)
asr average checkpoints/en_default_r25/epoch-2.pt checkpoints/en_default_r26/epoch-2.pt exp/en_default_r27/epoch-2.pt \
  -o exp/en_default_r252627_avg/final.pt
recipes/en_default/run.sh --stage 7 --stop-stage 7 --exp exp/en_default_r252627_avg --lm-weights "1.5 2 2.5 3 3.5 4"
echo "TUNE(c) DONE in $(( $(date +%s) - s )) s"
