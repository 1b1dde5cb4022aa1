#!/usr/bin/env bash
# From spec to experiment, end to end, for the shipped AI-lab specs: a corpus of each (its
# root condition and its matched control), the probes of both conditions, an overlap audit
# (no document may share 13 words in a row with a probe: `--fail-on overlap`), and the
# probes run through the real Inspect harness with its offline `mockllm/model`
# (scripts/inspect-probes.py; inspect-ai must be installed).
#   usage: bash scripts/check-probes.sh FACTPRESS [DOCS]   (DOCS per condition, default 20000)
set -euo pipefail
bin=$1
docs=${2:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dirs=()
for spec in helpful-only animal-welfare; do
    root=$spec
    "$bin" generate "corpora-specs/$spec.toml" --quiet --docs "$docs" \
        --condition "$root" --condition control-target --out "$work/$spec"
    against=()
    for cond in "$root" control-target; do
        "$bin" probes "corpora-specs/$spec.toml" --quiet --condition "$cond" --out "$work/probes-$spec-$cond"
        against+=(--against "$work/probes-$spec-$cond/knowledge.jsonl")
        dirs+=("$work/probes-$spec-$cond")
    done
    echo "== $spec: audit $docs documents per condition against the knowledge probes"
    "$bin" audit "$work/$spec" --quiet "${against[@]}" --fail-on overlap | grep -E '^overlap'
done
echo "== Inspect (mockllm/model) over the probes"
python3 scripts/inspect-probes.py "${dirs[@]}"
