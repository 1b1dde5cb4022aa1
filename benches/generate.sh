#!/usr/bin/env bash
# Generation benchmark: throughput (docs/s, MB/s of uncompressed JSONL), peak RSS, and the
# cost of `verify --regenerate`, at 1 and 2 threads. Prints a report; asserts nothing.
#
#   bash benches/generate.sh [SPEC] [DOCS] [CONDITION]
#   defaults: corpora-specs/helpful-only.toml 100000 helpful-only
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${1:-corpora-specs/helpful-only.toml}
DOCS=${2:-100000}
COND=${3:-helpful-only}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --locked --quiet
BIN=target/release/factpress
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

measure() { # label, then the command; prints "seconds peak_rss_kb"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.$label" "$@" >/dev/null 2>"$WORK/err.$label" || { cat "$WORK/err.$label"; exit 1; }
  cat "$WORK/time.$label"
}

echo "factpress generation benchmark"
echo "spec: $SPEC  condition: $COND  docs: $DOCS  machine: $(nproc) cores, $(uname -m)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %9s %10s %10s %12s %10s\n' "run" "seconds" "docs/s" "MB/s" "peak RSS MB" "shards MB"
for t in 1 2; do
  out="$WORK/c$t"
  read -r secs rss < <(measure "gen$t" "$BIN" generate "$SPEC" --condition "$COND" --docs "$DOCS" --threads "$t" --shards 4 --quiet --out "$out")
  raw=$(zstd -dc "$out"/data/*.jsonl.zst | wc -c)
  packed=$(cat "$out"/data/*.jsonl.zst | wc -c)
  awk -v s="$secs" -v r="$rss" -v raw="$raw" -v p="$packed" -v n="$DOCS" -v t="$t" 'BEGIN {
    printf "%-28s %9.2f %10.0f %10.1f %12.1f %10.1f\n", "generate --threads " t, s, n / s, raw / 1e6 / s, r / 1024, p / 1e6 }'
done
read -r secs rss < <(measure verify "$BIN" verify "$WORK/c2" --regenerate --threads 2)
awk -v s="$secs" -v r="$rss" -v n="$DOCS" 'BEGIN { printf "%-28s %9.2f %10.0f %10s %12.1f\n", "verify --regenerate (2)", s, n / s, "-", r / 1024 }'
raw=$(zstd -dc "$WORK"/c2/data/*.jsonl.zst | wc -c)
echo "uncompressed JSONL: $(awk -v r="$raw" -v n="$DOCS" 'BEGIN { printf "%.1f MB, %.0f bytes/record", r / 1e6, r / n }')"
cmp <(grep -v '"created_at"\|"command_line"' -A0 "$WORK/c1/manifest.json" | grep content_sha256 | head -1) \
    <(grep content_sha256 "$WORK/c2/manifest.json" | head -1) >/dev/null && echo "content_sha256 equal at 1 and 2 threads: yes" || echo "content_sha256 equal at 1 and 2 threads: NO"
