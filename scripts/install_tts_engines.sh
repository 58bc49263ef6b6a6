#!/usr/bin/env bash
# Install every English TTS engine Debian offers, for synthesising training data (asr corpus synth).
# mbrola voices, pico, RHVoice and two festival voices live in Debian's contrib/non-free components,
# which this script enables. Engines that still cannot be installed are skipped by the toolkit with
# a warning. Usage: scripts/install_tts_engines.sh  (as root, or with sudo available)
set -euo pipefail

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"

enable_components() {
  local f
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [[ -f $f ]] || continue
    if [[ $f == *.sources ]]; then
      $sudo sed -i -E '/^Components:/{/contrib/!s/$/ contrib/; /non-free( |$)/!s/$/ non-free/}' "$f"
    else
      $sudo sed -i -E '/^deb .*main/{/contrib/!s/main/main contrib/; /non-free( |$)/!s/contrib/contrib non-free/}' "$f"
    fi
  done
}

main_packages=(espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox)
extra_packages=(mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 libttspico-utils rhvoice rhvoice-english
                festvox-rablpc16k festvox-don)
# Other languages' diphones that espeak-ng drives in English (engine mbrola-accented: foreign-accented speakers).
accented_packages=(mbrola-af1 mbrola-nl2 mbrola-fr1 mbrola-fr4 mbrola-de1 mbrola-de2 mbrola-de3 mbrola-de4 mbrola-de5
                   mbrola-de6 mbrola-gr2 mbrola-hu1 mbrola-pl1 mbrola-ro1 mbrola-sw1 mbrola-sw2)

enable_components
$sudo apt-get update -qq
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq --no-install-recommends "${main_packages[@]}" >/dev/null
# One by one, so that a package missing from this mirror does not stop the others.
for p in "${extra_packages[@]}" "${accented_packages[@]}"; do
  $sudo apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 || echo "warning: could not install $p" >&2
done
echo "installed TTS engines:"
for cmd in espeak-ng mbrola flite festival text2wave pico2wave RHVoice-test; do
  printf '  %-12s %s\n' "$cmd" "$(command -v "$cmd" || echo missing)"
done
