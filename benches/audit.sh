#!/usr/bin/env bash
# Audit throughput: generates a corpus of DOCS documents (default 100000) from SPEC (default
# tests/fixtures/mini/spec.toml), then audits it with --threads 1 and 2 (rules of its spec plus
# an --against text) and prints MB of text, seconds, MB/s, docs/s and peak RSS for each run.
# A benchmark, never a test: numbers depend on the machine and on what else runs on it (the
# load average is printed before and after).
#
#   bash benches/audit.sh [SPEC] [DOCS]
#   RULES=rules.toml bash benches/audit.sh [SPEC] [DOCS]   # audit with other rules (--spec)
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${1:-tests/fixtures/mini/spec.toml}
DOCS=${2:-100000}
BIN=target/release/factpress
WORK=$(mktemp -d "${TMPDIR:-/tmp}/factpress-audit-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SPEC_ARGS=()
[ -n "${RULES:-}" ] && SPEC_ARGS=(--spec "$RULES")

cargo build --release --quiet
"$BIN" check "$SPEC" >/dev/null || { echo "spec $SPEC does not check; nothing measured" >&2; exit 2; }

conditions=$(grep -c '^\[\[conditions\]\]' "$SPEC")
per=$(( (DOCS + conditions - 1) / conditions ))
"$BIN" generate "$SPEC" --docs "$per" --shards 4 --quiet --out "$WORK/corpus"
total=$(( per * conditions ))
disk=$(du -sb "$WORK/corpus/data" | cut -f1)

echo "# factpress audit benchmark"
echo "rules: ${RULES:-the corpus spec}"
echo "spec: $SPEC; $total documents ($conditions condition(s) x $per), $((disk / 1000000)) MB of zstd shards"
echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %10s %9s %9s %10s %12s\n' threads "text MB" seconds "MB/s" "docs/s" "peak RSS MB"
for t in 1 2; do
  err="$WORK/stderr-$t"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$BIN" audit "$WORK/corpus" "${SPEC_ARGS[@]}" --threads "$t" \
      --against tests/fixtures/audit/eval_prompt.txt --report "$WORK/report-$t.json" >/dev/null 2>"$err"
    rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$err")
  else
    "$BIN" audit "$WORK/corpus" "${SPEC_ARGS[@]}" --threads "$t" \
      --against tests/fixtures/audit/eval_prompt.txt --report "$WORK/report-$t.json" >/dev/null 2>"$err"
    rss_kb=0
  fi
  # "scanned X MB of text in Ys (Z MB/s, D docs/s, T threads)"
  line=$(grep '^scanned ' "$err")
  mb=$(sed -E 's/^scanned ([0-9.]+) MB.*/\1/' <<<"$line")
  secs=$(sed -E 's/.* in ([0-9.]+)s .*/\1/' <<<"$line")
  mbs=$(sed -E 's/.*\(([0-9.]+) MB\/s.*/\1/' <<<"$line")
  dps=$(sed -E 's/.*, ([0-9]+) docs\/s.*/\1/' <<<"$line")
  printf '%-8s %10s %9s %9s %10s %12s\n' "$t" "$mb" "$secs" "$mbs" "$dps" "$((rss_kb / 1000))"
done
cmp -s "$WORK/report-1.json" "$WORK/report-2.json" && echo "reports at 1 and 2 threads: identical" \
  || echo "reports at 1 and 2 threads: DIFFER"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
