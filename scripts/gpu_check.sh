#!/usr/bin/env bash
# The checks that need a CUDA GPU, in one run: the whole test suite with CUDA present (tests/test_cuda.py
# runs only there; the rest then trains and decodes on the GPU, as `train.device: auto` picks it), the tiny
# recipe trained on the GPU, the bundled model on LJSpeech test there, and the encoder/training benchmarks.
# Needs the package importable (pip install -e '.[dev]', or PYTHONPATH with its requirements), `asr` and
# espeak-ng on PATH. Logs go to OUT (default gpu_check/). RESULTS.md, "GPU checks", has what it measured.
# Usage: scripts/gpu_check.sh [KIT]   (KIT: the data kit, default ../shared/data; its LJSpeech test is optional)
set -uo pipefail

kit=${1:-${ASR_SHARED_DATA:-../shared/data}}
out=${OUT:-gpu_check}
cd "$(dirname "$0")/.."
mkdir -p "$out"
export PYTHONUNBUFFERED=1 ASR_SHARED_DATA=$kit
t0=$(date +%s)
log() { echo "== $(($(date +%s) - t0)) s: $*"; }

python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU here'" || exit 1
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, torch.cuda.get_device_name(0),
'bf16', torch.cuda.is_bf16_supported())"; } > "$out/env.txt" 2>&1
cat "$out/env.txt"

log "test suite"
python3 -m pytest -q -p no:cacheprovider -rs --durations=15 tests > "$out/pytest.log" 2>&1
echo "pytest exit status $?" >> "$out/pytest.log"
grep -E '^(FAILED|ERROR)|passed|failed|exit status' "$out/pytest.log"

log "tiny recipe on the GPU"
( time recipes/tiny/run.sh --stop-stage 3 ) > "$out/tiny.log" 2>&1
grep -E '^done|^WER|^SER|^real' "$out/tiny.log"

lj=$kit/ljspeech_part1/test.jsonl
if [[ -f $lj ]]; then
  log "bundled model on LJSpeech test, greedy and beam + LM, on the GPU"
  asr evaluate "$lj" --device cuda --greedy -o "$out/eval_greedy" > "$out/eval_greedy.txt" 2>&1
  asr evaluate "$lj" --device cuda -o "$out/eval_beam" > "$out/eval_beam.txt" 2>&1
  grep -hE '^(WER|CER|SER)' "$out/eval_greedy.txt" "$out/eval_beam.txt"
fi

log "encoder step: packed sequence against bidirectional_rnn"
python3 bench/rnn_step.py --device cuda > "$out/rnn_step.txt" 2>&1
python3 bench/rnn_step.py --device cuda --batch 128 --time 500 >> "$out/rnn_step.txt" 2>&1
grep '|' "$out/rnn_step.txt"

log "training throughput"
python3 bench/train_throughput.py data/tiny/train/manifest.jsonl --device cuda --batches 40 > "$out/throughput.txt" 2>&1
grep '|' "$out/throughput.txt"
log "done"
