# ISCM Survey: everyday commands. `make help` lists them.
#
# Nothing here exports DATABASE_URL or CELERY_BROKER_URL: unset, the project runs on SQLite under
# var/ with Celery tasks executed in-process, so `make run` needs no service on a fresh machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=
LANGS := fr es ar
# Directories that compilemessages/makemessages must not walk into (Django's own catalogues live in .venv).
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=node_modules --ignore=static --ignore=benchmarks

.PHONY: help venv install run test lint bench up backup restore messages compilemessages

help:
	@echo "make run       install, migrate, load the demo data, serve http://127.0.0.1:8000 (SQLite, no service)"
	@echo "make test      ruff, then pytest (PYTEST_ARGS='-k name -x' to narrow)"
	@echo "make lint      ruff only"
	@echo "make messages  extract fr/es/ar messages into locale/, then compile them"
	@echo "make bench     run the benchmarks"
	@echo "make up        production-like stack with Docker Compose (needs .env, see .env.example)"
	@echo "make backup    dump the database to var/backups/"
	@echo "make restore   BACKUP=var/backups/<file>: restore that dump (destructive)"

# --- virtualenv: created once, reinstalled only when pyproject.toml changes ----------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $(STAMP)

venv install: $(STAMP)

# Compiles the .po catalogues in pure Python (polib): no GNU gettext needed, all four languages everywhere.
compilemessages: $(STAMP)
	$(MANAGE) compile_catalogues

# --- run the embedded set-up -------------------------------------------------------------------
run: $(STAMP)
	$(MANAGE) migrate
	$(MANAGE) load_demo
	@$(MAKE) --no-print-directory compilemessages
	@echo
	@echo "ISCM Survey is starting at http://127.0.0.1:8000/  (Ctrl-C stops it)"
	@echo "Demo logins, password 'demo' for all:"
	@echo "  coordinator@example.org   coordinator"
	@echo "  observer@example.org      observer"
	@echo "  admin@example.org         administrator"
	@echo "  fp-<acronym>@example.org  focal point of that ISCM, e.g. fp-midsa@example.org"
	@echo
	DJANGO_DEBUG=1 $(MANAGE) runserver 127.0.0.1:8000

# --- checks ------------------------------------------------------------------------------------
lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	$(BIN)/ruff check .
	@$(MAKE) --no-print-directory compilemessages
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.pageweight

# --- translations ------------------------------------------------------------------------------
messages: $(STAMP)
	mkdir -p locale
	$(MANAGE) makemessages $(foreach lang,$(LANGS),-l $(lang)) --no-obsolete $(I18N_IGNORE)
	@$(MAKE) --no-print-directory compilemessages

# --- production stack and data -----------------------------------------------------------------
up:
	@test -f .env || { echo "No .env: cp .env.example .env, then set DJANGO_SECRET_KEY and the hosts." >&2; exit 1; }
	@if docker compose version >/dev/null 2>&1; then set -x; docker compose up --build; \
	else set -x; docker-compose up --build; fi

backup:
	PYTHON=$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) scripts/backup.sh

restore:
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=var/backups/<file>" >&2; exit 2; }
	PYTHON=$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) BACKUP="$(BACKUP)" scripts/restore.sh
