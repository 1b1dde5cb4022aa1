#!/usr/bin/env python3
"""Runs the probes of `factpress probes` through the real Inspect harness, offline.

    python3 scripts/inspect-probes.py PROBES_DIR [PROBES_DIR ...]

For each folder: knowledge.jsonl and distinguish.jsonl are loaded with
inspect_ai.dataset.json_dataset and evaluated as multiple choice (the `multiple_choice`
solver, the `choice` scorer) with Inspect's built-in `mockllm/model`, twice:

- with mockllm's default text as every answer: every sample must load, run and be scored;
- with mockllm answering each sample's `target` letter (an oracle): accuracy must be 1.0,
  so every target is a letter Inspect reads as the right choice.

open.jsonl must load too, with a reference answer and `metadata.grading` on every sample.
No network is used. Exits 1 on any failure, with the reason.
"""

import json
import sys
import tempfile
from pathlib import Path

from inspect_ai import Task, eval
from inspect_ai.dataset import json_dataset
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import choice
from inspect_ai.solver import multiple_choice


MOCK_DEFAULT = "Default output from mockllm/model"


def output(content):
    out = ModelOutput.from_content(model="mockllm/model", content=content)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out


def fail(message):
    print(f"inspect-probes: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def lines(path):
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def run(path, log_dir, oracle):
    records = lines(path)
    dataset = json_dataset(str(path))
    if len(dataset) != len(records):
        fail(f"{path}: {len(records)} lines but Inspect loaded {len(dataset)} samples")
    for s, r in zip(dataset, records):
        if s.id != r["id"] or s.target != r["target"] or list(s.choices or []) != r["choices"]:
            fail(f"{path}: sample {r['id']} did not load as written")
    # mockllm's outputs are given with their token usage: without it, mockllm counts tokens
    # with tiktoken's o200k vocabulary, which it would download.
    contents = [f"ANSWER: {r['target']}" if oracle else MOCK_DEFAULT for r in records]
    outputs = [output(c) for c in contents]
    model = get_model("mockllm/model", custom_outputs=outputs)
    task = Task(dataset=dataset, solver=multiple_choice(), scorer=choice(), name=path.stem)
    # One sample at a time, so the oracle's outputs are consumed in dataset order.
    [log] = eval(task, model=model, log_dir=log_dir, display="none", max_samples=1)
    if log.status != "success":
        fail(f"{path}: eval status {log.status}: {log.error}")
    samples = log.samples or []
    scored = [s for s in samples if s.scores and "choice" in s.scores]
    if len(samples) != len(records) or len(scored) != len(records):
        fail(f"{path}: {len(records)} samples, {len(samples)} run, {len(scored)} scored")
    accuracy = log.results.scores[0].metrics["accuracy"].value
    if oracle and accuracy != 1.0:
        wrong = [s.id for s in samples if s.scores["choice"].value != "C"]
        fail(f"{path}: the oracle scored {accuracy}, not 1.0 (wrong: {wrong[:5]})")
    return len(records), accuracy


def main(dirs):
    if not dirs:
        fail("give one or more folders written by `factpress probes`")
    total = 0
    with tempfile.TemporaryDirectory() as log_dir:
        for d in map(Path, dirs):
            for kind in ("knowledge", "distinguish"):
                path = d / f"{kind}.jsonl"
                n, acc = run(path, log_dir, oracle=False)
                _, oracle = run(path, log_dir, oracle=True)
                total += n
                print(f"{path}: {n} samples loaded and scored (mockllm accuracy {acc:.2f}, oracle {oracle:.2f})")
            path = d / "open.jsonl"
            records = lines(path)
            dataset = json_dataset(str(path))
            if len(dataset) != len(records) or any(
                not s.target or not (s.metadata or {}).get("grading") for s in dataset
            ):
                fail(f"{path}: every open sample needs a reference target and metadata.grading")
            print(f"{path}: {len(dataset)} open samples loaded")
    print(f"inspect-probes: ok, {total} multiple-choice samples scored")


if __name__ == "__main__":
    main(sys.argv[1:])
