#!/usr/bin/env bash
# Rewrites the seeds of fuzz/corpus/ that are copies of repository files, from the files as
# they are now: the fixture specs (spec), every .j2 template (template), the fixtures' rules
# (rules) and JSONL files (corpus). Hand-written seeds (listed in KEEP) and the generated
# corpus records (factpress_mini_*) are left alone. Run from anywhere; review `git status`.
set -euo pipefail
cd "$(dirname "$0")/.."
F=tests/fixtures
C=fuzz/corpus
KEEP='^(with_grammar_rule\.j2|functions_and_filters\.j2|world_and_dates\.toml|factpress_mini_.*)$'
for d in spec template rules corpus; do
  mkdir -p "$C/$d"
  find "$C/$d" -maxdepth 1 -type f -printf '%f\n' | grep -Ev "$KEEP" | sed "s#^#$C/$d/#" | xargs -r rm -f
done

# spec: the fixture specs, their templates paths pointed at the folders the spec target lays
# out (factpress_fuzz::lay_out_fixtures).
cp "$F/mini/spec.toml" "$C/spec/mini.toml"
sed 's#^templates = "templates"#templates = "grammar-templates"#' "$F/grammar/spec.toml" >"$C/spec/grammar.toml"
sed 's#^templates = "templates"#templates = "matched-templates"#' "$F/matched/spec.toml" >"$C/spec/matched.toml"
sed 's#^templates = "templates"#templates = "lint-templates"#' "$F/lint/spec/spec.toml" >"$C/spec/lint.toml"
for f in "$F"/bad/*.toml; do
  sed 's#"\.\./mini/templates"#"templates"#' "$f" >"$C/spec/bad_$(basename "$f")"
done

# template: every template, named by its path.
find templates "$F" -name '*.j2' | sort | while read -r f; do
  n=$(sed 's#^tests/fixtures/#fixtures/#; s#/#__#g' <<<"$f")
  cp "$f" "$C/template/$n"
done

# rules: the audit rules, the mini spec whole, bad_regex, and the [[facts]] and [[forbidden]]
# of the mini, grammar and matched specs as rules-only files.
cp "$F/audit/rules.toml" "$C/rules/audit_rules.toml"
cp "$F/mini/spec.toml" "$C/rules/mini_spec.toml"
sed 's#"\.\./mini/templates"#"templates"#' "$F/bad/bad_regex.toml" >"$C/rules/bad_regex_spec.toml"
for name in mini grammar matched; do
  {
    echo "# The [[facts]] and [[forbidden]] of tests/fixtures/$name/spec.toml, as a rules-only file."
    echo
    awk '/^\[/ { keep = ($0 == "[[facts]]" || $0 == "[[forbidden]]") } keep' "$F/$name/spec.toml"
  } >"$C/rules/${name}_rules_only.toml"
done

# corpus: the fixtures' JSONL files, at most 4000 bytes each (whole lines).
for f in "$F"/audit/*.jsonl "$F"/lint/*.jsonl; do
  out="$C/corpus/$(basename "$(dirname "$f")")_$(basename "$f")"
  head -c 4000 "$f" >"$out"
  if [ "$(wc -c <"$f")" -gt 4000 ]; then sed -i '$d' "$out"; fi
done
du -sh "$C"/*
