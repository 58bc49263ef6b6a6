#!/usr/bin/env bash
# Build KenLM's lmplz and build_binary once, from the `kenlm` source package on PyPI with
# Debian's Boost, into a cache folder (default ~/.cache/openasr/kenlm). Prints the bin folder.
# Usage: scripts/build_kenlm.sh [CACHE_DIR]
set -euo pipefail

cache=${1:-${OPENASR_CACHE:-$HOME/.cache/openasr}/kenlm}
if [[ -x $cache/bin/lmplz && -x $cache/bin/build_binary ]]; then
  echo "$cache/bin"
  exit 0
fi

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
deps=(build-essential cmake libboost-program-options-dev libboost-system-dev libboost-thread-dev
      libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev)
missing=()
for p in "${deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pip must read the sdist's metadata to download it; a throw-away venv gives it setuptools + wheel
# without building the package's own (C++) extension.
python3 -m venv "$work/venv" >&2
"$work/venv/bin/pip" install --quiet setuptools wheel >&2
"$work/venv/bin/pip" download --quiet --no-deps --no-binary :all: --no-build-isolation kenlm -d "$work" >&2
tar xzf "$work"/kenlm-*.tar.gz -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'kenlm-*' | head -1)
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DKENLM_MAX_ORDER=6 >&2
cmake --build "$work/build" --target lmplz build_binary -j "$(nproc)" >&2
mkdir -p "$cache/bin"
cp "$work/build/bin/lmplz" "$work/build/bin/build_binary" "$cache/bin/"
echo "$cache/bin"
