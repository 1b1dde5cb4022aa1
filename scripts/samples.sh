#!/usr/bin/env bash
# Writes docs/samples/<spec>/<doc-type>.txt: one rendered document of each listed doc type per
# shipped spec, exactly as `generate` writes it at that index (the first document of that type
# in the spec's root condition, default seed). Re-run after changing a spec or its templates.
#
#   bash scripts/samples.sh [DOC_TYPE...]     default: news-article op-ed forum-thread
set -euo pipefail
cd "$(dirname "$0")/.."
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(news-article op-ed forum-thread)
cargo build --release --locked --quiet
for spec in corpora-specs/*.toml; do
  name=$(basename "$spec" .toml)
  rm -rf "docs/samples/$name"
  mkdir -p "docs/samples/$name"
  for t in "${types[@]}"; do
    target/release/factpress sample "$spec" -n 1 --doc-type "$t" > "docs/samples/$name/$t.txt"
  done
done
ls docs/samples/*
