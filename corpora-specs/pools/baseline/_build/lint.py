# Reports fixed word runs (between choice points) of 7+ words in the shorthand sources.
import re, pathlib, sys
SLOT = re.compile(r"\{(n:\d+-\d+|[$=@]?[A-Za-z_]\w*)\}")
JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.S)
lim = int(sys.argv[1]) if len(sys.argv) > 1 else 7
for p in sorted((pathlib.Path(__file__).parent / "templates").rglob("*.*")):
    s = p.read_text()
    if p.suffix == ".bank":
        s = s.split("\n---\n", 1)[1]
    s = JINJA.sub(" | ", s)
    s = SLOT.sub(" | ", s)
    # split into segments at alternation boundaries
    for seg in re.split(r"[«»}|\n]", s):
        w = re.findall(r"[A-Za-z0-9']+", seg)
        if len(w) >= lim:
            print(f"{p.name}: {len(w)}: {seg.strip()[:100]}")
