#!/usr/bin/env bash
# The default English model: synthetic multi-engine speech + the real speech in the data kit.
# Every stage is resumable; training continues from exp/en_default/last.pt when it exists.
# Usage: recipes/en_default/run.sh [--stage N] [--stop-stage N] [--kit ../shared/data] [--parts "16000 23000"]
set -euo pipefail

stage=0
stop_stage=100
kit=../shared/data            # the speech + text data kit (see its README for sources)
data=data/en_default
exp=exp/en_default
config=conf/en_default.yaml
parts="16000 23000"           # synthetic training utterances per part (~4.7 s of audio each: ~50 h);
                              # part k is seeded k, so adding a part keeps the ones already made
store=checkpoints/en_default  # committed training state, so that training continues across machines
# Voices never used in training: dev/test measure unseen voices, of five engines.
held_out_voices=(espeak-ng:en-029+f3 espeak-ng:en-us-nyc+m4 rhvoice:clb flite:awb festival:ked mbrola:mb-us2)
engine_weights=(espeak-ng=3 mbrola=1 flite=1.2 festival=0.8 pico=1.2 rhvoice=2)

. "$(dirname "$0")/../shared/parse_options.sh"

cd "$(dirname "$0")/../.."

if [[ $stage -le 0 && $stop_stage -ge 0 ]]; then
  log "Stage 0: install the TTS engines Debian offers"
  scripts/install_tts_engines.sh
fi

if [[ $stage -le 1 && $stop_stage -ge 1 ]]; then
  log "Stage 1: sentences from the text kit and LJSpeech's metadata, evaluation sentences removed"
  asr corpus text "$kit"/text/*.txt.gz "$kit/ljspeech_part1/lj_metadata_full.csv.gz" -o "$data/text" \
    --exclude-manifest "$kit/ljspeech_part1/test.jsonl" --exclude-manifest "$kit/an4_sample/test.jsonl" \
    --exclude-manifest "$kit/fsdd/test.jsonl" --dev 500 --test 500
fi

if [[ $stage -le 2 && $stop_stage -ge 2 ]]; then
  log "Stage 2: synthesise dev/test with held-out voices and sentences, train with the rest (augmented)"
  only=(); for v in "${held_out_voices[@]}"; do only+=(--voice "$v"); done
  excl=(); for v in "${held_out_voices[@]}"; do excl+=(--exclude-voice "$v"); done
  weights=(); for w in "${engine_weights[@]}"; do weights+=(--engine-weight "$w"); done
  asr corpus synth "$data/text/dev.txt" -o "$data/dev" "${only[@]}" --count 300 --seed 11
  asr corpus synth "$data/text/test.txt" -o "$data/test" "${only[@]}" --count 500 --seed 12
  part=0
  for count in $parts; do
    part=$((part + 1))
    log "Stage 2: training part $part ($count utterances)"
    asr corpus synth "$data/text/train.txt" -o "$data/synth_train/$part" "${excl[@]}" "${weights[@]}" \
      --count "$count" --augment --rir-bank "$data/rirs.npz" --seed "$part"
  done
fi

if [[ $stage -le 3 && $stop_stage -ge 3 ]]; then
  log "Stage 3: add the real speech (LJSpeech train minus a dev slice, FSDD train, wake words)"
  python recipes/en_default/local/split_lj.py "$kit/ljspeech_part1/train.jsonl" "$data/real"
  synth=(); for m in "$data"/synth_train/*/manifest.jsonl; do synth+=("$m:1"); done
  asr corpus mix "${synth[@]}" "$data/real/lj_train.jsonl:3" \
    "$kit/fsdd/train.jsonl:1" "$kit/wakeword/all.jsonl:0.5" -o "$data/train.jsonl"
  asr corpus mix "$data/dev/manifest.jsonl:1" "$data/real/lj_dev.jsonl:1" -o "$data/dev.jsonl"
fi

if [[ $stage -le 4 && $stop_stage -ge 4 ]]; then
  log "Stage 4: 4-gram LM on the training sentences (evaluation sentences were removed in stage 1)"
  asr lm build "$data/text/train.txt" -o "$data/lm/lm4.bin" --order 4 --prune "0 1 1 1"
fi

if [[ $stage -le 5 && $stop_stage -ge 5 ]]; then
  log "Stage 5: train ($config); resumes from $exp/last.pt (or the committed $store/last.pt)"
  if [[ ! -f $exp/last.pt && -f $store/last.pt ]]; then
    mkdir -p "$exp" && cp "$store"/* "$exp"/
  fi
  resume=""
  [[ -f $exp/last.pt ]] && resume="--resume"
  asr train --config "$config" --train "$data/train.jsonl" --dev "$data/dev.jsonl" --out "$exp" $resume
fi

if [[ $stage -le 6 && $stop_stage -ge 6 ]]; then
  log "Stage 6: evaluate (greedy) on held-out voices and the real test sets"
  mkdir -p "$exp/eval"
  asr evaluate "$data/test/manifest.jsonl" "$kit/ljspeech_part1/test.jsonl" "$kit/fsdd/test.jsonl" \
    "$kit/an4_sample/test.jsonl" --model "$exp/model.pt" --greedy --output-dir "$exp/eval/greedy" \
    | tee "$exp/eval/greedy.txt"
fi

if [[ $stage -le 9 && $stop_stage -ge 9 ]]; then
  log "Stage 9: store the training state and logs in $store (commit them to continue elsewhere)"
  mkdir -p "$store"
  cp "$exp/last.pt" "$exp/config.yaml" "$exp/log.csv" "$exp/steps.csv" "$store"/
  [[ -f $exp/training.png ]] && cp "$exp/training.png" "$store"/
  ls -la "$store"
fi

log "Done."
