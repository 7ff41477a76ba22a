# Two commands on a fresh machine: `make run` (the bot) and `make test` (the tests).
# The machine needs Python 3.11+ and make. uv is used from PATH or `python3 -m uv`, else installed
# into a virtualenv of this project's own (scripts/find-uv.sh); everything else comes from uv.lock.

UV := $(shell sh scripts/find-uv.sh)
ifeq ($(UV),)
$(error no uv: see the line above)
endif

.PHONY: run test lint bench

# `make bench MEMBERS=10000` for the full-size run (about an hour, measured); 300 takes about 4 minutes.
MEMBERS ?= 300

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on this server), every process would
# otherwise compile aiohttp, pytest and pydantic from source at start-up: seconds per test
# worker and per command-line run.
.venv/.synced: pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode
	@touch $@

run: .venv/.synced
	$(UV) run --frozen linkedup run $(if $(CONFIG),--config $(CONFIG))

test: .venv/.synced
	$(UV) run --frozen pytest $(ARGS)

lint: .venv/.synced
	$(UV) run --frozen ruff check .
	$(UV) run --frozen mypy

bench: .venv/.synced
	$(UV) run --frozen python benchmarks/broadcast.py --members $(MEMBERS)
