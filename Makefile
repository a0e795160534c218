# The two commands a newcomer needs (see README):
#   make run   install into ./.venv from the lock file, migrate, load the sources, start the portal
#              (on BIND, default 127.0.0.1:8000: make run BIND=127.0.0.1:9000)
#   make test  install with the dev tools, then run the whole test suite
UV := scripts/uv
export UV_PYTHON_DOWNLOADS := never
BIND ?= 127.0.0.1:8000

.PHONY: run test install install-dev

install:
	$(UV) sync --frozen --no-dev

install-dev:
	$(UV) sync --frozen

run: install
	.venv/bin/akhbar migrate --noinput
	.venv/bin/akhbar sources import data/sources
	.venv/bin/akhbar run --bind $(BIND)

test: install-dev
	scripts/test
