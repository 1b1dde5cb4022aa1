#!/usr/bin/env python3
"""Helpers of scripts/llm-server-ci.sh (a real OpenAI-compatible server in CI).

  serve MODEL PORT LOG   llama-cpp-python's server (its own FastAPI app, run by uvicorn with
                         its access log) with one addition: an ASGI middleware that appends a
                         line to LOG for every request body the server receives
                         ({"path", "body_sha256", "bytes"}) and for every response status.
  requests DIR N TAG     writes DIR/requests/0000K.jsonl: N chat-completion requests in the
                         briefs contract's line shape, 25 a file, each prompt unique.
  check DIR LOG [--resent-ok SHA_FILE] [--expect-sent N]
                         from the server's log: every request of DIR arrived (its body byte
                         for byte: the sha256 of the raw `body` text of its line), none twice
                         (except those listed in SHA_FILE, the ones without a cache file when
                         the run was killed), and DIR/results/run.jsonl has every request, in
                         order, answered. Prints the figures.
"""
import hashlib
import json
import os
import sys


def serve(model, port, log):
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    app = create_app(
        server_settings=ServerSettings(host="127.0.0.1", port=int(port)),
        model_settings=[ModelSettings(model=model, model_alias="tiny", n_ctx=8192, verbose=False)],
    )
    out = open(log, "a", buffering=1)

    async def logged(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        body = bytearray()

        async def recv():
            msg = await receive()
            if msg["type"] == "http.request":
                body.extend(msg.get("body", b""))
                if not msg.get("more_body"):
                    out.write(json.dumps({"event": "received", "path": scope["path"],
                                          "body_sha256": hashlib.sha256(body).hexdigest(),
                                          "bytes": len(body)}) + "\n")
            return msg

        async def snd(msg):
            if msg["type"] == "http.response.start":
                out.write(json.dumps({"event": "status", "path": scope["path"],
                                      "status": msg["status"],
                                      "body_sha256": hashlib.sha256(body).hexdigest()}) + "\n")
            await send(msg)

        await app(scope, recv, snd)

    uvicorn.run(logged, host="127.0.0.1", port=int(port), access_log=True, log_level="info")


def requests(d, n, tag):
    os.makedirs(os.path.join(d, "requests"), exist_ok=True)
    n = int(n)
    for f in range(0, n, 25):
        with open(os.path.join(d, "requests", f"{f // 25:05d}.jsonl"), "w") as out:
            for i in range(f, min(n, f + 25)):
                body = {"model": "tiny", "max_tokens": 48, "temperature": 0.8, "seed": i,
                        "messages": [{"role": "system", "content": "Write as a local newspaper would."},
                                     {"role": "user", "content": f"{tag} brief {i}: write the report on the city board plan"}]}
                line = {"custom_id": f"{tag}-{i:05d}", "method": "POST",
                        "url": "/v1/chat/completions", "body": body}
                out.write(json.dumps(line) + "\n")


def raw_body(line):
    """The exact text of the line's `body` (the request files are written by json.dumps)."""
    start = line.index('"body": ') + len('"body": ')
    dec = json.JSONDecoder()
    _, end = dec.raw_decode(line, start)
    return line[start:end]


def check(d, log, resent_ok=None, expect_sent=None):
    reqs = []
    for name in sorted(os.listdir(os.path.join(d, "requests"))):
        with open(os.path.join(d, "requests", name), encoding="utf-8") as f:
            for line in f.read().splitlines():
                reqs.append((json.loads(line)["custom_id"],
                             hashlib.sha256(line.encode()).hexdigest(),
                             hashlib.sha256(raw_body(line).encode()).hexdigest()))
    ok_twice = set()
    if resent_ok:
        with open(resent_ok) as f:
            ok_twice = {l.strip() for l in f if l.strip()}
    received = {}
    statuses = {}
    with open(log) as f:
        for l in f:
            e = json.loads(l)
            if e["path"] != "/v1/chat/completions":
                continue
            key = "received" if e["event"] == "received" else "status"
            tgt = received if key == "received" else statuses
            tgt[e["body_sha256"]] = tgt.get(e["body_sha256"], 0) + 1
    problems = []
    dup = 0
    for cid, line_sha, body_sha in reqs:
        n = received.get(body_sha, 0)
        if n == 0:
            problems.append(f"{cid}: never reached the server")
        elif n > 1:
            dup += 1
            if line_sha not in ok_twice:
                problems.append(f"{cid}: reached the server {n} times (it had a cache file)")
    sent = sum(received.get(b, 0) for _, _, b in reqs)
    if expect_sent is not None and sent != int(expect_sent):
        problems.append(f"{sent} requests reached the server, expected {expect_sent}")
    with open(os.path.join(d, "results", "run.jsonl")) as f:
        results = [json.loads(l) for l in f]
    if [r["custom_id"] for r in results] != [c for c, _, _ in reqs]:
        problems.append("results/run.jsonl: not every request, or not in request order")
    for r, (cid, line_sha, _) in zip(results, reqs):
        if r["error"] is not None or r["response"]["status_code"] != 200:
            problems.append(f"{cid}: not answered: {r['error']}")
        elif r["response"]["request_id"] != line_sha or not r["response"]["body"]["choices"]:
            problems.append(f"{cid}: a results line of another request or without a choice")
    print(f"  {len(reqs)} requests; {sent} arrivals at the server; sent twice: {dup} "
          f"(allowed: the {len(ok_twice)} without a cache file at the kill); "
          f"results lines: {len(results)}")
    for p in problems[:20]:
        print("  PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        serve(*args)
    elif cmd == "requests":
        requests(*args)
    elif cmd == "check":
        kw = {}
        if "--resent-ok" in args:
            i = args.index("--resent-ok"); kw["resent_ok"] = args[i + 1]; del args[i:i + 2]
        if "--expect-sent" in args:
            i = args.index("--expect-sent"); kw["expect_sent"] = args[i + 1]; del args[i:i + 2]
        sys.exit(check(*args, **kw))
    else:
        sys.exit(__doc__)
