#!/usr/bin/env bash
# System packages the toolkit needs beyond PyPI: espeak-ng (synthesised speech for the tiny
# recipe and the tests) and libsndfile (soundfile's wheels bundle it; the system copy is a fallback).
set -euo pipefail

packages=(espeak-ng libsndfile1)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "please install: ${missing[*]} (this script knows only apt-get)" >&2
  exit 1
fi
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
