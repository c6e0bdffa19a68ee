# Two commands on a fresh machine with Python 3.11+ and pip:
#   make run    set up .venv and start the bot
#   make test   set up .venv and run lint, type checks, a 30 s soak and the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml setup.py bot/core/_fused.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/resbot serve

test: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/resbot kb check
	$(BIN)/resbot kb lint-ja
	$(BIN)/python bench/soak.py --duration 30 --rate 100 --check
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

bench: $(STAMP)
	$(BIN)/python bench/ask.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
