# The two commands a newcomer needs (see README):
#   make run   install into ./.venv from the lock file, migrate, load the sources, start the portal
#   make test  install with the dev tools, then run the whole test suite
UV := scripts/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test install install-dev

install:
	$(UV) sync --frozen --no-dev

install-dev:
	$(UV) sync --frozen

run: install
	.venv/bin/akhbar migrate --noinput
	.venv/bin/akhbar sources import data/sources
	.venv/bin/akhbar run

test: install-dev
	scripts/test
