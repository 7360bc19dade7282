# Two commands a new user needs:
#   make serve   install into .venv (pinned) and run the service on http://127.0.0.1:8000
#   make test    install into .venv (pinned) and run lint, type checks and the whole test suite
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test lint typecheck pytest bench lock clean browser

$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/planner serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The page's browser tests drive Debian's chromium through its chromedriver (never a browser
# download). Installed here when missing, as root with apt-get; elsewhere the tests skip.
browser:
	@if { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; } \
		&& command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium and chromium-driver (apt-get)"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# Two passes: coverage is measured (and held to its floor) on the tests that are not `slow`;
# the slow ones, several of which time the service against its own deadlines, run untraced.
pytest: install browser
	$(BIN)/python -m pytest -m "not slow" --cov --cov-report=
	$(BIN)/python -m pytest -m slow

test: lint typecheck pytest

bench: install
	$(BIN)/python scripts/benchmark.py

# Re-pin dependencies after editing pyproject.toml: requirements.lock (runtime, used by the
# Dockerfile) and requirements-dev.lock (runtime + dev tools, used by make).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet .
	echo "# Exact runtime pins; regenerate with 'make lock'." > requirements.lock
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v -e '^-e' -e '^llm-budget-planner' >> requirements.lock
	.lock-venv/bin/python -m pip install --quiet -c requirements.lock ".[dev]"
	echo "# Exact runtime + dev pins; regenerate with 'make lock'." > requirements-dev.lock
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v -e '^-e' -e '^llm-budget-planner' >> requirements-dev.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
