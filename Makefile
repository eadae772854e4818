# Кабинет страхователя. `make run` serves the demo; `make test` runs every check CI runs.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

# A target dir outside the clone survives between CI runs on the same machine; a new machine builds it.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/kabinet-target
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
SERVER := $(CARGO_TARGET_DIR)/release/server

.PHONY: run test setup build fmt clippy unit e2e bench clean-data

run: build
	@mkdir -p data
	KABINET_MODE=demo LEPTOS_ENV=PROD DATABASE_URL=$${DATABASE_URL:-sqlite://data/kabinet.db} exec $(SERVER)

test: setup fmt clippy build unit e2e
	@echo "make test: all checks passed"

setup:
	@scripts/setup.sh

build: setup
	cargo leptos build --release --precompress --split

fmt:
	cargo fmt --all -- --check

clippy: setup
	cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
	cargo clippy -p domain -p app -p frontend --target wasm32-unknown-unknown -- -D warnings

# Unit tests and the store's integration tests, each on a fresh SQLite file and a fresh PostgreSQL database.
unit:
	cargo test --release --workspace --exclude frontend

e2e: build
	cd end2end && KABINET_SERVER=$(SERVER) npx playwright test

# Performance figures, printed (never asserted in tests): the server under wrk on SQLite and
# PostgreSQL beside an axum hello-world ceiling, browser vitals, «Взносы» pages and exports over
# 100,000 rows, 1,000 open live streams (memory per stream, status change → delivery).
bench: build
	scripts/bench.sh
	cargo bench -p kabinet-store --bench finance
	cargo bench -p kabinet-store --bench live
	cargo bench -p kabinet-store --bench clients

clean-data:
	rm -rf data/kabinet.db data/kabinet.db-*
