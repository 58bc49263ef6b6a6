#!/usr/bin/env bash
# One schedule of the en_default lineage (README.md beside run.sh): its data, a warm restart from earlier weights,
# and the candidates it offers against the bundle, each tuned by run.sh's stage 7 on the two-part dev score.
# Usage: recipes/en_default/local/round.sh --name r28 --part 27 --perturb-seed 161 --init MODEL
#          [--epochs 2] [--layers 4] [--grow false] [--lr 5e-4] [--warmup-steps 200] [--average-last 2]
#          [--make-data true] [--lm-weights "1.5 2 2.5 3 3.5 4"] [--set K=V ...] [--with "CKPT ..." ...]
#          [--average-with-last N]
# Each --with names earlier epochs to average with this schedule's last one: one candidate each, beside the
# schedule's own (its last --average-last epochs averaged). --average-with-last N adds N such candidates from the
# lineage: the stored last epoch of the one schedule numbered just below --name (r39 for r40), of the two below it,
# ..., of the N below it. Writes exp/en_default_NAME (+ _avgK per --with) and
# stores the last epoch, config, logs, plot and tuned settings in checkpoints/en_default_NAME; ends with the scores.
# Run from a clean tree and leave run.sh and this file alone until it ends: bash reads a script as it runs it.
# The choice between candidates and the bundle is a rule written in RESULTS.md before the run, not made here.
set -euo pipefail

name=""                 # the schedule: exp/en_default_NAME, checkpoints/en_default_NAME
part=""                 # the one synthetic part (16,000 utterances) it trains on: run.sh --first-part
perturb_seed=""         # seeds the real speech's augmented copies: run.sh --perturb-seed
init=""                 # the weights it starts from (a model or checkpoint file)
make_data=true          # false: the part and the copies exist; stage 3 only mixes them into train.jsonl again
epochs=2
layers=4                # encoder layers (model.num_layers)
grow=false              # true: stack new layers on init's first (asr grow) to reach --layers
lr=5e-4                 # peak learning rate of the warm restart's cosine schedule
warmup_steps=200
average_last=2          # the schedule's own candidate averages its last N epochs (run.sh stage 6)
lm_weights="1.5 2 2.5 3 3.5 4"
# The eighteenth schedule's stronger SpecAugment, kept by every schedule since; more --set add to these.
set=(train.spec_augment.freq_width=27 train.spec_augment.time_masks=4 train.spec_augment.max_time_width=40)
with=()                 # repeatable: "CKPT [CKPT ...]" averaged with this schedule's last epoch
average_with_last=0     # adds one --with per k = 1..N: the k schedules numbered just below --name
recipe=recipes/en_default/run.sh  # whose stages it runs
exp_root=exp            # the experiments go here; the finished schedules are stored (and committed) in store_root
store_root=checkpoints

. "$(dirname "$0")/../../shared/parse_options.sh"
cd "$(dirname "$0")/../../.."

for required in name part perturb_seed init; do
  if [[ -z ${!required} ]]; then echo "$0: --${required//_/-} is required" >&2; exit 1; fi
done
exp=$exp_root/en_default_$name
store=$store_root/en_default_$name

if [[ ! $average_with_last =~ ^[0-9]+$ ]]; then
  echo "$0: --average-with-last takes a number of schedules, not '$average_with_last'" >&2; exit 1
fi
if (( average_with_last > 0 )); then
  if [[ ! $name =~ ^(.*[^0-9])([0-9]+)$ ]]; then
    echo "$0: --average-with-last needs a numbered --name (like r40), not '$name'" >&2; exit 1
  fi
  prefix=${BASH_REMATCH[1]}
  number=$((10#${BASH_REMATCH[2]}))
  earlier=""
  for ((k = 1; k <= average_with_last; k++)); do
    # Checked before any stage runs: a missing schedule must not surface after an hour of training.
    previous=$(ls "$store_root/en_default_$prefix$((number - k))"/epoch-*.pt 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z $previous ]]; then
      echo "$0: --average-with-last $average_with_last: no stored epoch in" \
        "$store_root/en_default_$prefix$((number - k))" >&2
      exit 1
    fi
    earlier="$previous${earlier:+ $earlier}"
    with+=("$earlier")
  done
fi
data_opts=(--first-part "$part" --parts 16000 --perturb-seed "$perturb_seed")
timed() { local s=$SECONDS; "$@"; log "took $(( (SECONDS - s) / 60 )) min $(( (SECONDS - s) % 60 )) s: $*"; }

if [[ $make_data == true ]]; then
  timed "$recipe" --stage 2 --stop-stage 3 "${data_opts[@]}"
else
  timed "$recipe" --stage 3 --stop-stage 3 "${data_opts[@]}"
fi

mkdir -p "$exp"
start=$init
if [[ $grow == true ]]; then
  start=$exp/init.pt
  [[ -f $start ]] || asr grow "$init" --layers "$layers" --seed 0 -o "$start"
fi
sets=(--set model.num_layers="$layers" --set train.lr="$lr" --set train.warmup_steps="$warmup_steps"
      --set train.epochs="$epochs")
for kv in "${set[@]}"; do sets+=(--set "$kv"); done
timed "$recipe" --stage 5 --stop-stage 7 "${data_opts[@]}" --exp "$exp" --store "$store" --init "$start" "${sets[@]}" \
  --average-last "$average_last" --lm-weights "$lm_weights" | tee "$exp/tune.log"

log "Storing the schedule in $store (the last epoch's weights; last.pt stays out: the schedule is finished)"
last=$(ls "$exp"/epoch-*.pt | sort -V | tail -n 1)
mkdir -p "$store"
cp "$last" "$exp/config.yaml" "$exp/final.decoding.yaml" "$store"/
for f in log.csv steps.csv training.png; do if [[ -f $exp/$f ]]; then cp "$exp/$f" "$store"/; fi; done

candidates=("$exp")
k=0
for earlier in "${with[@]}"; do
  k=$((k + 1))
  candidate=${exp}_avg$k
  mkdir -p "$candidate"
  # shellcheck disable=SC2086  # $earlier is a list of paths
  asr average $earlier "$last" -o "$candidate/final.pt" | tee "$candidate/tune.log"
  timed "$recipe" --stage 7 --stop-stage 7 --exp "$candidate" --lm-weights "$lm_weights" | tee -a "$candidate/tune.log"
  candidates+=("$candidate")
done

log "Candidates (best setting of each; the score is the mean WER of the held-out voices and the LJSpeech dev slice):"
for candidate in "${candidates[@]}"; do
  echo "$candidate: $(grep -m 1 '^averaged' "$candidate/tune.log" | sed 's/ -> .*//')"
  echo "  $(grep -m 1 '^greedy:' "$candidate/tune.log")"
  echo "  $(grep -m 1 'mean WER' "$candidate/tune.log")"
done
