# Two commands do all the set-up on a fresh machine:
#   make demo   system packages + venv + install, then the main job (transcription)
#   make test   system packages + venv + install with test extras, then the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test system-deps kenlm install clean

system-deps:
	@scripts/install_system_deps.sh

# KenLM's lmplz/build_binary (for `asr lm build` and the LM tests): compiled once into ~/.cache/openasr.
kenlm:
	@scripts/build_kenlm.sh >/dev/null

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Until a trained English model is bundled, the main job trains the tiny recipe's model
# (a few minutes on 2 cores) and transcribes a held-out file with it.
demo: system-deps install
	PATH="$(abspath $(BIN)):$$PATH" recipes/tiny/run.sh

test: system-deps kenlm install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) exp data/tiny
