#!/usr/bin/env bash
# Tiny smoke recipe (like icefall's yesno): synthesise a GRID-like corpus with espeak-ng, train a
# small BiLSTM-CTC model, evaluate on held-out sentences, transcribe one file.
# Runs in a few minutes on 2 CPU cores. Usage: recipes/tiny/run.sh [--stage N] [--stop-stage N]
set -euo pipefail

stage=0
stop_stage=100
data=data/tiny        # generated corpus
exp=exp/tiny          # model, logs, evaluation
config=conf/tiny.yaml
seed=0

. "$(dirname "$0")/../shared/parse_options.sh"

cd "$(dirname "$0")/../.."

if [[ $stage -le 0 && $stop_stage -ge 0 ]]; then
  log "Stage 0: sentences of a small grammar, disjoint train/dev/test"
  python recipes/tiny/local/make_sentences.py "$data/text" --seed $seed
fi

if [[ $stage -le 1 && $stop_stage -ge 1 ]]; then
  log "Stage 1: synthesise with espeak-ng (accents x voice variants, varied rate and pitch)"
  command -v espeak-ng >/dev/null || { echo "espeak-ng is not installed (apt-get install espeak-ng)" >&2; exit 1; }
  for split in train dev test; do
    asr corpus synth "$data/text/$split.txt" --out "$data/$split" --engine espeak-ng --seed "$((seed + ${#split}))"
  done
fi

if [[ $stage -le 2 && $stop_stage -ge 2 ]]; then
  log "Stage 2: train ($config)"
  resume=""
  [[ -f $exp/last.pt ]] && resume="--resume"
  asr train --config "$config" --train "$data/train/manifest.jsonl" --dev "$data/dev/manifest.jsonl" --out "$exp" $resume
fi

if [[ $stage -le 3 && $stop_stage -ge 3 ]]; then
  log "Stage 3: evaluate on the held-out test sentences"
  asr evaluate "$data/test/manifest.jsonl" --model "$exp/model.pt" --output-dir "$exp/eval" | tee "$exp/eval-test.txt"
fi

if [[ $stage -le 4 && $stop_stage -ge 4 ]]; then
  log "Stage 4: transcribe one held-out file"
  wav=$(python -c "import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r['audio_filepath'], '|', r['text'])" "$data/test/manifest.jsonl")
  log "reference: ${wav#*| }"
  asr transcribe "$data/test/${wav%% |*}" --model "$exp/model.pt"
fi

log "Done. Model: $exp/model.pt; training curves: $exp/training.png"
