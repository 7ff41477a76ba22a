# Two commands on a fresh machine: `make run` (the bot) and `make test` (the tests).
# uv is installed from PyPI if it is missing; everything else comes from uv.lock.

UV := python3 -m uv

.PHONY: run test lint bench tools

tools:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on this server), every process would
# otherwise compile aiohttp, pytest and pydantic from source at start-up: seconds per test
# worker and per command-line run.
.venv/.synced: pyproject.toml uv.lock
	@$(MAKE) --no-print-directory tools
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
	$(UV) run --frozen python benchmarks/broadcast.py
