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

# The main job: transcribe with the bundled English model (asr/assets; see MODEL.md).
demo: system-deps install
	PATH="$(abspath $(BIN)):$$PATH" scripts/demo.sh

test: system-deps kenlm install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) exp data/tiny
