#!/usr/bin/env bash
# Renders a `factpress stats --html` report in headless Chromium (Debian's `chromium`
# package, installed here if missing) and fails on a script error or an empty chart.
#   usage: bash scripts/check-html-report.sh REPORT.html [SCREENSHOT.png]
# Checks: the page's own error hook recorded no error (data-errors), Chromium logged no
# uncaught exception, at least one chart exists and every <svg class="chart"> drew a bar.
# SHOT_HEIGHT sets the screenshot's height in pixels (default 2400; width 1280).
set -euo pipefail
report=$(realpath "$1")
shot=${2:-}

if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing Debian chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

profile=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$profile" "$out"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile" --enable-logging=stderr --v=0
       --virtual-time-budget=3000 --window-size=1280,${SHOT_HEIGHT:-2400})

timeout 120 chromium "${flags[@]}" --dump-dom "file://$report" >"$out/dom.html" 2>"$out/log.txt" || {
    echo "chromium failed:"; tail -20 "$out/log.txt"; exit 1; }

python3 - "$out/dom.html" "$out/log.txt" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
log = open(sys.argv[2], encoding="utf-8", errors="replace").read()
problems = []
m = re.search(r'<html[^>]*>', dom)
root = m.group(0) if m else ""
if 'data-errors=' in root:
    problems.append("the page recorded script errors: " + root)
for line in log.splitlines():
    if "CONSOLE" in line and ("Uncaught" in line or "Error" in line):
        problems.append("console: " + line.strip())
charts = re.findall(r'<svg[^>]*class="chart"[^>]*>(.*?)</svg>', dom, flags=re.S)
if not charts:
    problems.append("no <svg class=\"chart\"> in the page")
for i, c in enumerate(charts):
    if not re.search(r'<(rect|path|circle|line)\b', c):
        problems.append(f"chart {i} is empty")
drawn = re.search(r'data-charts-drawn="(\d+)"', root)
total = re.search(r'data-charts="(\d+)"', root)
if not (drawn and total):
    problems.append("the page's script did not run (no data-charts attributes)")
elif drawn.group(1) != total.group(1):
    problems.append(f"only {drawn.group(1)} of {total.group(1)} charts drew bars")
if problems:
    print("HTML report check FAILED:")
    for p in problems:
        print("  -", p)
    sys.exit(1)
print(f"HTML report check ok: {len(charts)} charts, all drawn, no script errors")
PY

if [ -n "$shot" ]; then
    timeout 120 chromium "${flags[@]}" --hide-scrollbars --screenshot="$(realpath -m "$shot")" \
        "file://$report" 2>>"$out/log.txt" >/dev/null
    test -s "$shot" || { echo "no screenshot written"; exit 1; }
    echo "screenshot: $shot"
fi
