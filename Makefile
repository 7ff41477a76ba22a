# Two commands on a fresh machine: `make run` (the bot) and `make test` (the tests).
# The machine needs Python 3.11+ and make. uv is used from PATH or `python3 -m uv`, else installed
# into a virtualenv of this project's own (scripts/find-uv.sh); everything else comes from uv.lock.

UV := $(shell sh scripts/find-uv.sh)
ifeq ($(UV),)
$(error no uv: see the line above)
endif

.PHONY: run test lint bench

.venv/.synced: pyproject.toml uv.lock
	$(UV) sync --frozen
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
