#!/usr/bin/env bash
# Sourced by recipes after they set their defaults: turns `--some-name VALUE` into some_name=VALUE
# for every variable the recipe defined (Kaldi/icefall style), and defines log().
# A variable holding a bash array (declare -a) collects repeated options: `--set a=1 --set b=2`.

log() { echo -e "$(date '+%Y-%m-%d %H:%M:%S') ($(basename "$0"):${BASH_LINENO[0]}) $*"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --help|-h)
      # the options are the variables set before this file is sourced, not those set after
      echo "usage: $0 [--name value ...]; options: $(sed '/parse_options.sh/q' "$0" | grep -oE '^[a-z_]+=' | tr -d = |
        sed 's/_/-/g; s/^/--/' | xargs)"
      exit 0 ;;
    --*)
      # _option, not a plain name: a recipe option of that name (round.sh's --name) would be overwritten
      _option=${1#--}; _option=${_option//-/_}
      if [[ $# -lt 2 ]]; then echo "$0: option $1 needs a value" >&2; exit 1; fi
      if ! declare -p "$_option" >/dev/null 2>&1; then echo "$0: unknown option $1" >&2; exit 1; fi
      if [[ $(declare -p "$_option") == "declare -a"* ]]; then
        eval "$_option+=(\"\$2\")"
      else
        printf -v "$_option" '%s' "$2"
      fi
      shift 2 ;;
    *) echo "$0: unexpected argument $1" >&2; exit 1 ;;
  esac
done
