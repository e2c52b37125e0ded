# Two commands do all the set-up: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test clean

run: $(VENV)/.installed-run
	$(BIN)/chatdesk run

test: $(VENV)/.installed-test
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-postgres.sh
	sh scripts/ensure-axe-core.sh
	$(BIN)/python -m pytest

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	@echo "chatdesk: installing the desk into $(VENV) (the first run downloads its dependencies)..."
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	@echo "chatdesk: installing the desk and its test tools into $(VENV) (the first run downloads its dependencies)..."
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -e '.[test]'
	touch $@ $(VENV)/.installed-run

$(VENV)/bin/python:
	@echo "chatdesk: creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

clean:
	rm -rf $(VENV) site .pytest_cache
