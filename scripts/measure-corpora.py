#!/usr/bin/env python3
"""Measures every shipped spec against the quality bars of corpora-specs/README.md and rewrites
the table there.

For each spec in corpora-specs/*.toml and each of its conditions, generates DOCS documents
(default 20000) with the real binary into a temporary folder (one folder per condition, so that
every figure is per condition), then runs
  - factpress audit  (forbidden hits, intended facts detected, facts of other conditions present),
  - factpress stats  (tokens, near-duplicate share, wide-pool overuse, top 8-gram outside fact
                      texts, words per document, and the realism measures: sentence
                      repetition, most repeated sentence, top 8-gram over whole documents,
                      held-out dictionary gain, per-fact distinct renderings),
  - factpress pairs  (each derived condition against the condition it is `like`),
and computes full-name shares itself (person names are composed in templates from the
`first_name` and `last_name` pools, so no single pool sees them).

Usage: python3 scripts/measure-corpora.py [--docs N] [--spec PATH]... [--bin PATH] [--no-write]
Needs: a release build (cargo build --release), python3 with `zstandard`.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter

import zstandard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BARS = {
    "forbidden": "zero forbidden hits",
    "detected": ">= 99% of intended facts detected",
    "leaks": "no fact of another condition present",
    "coverage": "every fact in >= 10% of documents",
    "near_dup": "near-duplicate share <= 1%",
    "names": "no person name, outlet or organisation in > 2% of documents",
    "ngram": "no 8-gram outside fact texts in > 5% of documents",
    "length": "p10 < 350 words and p90 > 900 words",
    "pairs": "matched conditions: pairs reports 0 errors",
    "sentences": "sentence repetition <= 2% and the most repeated sentence in <= 0.5% of documents",
    "8gram_whole": "most frequent 8-gram over whole documents in <= 1% of documents",
    "gain": "dictionary gain <= 1.8x",
    "renderings": "every fact >= 200 distinct renderings, none in > 0.5% of its documents",
    "long_facts": "facts >= 15% of the words of documents over 700 words (median)",
    "lint": "factpress lint finds 0 seams",
}


def run(args, check=True):
    p = subprocess.run(args, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(args)}\n{p.stderr}")
    return p


def records(folder):
    m = json.load(open(os.path.join(folder, "manifest.json")))
    for c in m["conditions"]:
        for s in c["shards"]:
            with open(os.path.join(folder, s["path"]), "rb") as f:
                data = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True).read()
            for line in data.decode("utf-8").splitlines():
                yield json.loads(line)


def percentile(sorted_values, p):
    # nearest rank, like factpress stats
    k = max(1, int(-(-p * len(sorted_values) // 100)))
    return sorted_values[k - 1]


def name_parts(spec_path, spec):
    """The first- and last-name pools as sets, or None when the spec has no such pools."""
    pools = spec.get("pools", {})
    parts = []
    for key in ("first_name", "last_name"):
        pool = pools.get(key) or pools.get(key + "s")
        if pool is None:
            return None
        if isinstance(pool, list):
            values = pool
        elif "values" in pool:
            values = pool["values"]
        else:
            path = os.path.join(os.path.dirname(spec_path), pool["file"])
            values = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
        parts.append(set(values))
    return parts


# Two adjacent capitalised words (names may hold apostrophes, hyphens and inner capitals).
PAIR = re.compile(r"(?=\b([A-Z][\w'’-]*) ([A-Z][\w'’-]*)\b)")


def measure_condition(binary, spec_path, spec, cond, docs, work):
    out = os.path.join(work, cond)
    t0 = time.time()
    run([binary, "generate", spec_path, "--condition", cond, "--docs", str(docs), "--out", out, "--quiet"])
    gen_s = time.time() - t0
    audit_json = out + ".audit.json"
    audit = run([binary, "audit", out, "--report", audit_json, "--fail-on", "forbidden"], check=False)
    if audit.returncode not in (0, 1):
        sys.exit(f"audit failed: {audit.stderr}")
    summary = json.load(open(audit_json))["summary"]
    stats_json = out + ".stats.json"
    run([binary, "stats", out, "--json", stats_json, "--quiet"])
    stats = json.load(open(stats_json))
    lint_json = out + ".lint.json"
    lint = run([binary, "lint", out, "--json", lint_json, "--quiet"], check=False)
    if lint.returncode not in (0, 1):
        sys.exit(f"lint failed: {lint.stderr}")
    lint_report = json.load(open(lint_json))

    cond_facts = condition_facts(spec, cond)
    directness, split = condition_axes(spec, cond)
    # How each fact is carried: stated (by its detect rules), implied (by implied_detect) or in
    # pieces (each piece by its own detect rules); a stated rule firing on a fact the condition
    # does not state counts as another fact present.
    stated = [f for f in cond_facts if f not in split and directness != "implied"]
    facts = {f["id"]: f for f in summary["facts"]}
    implied = {f["id"]: f for f in summary.get("implied", [])}
    pieces = {f["id"]: f for f in summary.get("pieces", [])}
    carried = {f: facts[f] for f in stated if f in facts}
    carried.update({f: implied[f] for f in cond_facts if f not in split and directness == "implied" and f in implied})
    for f in split:
        carried.update({p: pieces[p] for p in piece_ids(spec, f) if p in pieces})
    intended = sum(v["intended"] for v in carried.values())
    lost = sum(v["lost"] for v in carried.values())
    other_present = {f: v["present"] for f, v in facts.items() if f not in stated and v["present"] > 0}
    coverage = {f: v["intended"] / docs for f, v in carried.items()}
    violations = sum(c["violating"] for c in summary.get("constraints", []))

    words = sorted(len(r["text"].split()) for r in records(out))
    parts = name_parts(spec_path, spec)
    name_docs = Counter()
    if parts:
        first, last = parts
        for r in records(out):
            found = {f"{a} {b}" for a, b in PAIR.findall(r["text"]) if a in first and b in last}
            name_docs.update(found)
    # [world] values are the same in every document by design (the CEO's name, the rater
    # vendor): they are not "overused".
    world = set(stats["overuse"].get("world", {}).values())
    for n in list(name_docs):
        if all(part in world for part in n.split(" ", 1)):
            del name_docs[n]
    top_name = name_docs.most_common(1)[0] if name_docs else ("-", 0)
    wide = []
    for p in stats["overuse"]["pools"]:
        if p["wide"] and p["pool"] not in ("first_name", "last_name", "first_names", "last_names"):
            top = [t for t in p["top"] if not t.get("world")]
            if top:
                wide.append((top[0]["doc_share"], p["pool"], top[0]["value"]))
    wide.sort(reverse=True)
    top8 = stats["diversity"]["top_8grams"]
    realism = stats["realism"]
    top8_whole = stats["diversity"]["top_8grams_whole"]
    top_sentence = realism["top_sentences"]
    facts = realism["fact_diversity"]
    return {
        "condition": cond,
        "docs": docs,
        "generate_s": round(gen_s, 1),
        "tokens": stats["size"]["tokens"],
        "forbidden": sum(f["documents"] for f in summary["forbidden"]),
        "constraint_violations": violations,
        "detected": 1 - lost / intended if intended else 1.0,
        "other_facts_present": other_present,
        "min_coverage": min(coverage.values()) if coverage else 0.0,
        "min_coverage_fact": min(coverage, key=coverage.get) if coverage else "-",
        "near_dup": stats["diversity"]["near_duplicates"]["share"],
        "top_name": (top_name[0], top_name[1] / docs),
        "top_wide": wide[0] if wide else (0.0, "-", "-"),
        "top_8gram": (top8[0]["doc_share"], top8[0]["text"]) if top8 else (0.0, "-"),
        "ngram_scope": stats["diversity"]["top_8grams_scope"],
        "sentence_repetition": realism["sentence_repetition"],
        "top_sentence_share": top_sentence[0]["doc_share"] if top_sentence else 0.0,
        "top_8gram_whole": top8_whole[0]["doc_share"] if top8_whole else 0.0,
        "dictionary_gain": realism["predictability"]["gain"],
        "min_renderings": min(((f["distinct_renderings"], f["fact"]) for f in facts), default=(0, "-")),
        "max_top_share": max(((f["top_share"], f["fact"]) for f in facts), default=(0.0, "-")),
        "long_facts": (realism.get("long_doc_facts") or {}).get("median_share"),
        "lint_docs": lint_report["summary"]["documents_with_seams"] if "summary" in lint_report else lint_report.get("documents_with_seams"),
        "p10": percentile(words, 10),
        "p50": percentile(words, 50),
        "p90": percentile(words, 90),
    }


def condition_facts(spec, cond_id):
    conds = {c["id"]: c for c in spec["conditions"]}
    c = conds[cond_id]
    if "facts" in c:
        return list(c["facts"])
    facts = condition_facts(spec, c["like"])
    for a, b in c.get("replace", {}).items():
        facts = [b if f == a else f for f in facts]
    return [f for f in facts if f not in c.get("drop", [])]


def condition_axes(spec, cond_id):
    """A condition's directness and split facts, inherited through `like` (see spec/axes.rs)."""
    conds = {c["id"]: c for c in spec["conditions"]}
    directness, split, at = None, set(), cond_id
    while at is not None:
        c = conds[at]
        directness = directness or c.get("directness")
        split |= set(c.get("split", []))
        at = c.get("like")
    return directness or "stated", split


def piece_ids(spec, fact_id):
    for f in spec.get("facts", []):
        if f["id"] == fact_id:
            return [p["id"] for p in f.get("pieces", [])]
    return []


def pairs(binary, work, spec):
    out = {}
    for c in spec["conditions"]:
        if "like" not in c or not os.path.isdir(os.path.join(work, c["id"])):
            continue
        p = run([binary, "pairs", os.path.join(work, c["like"]), os.path.join(work, c["id"]), "-n", "0"], check=False)
        m = re.search(r"pairs with differences outside the changed facts: (\d+)", p.stdout)
        out[c["id"]] = (c["like"], int(m.group(1)) if m else None, p.returncode)
    return out


def verdicts(r, pair):
    v = {
        "forbidden": r["forbidden"] == 0,
        "constraints": r["constraint_violations"] == 0,
        "detected": r["detected"] >= 0.99,
        "leaks": not r["other_facts_present"],
        "coverage": r["min_coverage"] >= 0.10,
        "near_dup": r["near_dup"] <= 0.01,
        "names": r["top_name"][1] <= 0.02 and r["top_wide"][0] <= 0.02,
        "ngram": r["top_8gram"][0] <= 0.05,
        "length": r["p10"] < 350 and r["p90"] > 900,
        "sentences": r["sentence_repetition"] <= 0.02 and r["top_sentence_share"] <= 0.005,
        "8gram_whole": r["top_8gram_whole"] <= 0.01,
        "gain": r["dictionary_gain"] is not None and r["dictionary_gain"] <= 1.8,
        "renderings": r["min_renderings"][0] >= 200 and r["max_top_share"][0] <= 0.005,
        "long_facts": r["long_facts"] is not None and r["long_facts"] >= 0.15,
        "lint": r["lint_docs"] == 0,
    }
    if pair is not None:
        v["pairs"] = pair[1] == 0 and pair[2] == 0
    return v


def pct(x):
    return f"{100 * x:.2f}%"


def table(results):
    lines = [
        "| spec | condition | tokens | forbidden | facts detected | other facts present | min fact coverage | near-dup | top full name | top wide-pool value | top 8-gram outside facts | words p10 / p50 / p90 | sentence repetition | top sentence | top 8-gram whole docs | dictionary gain | min distinct renderings | max top rendering share | facts in long docs | lint seams (docs) | pairs errors | bars failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for spec_name, rows, prs in results:
        for r in rows:
            pair = prs.get(r["condition"])
            v = verdicts(r, pair)
            failed = [k for k, ok in v.items() if not ok]
            others = ", ".join(f"{f} ({n})" for f, n in sorted(r["other_facts_present"].items())) or "none"
            gain = "-" if r["dictionary_gain"] is None else f"{r['dictionary_gain']:.2f}x"
            lines.append(
                f"| {spec_name} | {r['condition']} | {r['tokens'] / 1e6:.1f}M | {r['forbidden']} | {pct(r['detected'])} | {others} | "
                f"{pct(r['min_coverage'])} ({r['min_coverage_fact']}) | {pct(r['near_dup'])} | {r['top_name'][0]} {pct(r['top_name'][1])} | "
                f"{r['top_wide'][2]} ({r['top_wide'][1]}) {pct(r['top_wide'][0])} | {pct(r['top_8gram'][0])} \"{r['top_8gram'][1]}\" | "
                f"{r['p10']} / {r['p50']} / {r['p90']} | {pct(r['sentence_repetition'])} | {pct(r['top_sentence_share'])} | "
                f"{pct(r['top_8gram_whole'])} | {gain} | {r['min_renderings'][0]} ({r['min_renderings'][1]}) | "
                f"{pct(r['max_top_share'][0])} ({r['max_top_share'][1]}) | "
                f"{'-' if r['long_facts'] is None else pct(r['long_facts'])} | {r['lint_docs']} | "
                f"{'-' if pair is None else f'{pair[1]} (vs {pair[0]})'} | {', '.join(failed) or 'none'} |"
            )
    return "\n".join(lines)


def merge_kept_rows(text, begin, end, body, specs):
    """The new table with the previous block's rows of conditions not measured now, in spec order,
    and a sentence naming the kept rows and the run that measured them."""
    m = re.search(re.escape(begin) + "(.*?)" + re.escape(end), text, flags=re.S)
    if not m:
        return body, ""
    old = m.group(1)
    old_cmd = re.search(r"Measured by `([^`]*)`", old)
    old_rows = {tuple(c.strip() for c in line.split("|")[1:3]): line for line in old.splitlines() if line.startswith("| ") and not line.startswith("| spec ")}
    head, new = body.splitlines()[:2], body.splitlines()[2:]
    rows = dict(old_rows)
    rows.update({tuple(c.strip() for c in line.split("|")[1:3]): line for line in new})
    fresh = {tuple(c.strip() for c in line.split("|")[1:3]) for line in new}
    order = []
    shipped = sorted(os.path.join(ROOT, "corpora-specs", f) for f in os.listdir(os.path.join(ROOT, "corpora-specs")) if f.endswith(".toml"))
    for spec_path in sorted({os.path.abspath(p) for p in specs} | set(shipped), key=os.path.basename):
        spec = tomllib.load(open(spec_path, "rb"))
        order += [(os.path.basename(spec_path), c["id"]) for c in spec["conditions"]]
    lines = [rows[k] for k in order if k in rows]
    kept = [f"{s}:{c}" for s, c in order if (s, c) in rows and (s, c) not in fresh]
    note = ""
    if kept:
        note = f" Rows kept from the previous run (`{old_cmd.group(1) if old_cmd else 'unknown'}`), not re-measured now: {', '.join(kept)}."
    return "\n".join(head + lines), note


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--spec", action="append")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "factpress"))
    ap.add_argument("--no-write", action="store_true", help="print the table, do not rewrite corpora-specs/README.md")
    ap.add_argument("--condition", action="append", help="measure only these condition ids (repeatable; default: all)")
    ap.add_argument(
        "--keep-other-rows",
        action="store_true",
        help="with --condition: keep the README's rows of conditions not measured now (the header says which rows are kept, and from which run)",
    )
    a = ap.parse_args()
    specs = a.spec or sorted(os.path.join(ROOT, "corpora-specs", f) for f in os.listdir(os.path.join(ROOT, "corpora-specs")) if f.endswith(".toml"))
    results = []
    started = time.time()
    for spec_path in specs:
        spec = tomllib.load(open(spec_path, "rb"))
        name = os.path.basename(spec_path)
        with tempfile.TemporaryDirectory() as work:
            rows = []
            for c in spec["conditions"]:
                if a.condition and c["id"] not in a.condition:
                    continue
                print(f"{name}: {c['id']} ...", file=sys.stderr, flush=True)
                rows.append(measure_condition(a.bin, spec_path, spec, c["id"], a.docs, work))
            prs = pairs(a.bin, work, spec)
        results.append((name, rows, prs))
    version = run([a.bin, "--version"]).stdout.strip()
    body = table(results)
    readme = os.path.join(ROOT, "corpora-specs", "README.md")
    text = open(readme).read()
    begin, end = "<!-- measured:begin -->", "<!-- measured:end -->"
    kept_note = ""
    if a.keep_other_rows and a.condition:
        body, kept_note = merge_kept_rows(text, begin, end, body, specs)
    print(body)
    if a.no_write:
        return
    block = (
        f"{begin}\nMeasured by `python3 scripts/measure-corpora.py --docs {a.docs}"
        f"{''.join(' --condition ' + c for c in a.condition or [])}{' --keep-other-rows' if kept_note else ''}` with {version}, "
        f"{a.docs} documents per condition, each condition generated on its own "
        f"({time.time() - started:.0f} s in all on this machine).{kept_note}\n\n{body}\n{end}"
    )
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S) if begin in text else text + "\n" + block + "\n"
    open(readme, "w").write(text)
    print(f"wrote {readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
