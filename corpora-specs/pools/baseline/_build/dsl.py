"""Tiny authoring shorthand for the solar-car templates (run: python3 _build/dsl.py).

In text outside Jinja blocks:
  «a|b|c» (or «a|b|c})  one alternative, picked uniformly      -> {{ ["a", "b", "c"][int(0, 2)] }}
  {pool}          a value of a slot pool                -> pick('pool')
  {$var} {=name}  a spec variable / a template variable
  {n:3-9}         an integer in [3, 9]
  {@M}            a month name before the anchor date
  {person}        a full name from the first/last-name pools
Banks (*.bank): paragraphs separated by blank lines become an if/elif chain on a key
variable, and a matching id pool file is written.
"""
import json, re, pathlib, sys
HERE = pathlib.Path(__file__).resolve().parent
SRC = HERE / "templates"
OUT = HERE.parents[3] / "templates" / "solar-car"
POOLS = HERE.parent
SLOT = re.compile(r"\{(n:\d+-\d+|[$=@]?[A-Za-z_]\w*)\}")
JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.S)

def slot(tok):
    if tok[0] in "$=":
        return tok[1:]
    if tok.startswith("n:"):
        a, b = tok[2:].split("-")
        return f"int({a}, {b})"
    if tok == "@M":
        return 'date(-330, -100, "%B")'
    if tok == "person":
        return "(pick('first_name') ~ \" \" ~ pick('last_name'))"
    return f"pick('{tok}')"

def alt_expr(s):
    parts, pos = [], 0
    for m in SLOT.finditer(s):
        if m.start() > pos:
            parts.append(json.dumps(s[pos:m.start()], ensure_ascii=False))
        parts.append(slot(m.group(1)))
        pos = m.end()
    if pos < len(s):
        parts.append(json.dumps(s[pos:], ensure_ascii=False))
    return " ~ ".join(parts) if parts else '""'

def find_close(s, i, where):
    k = i + 1
    while k < len(s):
        c = s[k]
        if c == "{":
            e = s.find("}", k)
            if e < 0:
                sys.exit(f"{where}: unclosed slot near {s[k:k+40]!r}")
            k = e + 1
            continue
        if c in "}»":
            return k
        if c == "«" or c == "\n":
            break
        k += 1
    sys.exit(f"{where}: unbalanced « near {s[i:i+60]!r}")

def text(s, where):
    out, pos = [], 0
    while True:
        i = s.find("«", pos)
        if i < 0:
            break
        j = find_close(s, i, where)
        out.append(SLOT.sub(lambda m: "{{ " + slot(m.group(1)) + " }}", s[pos:i]))
        alts = s[i + 1:j].split("|")
        pos = j + 1
        if "" in alts and s[pos:pos + 1] == " ":
            # an empty alternative swallows the following space, so no double spaces appear
            alts = [a + " " if a else "" for a in alts]
            pos += 1
        out.append("{{ [" + ", ".join(alt_expr(a) for a in alts) + f"][int(0, {len(alts) - 1})] }}}}")
    rest = SLOT.sub(lambda m: "{{ " + slot(m.group(1)) + " }}", s[pos:])
    out.append(rest)
    res = "".join(out)
    # leftover braces outside Jinja are authoring mistakes
    chk = re.sub(r"\{\{.*?\}\}", "", res)
    if re.search(r"[{}«»]", chk):
        m = re.search(r"[{}«»]", chk)
        sys.exit(f"{where}: stray brace near {chk[max(0,m.start()-50):m.start()+20]!r}")
    return res

def convert(s, where):
    pieces = JINJA.split(s)
    return "".join(p if k % 2 else text(p, where) for k, p in enumerate(pieces))

def bank(path):
    raw = path.read_text()
    head, _, body = raw.partition("\n---\n")
    paras = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip() and not p.strip().startswith("//")]
    key = path.stem + "_key"
    lines = [head.rstrip()]
    for n, p in enumerate(paras, 1):
        kw = "if" if n == 1 else "elif"
        lines.append(f'{{%- {kw} {key} == "{n}" -%}}')
        lines.append(convert(p, f"{path.name} #{n}"))
    lines.append("{%- endif -%}")
    (POOLS / f"{path.stem}_ids.txt").write_text(
        f"# ids of the {len(paras)} paragraphs of templates/solar-car/partials/{path.stem}.j2 (generated)\n"
        + "\n".join(str(i) for i in range(1, len(paras) + 1)) + "\n")
    return "\n".join(lines) + "\n", len(paras)

for p in sorted(SRC.rglob("*")):
    if p.is_dir():
        continue
    rel = p.relative_to(SRC)
    if p.suffix == ".bank":
        out, n = bank(p)
        dest = OUT / rel.with_suffix(".j2")
        print(f"{rel}: {n} paragraphs")
    else:
        out = convert(p.read_text(), str(rel))
        dest = OUT / rel.with_suffix(".j2")
    words = 0
    for seg in re.split(r"\{\{.*?\}\}|\{%.*?%\}", out, flags=re.S):
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(out)
