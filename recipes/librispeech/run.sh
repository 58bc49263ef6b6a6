#!/usr/bin/env bash
# LibriSpeech, for users who have it on disk (it cannot be downloaded here):
#   recipes/librispeech/run.sh --corpus-dir /data/LibriSpeech [--stage N] [--stop-stage N]
# Expects the published layout: LibriSpeech/{train-clean-100,...,dev-clean,test-clean,test-other}/
# <speaker>/<chapter>/*.flac + *.trans.txt. Missing training splits are skipped.
set -euo pipefail

stage=0
stop_stage=100
corpus_dir=
data=data/librispeech
exp=exp/librispeech
config=conf/librispeech_gpu.yaml
train_splits="train-clean-100 train-clean-360 train-other-500"
set=()  # extra `asr train` overrides, repeatable: --set train.epochs=1

. "$(dirname "$0")/../shared/parse_options.sh"

[[ -n $corpus_dir && -d $corpus_dir ]] || { echo "--corpus-dir must name your LibriSpeech folder" >&2; exit 1; }

if [[ $stage -le 0 && $stop_stage -ge 0 ]]; then
  log "Stage 0: manifests from $corpus_dir"
  mkdir -p "$data"
  parts=()
  for split in $train_splits; do
    if [[ -d $corpus_dir/$split ]]; then
      asr corpus import librispeech "$corpus_dir/$split" -o "$data/$split.jsonl"
      parts+=("$data/$split.jsonl")
    else
      log "no $split; skipped"
    fi
  done
  [[ ${#parts[@]} -gt 0 ]] || { echo "no training split found under $corpus_dir" >&2; exit 1; }
  asr corpus mix "${parts[@]}" -o "$data/train.jsonl"
  for split in dev-clean test-clean test-other; do
    [[ -d $corpus_dir/$split ]] && asr corpus import librispeech "$corpus_dir/$split" -o "$data/$split.jsonl"
  done
fi

if [[ $stage -le 1 && $stop_stage -ge 1 ]]; then
  log "Stage 1: train ($config)"
  resume=""
  [[ -f $exp/last.pt ]] && resume="--resume"
  overrides=()
  for item in ${set[@]+"${set[@]}"}; do overrides+=(--set "$item"); done
  asr train --config "$config" --train "$data/train.jsonl" --dev "$data/dev-clean.jsonl" --out "$exp" \
    $resume ${overrides[@]+"${overrides[@]}"}
fi

if [[ $stage -le 2 && $stop_stage -ge 2 ]]; then
  log "Stage 2: evaluate"
  mkdir -p "$exp/eval"
  sets=()
  for split in dev-clean test-clean test-other; do
    [[ -f $data/$split.jsonl ]] && sets+=("$data/$split.jsonl")
  done
  asr evaluate "${sets[@]}" --model "$exp/model.pt" --output-dir "$exp/eval" | tee "$exp/eval/results.txt"
fi

log "Done."
