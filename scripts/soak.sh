#!/usr/bin/env bash
# Runs the whole browser suite N times (default 10) with no retries against the release build, and
# prints, per test that ever failed, how many of the N runs it passed; then the runs that were
# wholly green. Each run starts its own servers on fresh databases, as `make e2e` does.
#   scripts/soak.sh 10        (after `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kabinet-target}
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
SERVER="$CARGO_TARGET_DIR/release/server"
[ -x "$SERVER" ] || { echo "build first: make build" >&2; exit 2; }
out=$(mktemp -d)
green=0
for i in $(seq 1 "$N"); do
    if (cd end2end && KABINET_SERVER="$SERVER" PLAYWRIGHT_JSON_OUTPUT_NAME="$out/run-$i.json" \
        npx playwright test --retries=0 --reporter=json >/dev/null 2>"$out/run-$i.err"); then
        green=$((green + 1))
        echo "run $i/$N: green"
    else
        # Keep what the failing tests left (page snapshots, error contexts): the next run clears it.
        cp -r end2end/test-results "$out/run-$i-results" 2>/dev/null || true
        echo "run $i/$N: FAILED (details: $out/run-$i.json, $out/run-$i-results)"
    fi
done
node - "$out" "$N" <<'JS'
const fs = require('fs');
const [dir, n] = process.argv.slice(2);
const fails = new Map();
function walk(suite, file) {
  for (const s of suite.suites ?? []) walk(s, s.file ?? file);
  for (const spec of suite.specs ?? []) {
    for (const t of spec.tests ?? []) {
      const ok = (t.results ?? []).every((r) => r.status === 'passed' || r.status === 'skipped');
      const key = `${file}: ${spec.title}`;
      if (!ok) fails.set(key, (fails.get(key) ?? 0) + 1);
    }
  }
}
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
  for (const s of report.suites ?? []) walk(s, s.file);
  for (const e of report.errors ?? []) fails.set(`(run) ${String(e.message).split('\n')[0]}`, (fails.get(`(run) ${String(e.message).split('\n')[0]}`) ?? 0) + 1);
}
if (fails.size === 0) console.log(`every test passed in all ${n} runs`);
for (const [k, v] of fails) console.log(`${n - v}/${n} passed  ${k}`);
JS
echo "wholly green runs: $green/$N"
