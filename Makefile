# Thin wrappers: the logic lives in scripts/ and the rapport command.
PY := .venv/bin/python

.PHONY: setup run test test-postgres e2e bench lint typecheck

setup:
	@bash scripts/setup.sh

run: setup
	@$(PY) -m rapport.cli quickstart

test: setup
	@bash scripts/test.sh

e2e: setup
	@bash scripts/test.sh -m e2e

# make bench: every suite at full size; make bench SUITE=core: one; make bench ARGS=--quick: small sizes.
bench: setup
	@$(PY) -m bench.run $(if $(SUITE),--suite $(SUITE)) $(ARGS)

lint: setup
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

typecheck: setup
	@.venv/bin/mypy rapport config bench
