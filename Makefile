# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench browser clean notebooks

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU wheel of torch lies on disk; any other torch spec downloads a multi-GB CUDA build
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	# exact tested versions come from constraints.txt; pyproject.toml holds only ranges
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,scale]'
	touch $(STAMP)

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will be skipped (sudo apt-get install chromium)"; fi; }

demo: setup
	$(BIN)/sandbox demo

# Jupyter Lab on the workspace (the demo one is made first when missing); kernels run in notebooks/, so absolute paths
NOTEBOOK_HOME := $(abspath $(or $(SANDBOX_HOME),workspace))
NOTEBOOK_SHARED := $(abspath $(or $(SANDBOX_SHARED),../shared))
notebooks: setup
	@test -f "$(NOTEBOOK_HOME)/governance.duckdb" || { SANDBOX_HOME="$(NOTEBOOK_HOME)" $(BIN)/sandbox demo --no-app && \
	  for u in dana stella; do echo "$$u-sandbox-demo" | \
	    SANDBOX_HOME="$(NOTEBOOK_HOME)" $(BIN)/sandbox login $$u --password-stdin; done; }
	SANDBOX_HOME="$(NOTEBOOK_HOME)" SANDBOX_SHARED="$(NOTEBOOK_SHARED)" $(BIN)/jupyter lab notebooks/ \
	  $(if $(filter 0,$(shell id -u)),--allow-root)

test: setup browser
	$(BIN)/ruff check sandbox generators tests bench app.py
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

bench: setup
	$(BIN)/python bench/bench_generators.py

clean:
	rm -rf $(VENV) workspace
