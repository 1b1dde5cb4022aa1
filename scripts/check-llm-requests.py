#!/usr/bin/env python3
"""Validate the request files of `factpress briefs` folders with the official SDKs' request types.

Usage: check-llm-requests.py BRIEFS_DIR...

Each folder's provider (from its manifest.json) picks the types:
  openai-batch, openai-chat: the Batch input line shape {custom_id, method, url, body}, and `body`
      against openai.types.chat.CompletionCreateParamsNonStreaming;
  anthropic-batch: anthropic.types.messages.batch_create_params.Request
      ({custom_id, params: MessageCreateParamsNonStreaming}).
Validation is pydantic's TypeAdapter over the SDKs' TypedDicts, strict about unknown keys
(a key the SDK does not declare is an error, at every level the SDK types describe). Also
checks the contract of docs/LLM: custom_id unique, ^[a-zA-Z0-9_-]{1,64}$, equal to index.jsonl,
and each line's sha256 equal to the one recorded. Exit 1 on any problem.
"""
import hashlib
import json
import re
import sys
import typing
from pathlib import Path

import anthropic.types.messages.batch_create_params as anthropic_batch
import openai.types.chat as openai_chat
import pydantic
import typing_extensions
from openai.types.chat import ChatCompletionMessageParam
from anthropic.types import MessageParam

CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def check_keys(value, td, where, problems):
    """Reports keys of `value` that the TypedDict `td` does not declare, recursively."""
    if not (typing_extensions.is_typeddict(td) and isinstance(value, dict)):
        return
    hints = typing.get_type_hints(td)
    for k, v in value.items():
        if k not in hints:
            problems.append(f"{where}: unknown key {k!r} for {td.__name__}")
            continue
        for sub in candidates(hints[k]):
            if typing_extensions.is_typeddict(sub) and isinstance(v, dict):
                check_keys(v, sub, f"{where}.{k}", problems)
            elif isinstance(v, list):
                for i, item in enumerate(v):
                    for s2 in candidates(sub):
                        if typing_extensions.is_typeddict(s2) and isinstance(item, dict) and item_matches(item, s2):
                            check_keys(item, s2, f"{where}.{k}[{i}]", problems)


def candidates(h):
    """The types a hint may stand for (through Required, Optional, Union, Iterable...)."""
    out, todo = [], [h]
    while todo:
        t = todo.pop()
        args = typing.get_args(t)
        if typing.get_origin(t) is not None and args:
            todo.extend(a for a in args if not isinstance(a, (str, int)))
        else:
            out.append(t)
    return out


def item_matches(item, td):
    hints = typing.get_type_hints(td)
    role = hints.get("role")
    if role is not None:
        roles = [a for c in candidates(role) for a in typing.get_args(c)] or typing.get_args(role)
        lits = [a for a in typing.get_args(typing.get_args(role)[0]) if isinstance(a, str)] if typing.get_args(role) else []
        allowed = set(lits) | {a for a in roles if isinstance(a, str)}
        if allowed and item.get("role") not in allowed:
            return False
    return set(item) <= set(hints)


def validate(adapter, value, where, problems):
    try:
        adapter.validate_python(value)
    except pydantic.ValidationError as e:
        problems.append(f"{where}: {e}")


def main(dirs):
    openai_body = pydantic.TypeAdapter(openai_chat.completion_create_params.CompletionCreateParamsNonStreaming)
    anthropic_req = pydantic.TypeAdapter(anthropic_batch.Request)
    # Iterable fields are validated lazily by pydantic: check every message on its own.
    openai_msg = pydantic.TypeAdapter(ChatCompletionMessageParam)
    anthropic_msg = pydantic.TypeAdapter(MessageParam)
    problems, checked = [], 0
    for d in map(Path, dirs):
        manifest = json.loads((d / "manifest.json").read_text())
        provider = manifest["provider"]
        index = {}
        for line in (d / "index.jsonl").read_text().splitlines():
            e = json.loads(line)
            index[(e["file"], e["line"])] = e
        seen = set()
        for f in manifest["files"]:
            if not f["path"].startswith("requests/"):
                continue
            raw = (d / f["path"]).read_bytes()
            if hashlib.sha256(raw).hexdigest() != f["sha256"]:
                problems.append(f"{d}/{f['path']}: sha256 differs from the manifest")
            for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
                where = f"{d}/{f['path']}:{n}"
                req = json.loads(line)
                cid = req.get("custom_id", "")
                if not CUSTOM_ID.match(cid) or cid in seen:
                    problems.append(f"{where}: custom_id {cid!r} is invalid or repeated")
                seen.add(cid)
                e = index.get((f["path"], n))
                if e is None or e["custom_id"] != cid or e["sha256"] != hashlib.sha256(line.encode()).hexdigest():
                    problems.append(f"{where}: does not match index.jsonl")
                if provider == "anthropic-batch":
                    validate(anthropic_req, req, where, problems)
                    check_keys(req, anthropic_batch.Request, where, problems)
                    for i, m in enumerate(req.get("params", {}).get("messages", [])):
                        validate(anthropic_msg, m, f"{where} params.messages[{i}]", problems)
                else:
                    if set(req) != {"custom_id", "method", "url", "body"}:
                        problems.append(f"{where}: batch line keys {sorted(req)}")
                    if req.get("method") != "POST" or req.get("url") != "/v1/chat/completions":
                        problems.append(f"{where}: method/url {req.get('method')} {req.get('url')}")
                    body = req.get("body", {})
                    validate(openai_body, body, where + " body", problems)
                    check_keys(body, openai_chat.completion_create_params.CompletionCreateParamsNonStreaming, where + " body", problems)
                    for i, m in enumerate(body.get("messages", [])):
                        validate(openai_msg, m, f"{where} body.messages[{i}]", problems)
                checked += 1
        if len(seen) != manifest["briefs"]:
            problems.append(f"{d}: {len(seen)} requests, manifest says {manifest['briefs']} briefs")
    for p in problems[:50]:
        print(p, file=sys.stderr)
    print(f"checked {checked} requests in {len(dirs)} folder(s): {len(problems)} problem(s)")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
