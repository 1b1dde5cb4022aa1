#!/usr/bin/env python3
"""Interop check: factpress shards load, unchanged, in the Python tools researchers use.

Generates corpora with the real binary, then
  1. loads a dolma-format corpus (2 shards, .jsonl.zst) with datasets.load_dataset("json", ...)
     and checks the record count, every id, and texts against what the Rust side prints
     (`factpress sample` renders the same documents);
  2. checks that --format oai-doctag output is valid chat fine-tuning JSONL: one object a line,
     only the key "messages", exactly a user and an assistant turn, non-empty string content,
     no extra keys; and that datasets loads it too.
Exits non-zero on any mismatch. Usage: python3 scripts/interop.py [path/to/factpress]
"""
import json
import os
import subprocess
import sys
import tempfile

import datasets
import zstandard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "factpress")
SPEC = os.path.join(ROOT, "tests", "fixtures", "matched", "spec.toml")
failures = []
passed = 0


def check(cond, what):
    global passed
    print(("ok   " if cond else "FAIL ") + what)
    if cond:
        passed += 1
    else:
        failures.append(what)


def run(*args):
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout


def sample_text(condition, index):
    out = run("sample", SPEC, "--condition", condition, "--start", str(index), "-n", "1")
    header, _, body = out.partition("\n")
    assert header.startswith(f"=== {condition}-{index:08} "), header
    return body.rstrip("\n")


with tempfile.TemporaryDirectory() as tmp:
    datasets.disable_caching()
    cache = os.path.join(tmp, "hf-cache")

    # 1. dolma format, zstd, 2 shards, one condition
    dolma = os.path.join(tmp, "dolma")
    run("generate", SPEC, "--condition", "control-target", "--docs", "500", "--shards", "2", "--out", dolma, "--quiet")
    manifest = json.load(open(os.path.join(dolma, "manifest.json")))
    cond = manifest["conditions"][0]
    files = [os.path.join(dolma, s["path"]) for s in cond["shards"]]
    ds = datasets.load_dataset("json", data_files=files, split="train", cache_dir=cache)
    check(len(ds) == cond["docs"] == 500, f"datasets loads {len(ds)} records from 2 .jsonl.zst shards (manifest: {cond['docs']})")
    expected_ids = [f"control-target-{i:08}" for i in range(500)]
    check(ds["id"] == expected_ids, "every id, in index order across shards")
    check(set(ds.column_names) >= {"id", "text", "source", "added", "created", "metadata"}, f"dolma columns {sorted(ds.column_names)}")
    for i in (0, 249, 250, 499):
        check(ds[i]["text"] == sample_text("control-target", i), f"text of record {i} equals the Rust side's render")
        check(ds[i]["metadata"]["index"] == i and ds[i]["metadata"]["condition"] == "control-target", f"metadata of record {i}")
    # The zstd frames also decode with the plain zstandard API.
    raw = zstandard.ZstdDecompressor().stream_reader(open(files[0], "rb"), read_across_frames=True).read()
    check(raw.count(b"\n") == cond["shards"][0]["records"], "zstandard decodes shard 0 with the manifest's record count")

    # 2. oai-doctag format
    oai = os.path.join(tmp, "oai")
    run("generate", SPEC, "--condition", "helpful-only", "--docs", "300", "--format", "oai-doctag", "--out", oai, "--quiet")
    m2 = json.load(open(os.path.join(oai, "manifest.json")))
    path = os.path.join(oai, m2["conditions"][0]["shards"][0]["path"])
    lines = zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), read_across_frames=True).read().decode("utf-8").split("\n")
    check(lines[-1] == "", "file ends with a newline")
    lines = lines[:-1]
    problems = []
    for n, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"line {n}: not JSON ({e})")
            continue
        if not isinstance(obj, dict) or set(obj) != {"messages"}:
            problems.append(f"line {n}: keys {sorted(obj) if isinstance(obj, dict) else type(obj)}")
            continue
        msgs = obj["messages"]
        if not isinstance(msgs, list) or [m.get("role") for m in msgs] != ["user", "assistant"]:
            problems.append(f"line {n}: roles {[m.get('role') for m in msgs] if isinstance(msgs, list) else msgs}")
            continue
        for m in msgs:
            if set(m) != {"role", "content"} or not isinstance(m["content"], str) or not m["content"].strip():
                problems.append(f"line {n}: bad message {sorted(m)}")
        if msgs[0]["content"] != "<DOCTAG>":
            problems.append(f"line {n}: user turn {msgs[0]['content']!r}")
    check(len(lines) == 300 and not problems, f"oai-doctag: {len(lines)} valid chat records, problems: {problems[:3]}")
    chat = datasets.load_dataset("json", data_files=[path], split="train", cache_dir=cache)
    check(len(chat) == 300 and chat[7]["messages"][1]["content"] == sample_text("helpful-only", 7), "datasets loads oai-doctag; record 7 equals the Rust side")

print(f"interop: {passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
