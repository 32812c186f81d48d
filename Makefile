# Two commands do everything: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CENTRAL_PORT ?= 8600
KIOSK_PORT ?= 8700
SIP2_PORT ?= 6001
BACKEND ?= central
export CENTRAL_PORT KIOSK_PORT

.PHONY: demo test venv sysdeps bench screenshots clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the project and its test tools into $(VENV) ..."
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

sysdeps:
	@bash .ci/sysdeps

demo: $(STAMP)
	@$(BIN)/kiosk demo --central-port $(CENTRAL_PORT) --kiosk-port $(KIOSK_PORT) --sip2-port $(SIP2_PORT) \
		--backend $(BACKEND)

# Two workers (pytest-xdist): most tests wait on processes, sockets and browsers. TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2
test: $(STAMP) sysdeps
	@$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The browser tests again, saving their screenshots into docs/screenshots/ (shown in the README).
screenshots: $(STAMP) sysdeps
	@KIOSK_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:cacheprovider -q -m browser $(PYTEST_ARGS)

bench: $(STAMP) sysdeps
	@$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
