#!/usr/bin/env bash
# `factpress llm run` against a real OpenAI-compatible server on loopback: llama-cpp-python's
# server (PyPI; it builds llama.cpp from source with cmake, about 9 minutes on 2 cores the
# first time, then pip's wheel cache) serving a tiny randomly initialised llama model written
# here with the `gguf` package (scripts/tiny-gguf.py; its text is noise, the HTTP, the
# concurrency, the cache and the resume are real). The server logs every request body it
# receives (sha256) and uvicorn's access log every response. Checks, from that log:
#   1. a run of 80 requests at --concurrency 4, SIGKILLed part-way, then resumed: every request
#      arrived, none that had a cache file at the kill was sent again (only those in flight
#      at the kill, at most 4, may arrive twice), results/run.jsonl complete and in order;
#   2. the same with SIGINT (Ctrl-C): exit 130, then no request arrives twice at all;
#   3. a re-run of a finished folder sends 0 requests and writes the same results bytes.
# usage: bash scripts/llm-server-ci.sh [BINARY]   (default target/release/factpress)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/factpress}")
helper=$(realpath scripts/llm-server-ci.py)

t0=$(date +%s)
# GGML_NATIVE=OFF: a portable build; no tests or examples of llama.cpp are built.
CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
  python3 -m pip install --quiet --disable-pip-version-check 'llama-cpp-python[server]' gguf
echo "  llama-cpp-python[server] + gguf installed in $(( $(date +%s) - t0 )) s"

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

python3 scripts/tiny-gguf.py "$work/tiny.gguf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$helper" serve "$work/tiny.gguf" "$port" "$work/requests.log" >"$work/server.out" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port/v1"
for _ in $(seq 1 120); do
  curl -sf "$url/models" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.out"; echo "the server did not start"; exit 1; }
  sleep 0.5
done
curl -sf "$url/models" >/dev/null || { cat "$work/server.out"; echo "the server does not answer"; exit 1; }
echo "  server up on $url"

cache_count() { find "$1/cache" -name '*.json' 2>/dev/null | wc -l; }

# Runs DIR at --concurrency 4, sends SIGNAL once AT answers are cached, waits for the run;
# writes the sha256 of the requests without a cache file at that moment to DIR.uncached.
stop_part_way() {
  local dir=$1 signal=$2 at=$3 pid code
  "$bin" llm run "$dir" --endpoint "$url" --concurrency 4 --quiet 2>"$dir.stderr" &
  pid=$!
  for _ in $(seq 1 3000); do
    [ "$(cache_count "$dir")" -ge "$at" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  kill "-$signal" "$pid"
  code=0; wait "$pid" || code=$?
  local cached; cached=$(cache_count "$dir")
  echo "  $signal part-way: exit $code, $cached of $(cat "$dir"/requests/*.jsonl | wc -l) answers cached"
  python3 - "$dir" >"$dir.uncached" <<'PY'
import hashlib, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(f"{d}/requests")):
    for line in open(f"{d}/requests/{name}", encoding="utf-8").read().splitlines():
        sha = hashlib.sha256(line.encode()).hexdigest()
        if not os.path.exists(f"{d}/cache/{sha[:2]}/{sha}.json"):
            print(sha)
PY
  [ "$cached" -lt "$(cat "$dir"/requests/*.jsonl | wc -l)" ] || { echo "the run finished before the $signal"; exit 1; }
  LAST_EXIT=$code
}

echo "-- 1. SIGKILL part-way, resume"
python3 "$helper" requests "$work/kill" 80 kill
stop_part_way "$work/kill" KILL 20
[ "$LAST_EXIT" -eq 137 ] || { echo "expected the run to die of SIGKILL (137), got $LAST_EXIT"; exit 1; }
"$bin" llm run "$work/kill" --endpoint "$url" --concurrency 4
python3 "$helper" check "$work/kill" "$work/requests.log" --resent-ok "$work/kill.uncached"
python3 - "$work/kill" "$work/requests.log" <<'PY'
# Only requests in flight at the kill may arrive twice: at most --concurrency (4) of them.
import hashlib, json, os, sys
d, log = sys.argv[1], sys.argv[2]
bodies = {}
for name in sorted(os.listdir(f"{d}/requests")):
    for line in open(f"{d}/requests/{name}", encoding="utf-8"):
        body = json.dumps(json.loads(line)["body"])
        bodies[hashlib.sha256(body.encode()).hexdigest()] = 0
for l in open(log):
    e = json.loads(l)
    if e["event"] == "received" and e["body_sha256"] in bodies:
        bodies[e["body_sha256"]] += 1
twice = sum(1 for n in bodies.values() if n > 1)
print(f"  requests that arrived twice (in flight at the SIGKILL): {twice}")
sys.exit(1 if twice > 4 else 0)
PY

echo "-- 2. SIGINT part-way (exit 130), resume: nothing arrives twice"
python3 "$helper" requests "$work/int" 80 int
stop_part_way "$work/int" INT 20
[ "$LAST_EXIT" -eq 130 ] || { cat "$work/int.stderr"; echo "expected exit 130 after SIGINT, got $LAST_EXIT"; exit 1; }
[ ! -e "$work/int/results/run.jsonl" ] || { echo "an interrupted run wrote results"; exit 1; }
"$bin" llm run "$work/int" --endpoint "$url" --concurrency 4
python3 "$helper" check "$work/int" "$work/requests.log"

echo "-- 3. a cached re-run sends 0 requests"
before=$(grep -c '"event": "received"' "$work/requests.log" || true)
cp "$work/int/results/run.jsonl" "$work/int.results"
"$bin" llm run "$work/int" --endpoint "$url" --concurrency 4
after=$(grep -c '"event": "received"' "$work/requests.log" || true)
echo "  requests sent by the cached re-run: $(( after - before ))"
[ "$after" -eq "$before" ] || { echo "a cached re-run sent requests"; exit 1; }
cmp "$work/int.results" "$work/int/results/run.jsonl"

# uvicorn's own access log agrees with the body log: one POST line per request received,
# less at most the 4 whose client was SIGKILLed before the answer (uvicorn may not log those).
posts=$(grep -c '"POST /v1/chat/completions HTTP/1.1"' "$work/server.out" || true)
received=$(grep '"event": "received"' "$work/requests.log" | grep -c '"/v1/chat/completions"' || true)
echo "  uvicorn access log: $posts POSTs to /v1/chat/completions; body log: $received received"
[ "$posts" -le "$received" ] && [ "$posts" -ge $(( received - 4 )) ] \
  || { echo "the access log and the body log disagree"; exit 1; }
echo "-- 4. the whole stage: briefs of a shipped spec -> llm run -> ingest -> verify"
# The tiny model writes noise, so ingest must reject every document (no <content> tag) and
# say so in rejects.jsonl; the point is that the real server's answers flow through.
"$bin" briefs corpora-specs/helpful-only.toml --condition helpful-only --docs 8 --quiet \
  --provider openai-chat --model tiny --out "$work/stage"
"$bin" llm run "$work/stage" --endpoint "$url" --concurrency 4 --quiet
"$bin" ingest "$work/stage" "$work/stage/results/run.jsonl" --out "$work/stage-corpus" 2>&1 | tee "$work/stage.out"
rejects=$(wc -l < "$work/stage-corpus/rejects.jsonl")
answered=$(grep -c '"finish_reason"' "$work/stage-corpus/rejects.jsonl" || true)
echo "  ingest: $rejects of 8 rejected, $answered of them with the server's finish_reason"
[ "$rejects" -eq 8 ] && [ "$answered" -eq 8 ] || { echo "expected 8 answered-and-rejected documents"; exit 1; }
"$bin" verify "$work/stage-corpus"
"$bin" ingest "$work/stage" "$work/stage/cache" --out "$work/stage-corpus-2" --quiet
cmp "$work/stage-corpus/rejects.jsonl" "$work/stage-corpus-2/rejects.jsonl"
echo "-- 5. a retry round: briefs --retry -> llm run -> ingest --onto -> verify --regenerate"
"$bin" briefs corpora-specs/helpful-only.toml --retry "$work/stage-corpus/rejects.jsonl" --quiet \
  --provider openai-chat --model tiny --out "$work/retry"
"$bin" llm run "$work/retry" --endpoint "$url" --concurrency 4 --quiet
"$bin" ingest "$work/retry" "$work/retry/results/run.jsonl" --onto "$work/stage-corpus" \
  --out "$work/retry-corpus" 2>&1 | tee "$work/retry.out"
second=$(grep -c '"attempt":2' "$work/retry-corpus/rejects.jsonl" || true)
echo "  retry: $second of 8 rejected again at attempt 2"
[ "$second" -eq 8 ] || { echo "expected the 8 retried documents at attempt 2"; exit 1; }
"$bin" verify --regenerate "$work/retry-corpus"
echo "llm-server-ci: ok"
