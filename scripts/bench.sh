#!/usr/bin/env bash
# `make bench`, server and browser part. Starts the release server on the benchmark data set
# (demo data + BENCH_SCALE generated policyholders), first on SQLite, then on PostgreSQL, and
# drives it over loopback with wrk (Debian's package) for a bounded time per URL: an axum "hello
# world" route in the same process (the practical ceiling), the login page, «Мои страховые
# полисы», «Взносы» with a filter, and one server function call; then the same pages again while
# logins (argon2) run alongside. Prints requests/s, p50/p99 and the ratio to the ceiling. On the
# SQLite run it also measures the browser's LCP, INP and CLS (end2end/bench/vitals.mjs).
# Figures are printed, never asserted.
set -euo pipefail
export LC_ALL=C.UTF-8
cd "$(dirname "$0")/.."

SERVER=${KABINET_SERVER:-${CARGO_TARGET_DIR:-$HOME/.cache/kabinet-target}/release/server}
PORT=${BENCH_PORT:-3900}
SECONDS_PER_RUN=${BENCH_SECONDS:-8}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
SCALE=${BENCH_SCALE:-2000}
PG_ADMIN=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
PID=""

if ! command -v wrk >/dev/null; then
    echo "[bench] installing Debian's wrk"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get install -y -qq wrk >/dev/null
fi

stop() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi
}
trap 'stop; rm -rf "$WORK"' EXIT

start() {
    local url=$1
    KABINET_MODE=demo LEPTOS_ENV=PROD DEMO_SCALE=$SCALE LEPTOS_SITE_ADDR=127.0.0.1:$PORT \
        DATABASE_URL=$url RUST_LOG=error "$SERVER" >"$WORK/server.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 600); do
        curl -sf "$BASE/healthz" >/dev/null && return 0
        kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
        sleep 0.5
    done
    echo "[bench] the server did not come up"; exit 1
}

# A session cookie of the demo citizen.
session_cookie() {
    curl -s -o /dev/null -c "$WORK/jar" -H "Origin: $BASE" -H 'Accept: application/json' \
        --data-urlencode login=demo@example.ru --data-urlencode password=Kabinet-2026 \
        --data-urlencode next=/ "$BASE/api/auth/login"
    local value
    value=$(awk '$6 == "kabinet_session" { print $7 }' "$WORK/jar")
    [ -n "$value" ] || { echo "[bench] login failed"; exit 1; }
    echo "kabinet_session=$value"
}

# wrk's latency ("850.00us", "1.20ms", "1.02s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
        else { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}

# A label padded to 46 characters (printf pads bytes, and the labels are Cyrillic).
pad() { local s=$1; printf '%s%*s' "$s" $((46 - ${#s})) ''; }

CEILING=""
# run LABEL URL [wrk options…]: one bounded wrk run, one line of figures.
run() {
    local label=$1 url=$2; shift 2
    local out rps p50 p99 errors
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" "$url")
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    errors=$(awk '/Non-2xx or 3xx responses/ { print $5 }' <<<"$out")
    [ -z "$CEILING" ] && CEILING=$rps
    printf '  %s %10.0f req/s   p50 %7.2f ms   p99 %7.2f ms   %5.1f%% of hello%s\n' \
        "$(pad "$label")" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$CEILING" 'BEGIN { printf "%.1f", 100 * a / b }')" \
        "${errors:+   (non-2xx: $errors)}"
}

# Makes sure a URL answers 200 with the cookie (not a redirect to the login page).
expect_ok() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$@")
    [ "$code" = 200 ] || { echo "[bench] $* answered $code"; exit 1; }
}

suite() {
    local name=$1
    CEILING=""
    COOKIE=$(session_cookie)
    # A full page: the demo citizen's contributions of the last three calendar years, 50 rows of them.
    local year
    year=$(date +%Y)
    local filter="$BASE/contributions?from=$((year - 2))-01-01&to=$year-12-31&sort=amount&dir=desc"
    expect_ok "$BASE/policies"
    expect_ok "$filter"
    local rows
    rows=$(curl -s -H "Cookie: $COOKIE" "$filter" | grep -o '<td data-label="Дата начисления">' | wc -l)
    [ "$rows" = 50 ] || { echo "[bench] «Взносы» showed $rows rows, not a full page of 50"; exit 1; }
    expect_ok -X POST -H "Origin: $BASE" -H 'Accept: application/json' "$BASE/api/policies/list"
    cat >"$WORK/fn.lua" <<EOF
wrk.method = "POST"
wrk.headers["Cookie"] = "$COOKIE"
wrk.headers["Origin"] = "$BASE"
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
EOF
    cat >"$WORK/login.lua" <<EOF
wrk.method = "POST"
wrk.headers["Origin"] = "$BASE"
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "login=rep%40example.ru&password=Kabinet-2026&next=%2F"
EOF
    echo "$name ($SECONDS_PER_RUN s per line, $CONNECTIONS connections, 2 wrk threads, server and wrk on the same 2 cores)"
    run "axum hello world (ceiling)" "$BASE/bench/hello"
    run "/login (page)" "$BASE/login"
    run "/policies «Мои страховые полисы»" "$BASE/policies" -H "Cookie: $COOKIE"
    run "/contributions «Взносы», 50 rows filtered" "$filter" -H "Cookie: $COOKIE"
    run "server function policies/list" "$BASE/api/policies/list" -s "$WORK/fn.lua"
    echo "  with logins (argon2) running alongside on 4 more connections:"
    wrk -t1 -c4 -d"$((SECONDS_PER_RUN * 2 + 2))s" --latency -s "$WORK/login.lua" "$BASE/api/auth/login" >"$WORK/logins.txt" &
    local logins=$!
    sleep 1
    run "/policies during logins" "$BASE/policies" -H "Cookie: $COOKIE"
    run "/contributions filtered, during logins" "$filter" -H "Cookie: $COOKIE"
    wait "$logins"
    printf '  %s %10.1f logins/s  p50 %7.2f ms   p99 %7.2f ms\n' "$(pad "logins themselves")" \
        "$(awk '/Requests\/sec/ { print $2 }' "$WORK/logins.txt")" \
        "$(to_ms "$(awk '$1 == "50%" { print $2 }' "$WORK/logins.txt")")" \
        "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/logins.txt")")"
}

echo "== server: $SERVER, data set: demo + $SCALE policyholders =="
rm -rf target/bench && mkdir -p target/bench
start "sqlite://target/bench/bench.db"
suite "SQLite"
echo
echo "== browser: Debian's Chromium, CPU throttled ×4 (SQLite server) =="
(cd end2end && BENCH_BASE="$BASE" node bench/vitals.mjs)
stop

psql -q "$PG_ADMIN" -c 'DROP DATABASE IF EXISTS kabinet_bench WITH (FORCE)' -c 'CREATE DATABASE kabinet_bench'
start "${PG_ADMIN%/*}/kabinet_bench"
echo
suite "PostgreSQL"
stop
psql -q "$PG_ADMIN" -c 'DROP DATABASE IF EXISTS kabinet_bench WITH (FORCE)'

# Known vulnerabilities of the dependencies. `cargo audit` needs the RustSec advisory database,
# which is cloned from GitHub; machines of this kind reach only the package registries, so this
# step says so instead of failing (a machine that reaches GitHub runs it with `cargo install cargo-audit`).
echo
echo "== dependencies: cargo audit =="
if ! cargo audit --version >/dev/null 2>&1; then
    echo "cargo-audit is not installed (cargo install --locked cargo-audit); skipped"
elif ! timeout 15 git ls-remote https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
    echo "the advisory database (github.com/rustsec/advisory-db) is not reachable from here; skipped"
else
    cargo audit --deny warnings || echo "cargo audit found advisories (listed above)"
fi
