#!/usr/bin/env bash
# The main job (`make demo`): transcribe with the bundled English model, no --model needed.
# Transcribes a sentence spoken by espeak-ng and, when the data kit is beside the project, a real
# LJSpeech test recording (never seen in training), each with its reference.
set -euo pipefail
kit=${ASR_SHARED_DATA:-$(dirname "$0")/../../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sentence="speech recognition turns audio into text"
espeak-ng -v en-us -w "$tmp/espeak.wav" "$sentence"
echo "reference:  $sentence"
echo -n "transcript: "
asr transcribe "$tmp/espeak.wav"

manifest=$kit/ljspeech_part1/test.jsonl
if [[ -f $manifest ]]; then
  read -r audio text < <(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["audio_filepath"], r["text"])' "$manifest")
  echo "reference:  $text"
  echo -n "transcript: "
  asr transcribe "$(dirname "$manifest")/$audio"
  echo "word times (json):"
  asr transcribe "$(dirname "$manifest")/$audio" --format json | head -c 600; echo " ..."
fi
