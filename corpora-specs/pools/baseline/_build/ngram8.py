# Document frequency of word 8-grams outside fact paragraphs.
# A paragraph (blank-line separated block) is treated as a fact text when it matches the
# detect rule (all + any) of any fact of the spec; such paragraphs are removed before counting.
import json, re, sys, io, collections, glob, tomllib, zstandard
spec = tomllib.load(open(sys.argv[1], 'rb'))
rules = []
for f in spec['facts']:
    d = f['detect']
    rules.append(([re.compile(x) for x in d.get('all', [])], [re.compile(x) for x in d.get('any', [])]))
def is_fact(p):
    for al, an in rules:
        if all(r.search(p) for r in al) and (not an or any(r.search(p) for r in an)):
            return True
    return False
df = collections.Counter(); n = 0; removed = 0
for path in sorted(glob.glob(sys.argv[2] + '/data/*.jsonl.zst')):
    with open(path, 'rb') as fh:
        for line in io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(fh), encoding='utf-8'):
            t = json.loads(line)['text']; n += 1
            keep = []
            for p in re.split(r'\n\s*\n', t):
                if is_fact(p): removed += 1
                else: keep.append(p)
            grams = set()
            for p in keep:
                w = re.findall(r'[a-z0-9]+', p.lower())
                grams.update(' '.join(w[i:i+8]) for i in range(len(w) - 7))
            df.update(grams)
print(f"{n} documents, {removed} fact paragraphs removed")
for g, c in df.most_common(int(sys.argv[3]) if len(sys.argv) > 3 else 10):
    print(f"{c/n:.4f} {c} {g}")
