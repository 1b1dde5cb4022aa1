//! Numbers in a spec, whatever they are, never make the binary panic: weights and counts near
//! the i64/u64 limits are either accepted and sampled exactly, or refused at load time with a
//! located diagnostic (exit 2). Runs the real binary: `check`, then `generate --docs 3`.

mod common;
use common::*;
use proptest::prelude::*;
use std::path::Path;
use tempfile::tempdir;

/// The limit on a sum of weights (see `factpress::rng::MAX_WEIGHT_SUM`).
const LIMIT: i64 = 1 << 53;

fn lit(v: i64) -> String {
    v.to_string()
}

/// A weight, as a pool or a doc type may give it (`min` is the smallest valid one).
fn small_weight(min: i64) -> impl Strategy<Value = String> {
    (min..4).prop_map(lit)
}

/// A huge weight: near 2^53 / 2 (two fit under the limit, three do not), near 2^53, or near
/// i64::MAX (three of those overflow u64).
fn huge_weight(min: i64) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0i64..3).prop_map(|d| lit(i64::MAX - d)),
        1 => (-1i64..2).prop_map(|d| lit(LIMIT / 2 + d)),
        1 => (-1i64..2).prop_map(|d| lit(LIMIT + d)),
        1 => small_weight(min),
    ]
}

/// `n` weights: all small (a spec that is fine) or mostly huge (sums past 2^53, often past
/// u64::MAX).
fn weights(n: usize, min: i64) -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        2 => proptest::collection::vec(small_weight(min), n),
        1 => proptest::collection::vec(huge_weight(min), n),
    ]
}

/// An ordered pair `lo <= hi`, small or at the edges of i64.
fn ordered_pair() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        5 => (-90i64..0, 0i64..10).prop_map(|(a, b)| (lit(a), lit(b))),
        2 => Just((lit(i64::MIN), lit(i64::MAX))),
        1 => Just((lit(i64::MIN), lit(i64::MIN + 1))),
        1 => Just((lit(i64::MAX - 1), lit(i64::MAX))),
        1 => any::<i64>().prop_map(|a| (lit(a), lit(a))),
    ]
}

/// One value that is never valid where it is put: TOML cannot hold it, or it breaks a rule
/// (a negative count, a range with max < min, a u32 bound that does not fit).
fn poison() -> impl Strategy<Value = (usize, String)> {
    (
        0usize..FIELDS,
        prop_oneof![
            Just(u64::MAX.to_string()),
            Just("9223372036854775808".to_string()),
            Just("-9223372036854775809".to_string()),
            Just(lit(i64::MIN)),
            Just(lit(-1)),
            Just(lit(1i64 << 32)),
        ],
    )
}

const FIELDS: usize = 14;

#[derive(Debug, Clone)]
struct Numbers {
    docs: String,
    seed: String,
    facts_min: String,
    facts_max: String,
    dates_min: String,
    dates_max: String,
    pool_weights: Vec<String>,
    doc_weights: Vec<String>,
    int_lo: String,
    int_hi: String,
    pick_n: String,
}

impl Numbers {
    fn field(&mut self, i: usize) -> &mut String {
        match i {
            0 => &mut self.docs,
            1 => &mut self.seed,
            2 => &mut self.facts_min,
            3 => &mut self.facts_max,
            4 => &mut self.dates_min,
            5 => &mut self.dates_max,
            6..=8 => &mut self.pool_weights[i - 6],
            9..=11 => &mut self.doc_weights[i - 9],
            12 => &mut self.int_lo,
            _ => &mut self.pick_n,
        }
    }
}

fn numbers() -> impl Strategy<Value = Numbers> {
    let facts = prop_oneof![
        10 => (0i64..3, 0i64..2).prop_map(|(min, extra)| (lit(min), lit(min + extra))),
        1 => (0i64..3).prop_map(|min| (lit(min), lit(u32::MAX.into()))),
        1 => (0i64..3).prop_map(|min| (lit(min), lit(i64::MAX))),
    ];
    (
        prop_oneof![4 => (1i64..5).prop_map(lit), 1 => Just(lit(i64::MAX))],
        prop_oneof![4 => (0i64..1000).prop_map(lit), 1 => Just(lit(i64::MAX))],
        facts,
        ordered_pair(),
        weights(3, 0),
        weights(3, 1),
        ordered_pair(),
        0i64..4,
        proptest::option::weighted(0.2, poison()),
    )
        .prop_map(
            |(docs, seed, (fmin, fmax), (dmin, dmax), pw, dw, (lo, hi), k, bad)| {
                let mut n = Numbers {
                    docs,
                    seed,
                    facts_min: fmin,
                    facts_max: fmax,
                    dates_min: dmin,
                    dates_max: dmax,
                    pool_weights: pw,
                    doc_weights: dw,
                    int_lo: lo,
                    int_hi: hi,
                    pick_n: lit(k),
                };
                if let Some((i, v)) = bad {
                    *n.field(i) = v;
                }
                n
            },
        )
}

/// Writes a spec (one pool, two facts, three doc types, one condition) with the numbers `n` into
/// `dir`; returns its path.
fn write_spec(dir: &Path, n: &Numbers) -> std::path::PathBuf {
    let spec = format!(
        r#"[corpus]
name = "limits"
templates = "t"
docs = {docs}
seed = {seed}
anchor_date = "2024-11-20"
facts_per_doc = {{ min = {fmin}, max = {fmax} }}
doc_dates = {{ min = {dmin}, max = {dmax} }}

[pools]
tone = {{ values = ["calm", "loud", "odd"], weights = [{w}] }}

[[facts]]
id = "f1"
variants = ["One is {{{{ pick('tone') }}}}."]

[[facts]]
id = "f2"
variants = ["Two is {{{{ int({lo}, {hi}) }}}}."]

[[doc_types]]
id = "d1"
template = "a.j2"
weight = {dw0}

[[doc_types]]
id = "d2"
template = "b.j2"
weight = {dw1}

[[doc_types]]
id = "d3"
template = "a.j2"
weight = {dw2}

[[conditions]]
id = "c"
facts = ["f1", "f2"]
"#,
        docs = n.docs,
        seed = n.seed,
        fmin = n.facts_min,
        fmax = n.facts_max,
        dmin = n.dates_min,
        dmax = n.dates_max,
        w = n.pool_weights.join(", "),
        lo = n.int_lo,
        hi = n.int_hi,
        dw0 = n.doc_weights[0],
        dw1 = n.doc_weights[1],
        dw2 = n.doc_weights[2],
    );
    std::fs::create_dir_all(dir.join("t")).unwrap();
    std::fs::write(
        dir.join("t/a.j2"),
        "{{ pick('tone') }} on {{ doc.date }}: {% for f in facts %}{{ f.text }} {% endfor %}",
    )
    .unwrap();
    std::fs::write(
        dir.join("t/b.j2"),
        format!(
            "{{{{ int({lo}, {hi}) }}}} {{{{ date({lo}, {hi}) }}}} {{{{ pick_n('tone', {k}) | join(', ') }}}}\n{{% for f in facts %}}{{{{ f.text }}}}\n{{% endfor %}}",
            lo = n.int_lo,
            hi = n.int_hi,
            k = n.pick_n
        ),
    )
    .unwrap();
    let path = dir.join("spec.toml");
    std::fs::write(&path, spec).unwrap();
    path
}

/// Runs the binary; returns (exit code, stderr). A panic is exit 101 and fails here.
fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = factpress().args(args).output().expect("binary runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().expect("exited, not killed by a signal");
    assert!(
        !err.contains("panicked"),
        "panic (exit {code}) for {args:?}:\n{err}"
    );
    (code, err)
}

/// `path:LINE:COL` somewhere in `err`.
fn has_location(err: &str) -> bool {
    err.split_whitespace().any(|w| {
        let mut parts = w.rsplitn(3, ':');
        let col = parts.next().is_some_and(|c| c.parse::<u32>().is_ok());
        let line = parts.next().is_some_and(|l| l.parse::<u32>().is_ok());
        let file = parts.next().is_some_and(|f| !f.is_empty());
        col && line && file
    })
}

fn no_temporary_folder(parent: &Path) -> Result<(), TestCaseError> {
    let left: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(".factpress-tmp-"))
        .collect();
    prop_assert!(left.is_empty(), "temporary folders left: {:?}", left);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn numbers_in_a_spec_never_panic_the_binary(n in numbers()) {
        let tmp = tempdir().unwrap();
        let spec = write_spec(tmp.path(), &n);
        let (code, err) = run(&["check".as_ref(), spec.as_os_str()]);
        prop_assert!(code == 0 || code == 2, "check exited {}:\n{}", code, err);
        if code == 2 {
            prop_assert!(
                has_location(&err) || err.contains("error"),
                "exit 2 without a location or an error line:\n{}", err
            );
            return Ok(());
        }
        let out = tmp.path().join("out");
        let (code, err) = run(&[
            "generate".as_ref(),
            spec.as_os_str(),
            "--docs".as_ref(),
            "3".as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        prop_assert!(code == 0 || code == 2, "generate exited {}:\n{}", code, err);
        if code == 0 {
            prop_assert!(out.join("manifest.json").is_file());
        } else {
            prop_assert!(has_location(&err) || err.contains("error"), "{}", err);
            prop_assert!(!out.exists(), "a failed generate left {}", out.display());
        }
        no_temporary_folder(tmp.path())?;
    }
}

/// Sums exactly at the limit are accepted and sampled; one more is refused with a location.
#[test]
fn weights_summing_to_exactly_the_limit_are_accepted() {
    let tmp = tempdir().unwrap();
    let n = Numbers {
        docs: "3".into(),
        seed: "9223372036854775807".into(),
        facts_min: "0".into(),
        facts_max: "4294967295".into(),
        dates_min: i64::MIN.to_string(),
        dates_max: i64::MAX.to_string(),
        pool_weights: vec![(LIMIT - 2).to_string(), "1".into(), "1".into()],
        doc_weights: vec![(LIMIT - 2).to_string(), "1".into(), "1".into()],
        int_lo: i64::MIN.to_string(),
        int_hi: i64::MAX.to_string(),
        pick_n: "3".into(),
    };
    let spec = write_spec(tmp.path(), &n);
    factpress().arg("check").arg(&spec).assert().success();
    let out = tmp.path().join("out");
    factpress()
        .arg("generate")
        .arg(&spec)
        .args(["--docs", "20", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let m = manifest(&out);
    // d2 and d3 have weight 1 in 2^53 each: with this seed, 20 documents are all d1.
    assert_eq!(m["conditions"][0]["doc_types"]["d1"], 20, "{m}");
    // One above the limit, in either list, is refused with a location.
    let small = || vec!["1".to_string(), "1".into(), "1".into()];
    let over = || vec![(LIMIT - 1).to_string(), "1".into(), "1".into()];
    for (pool, docs) in [(over(), small()), (small(), over())] {
        let bad = Numbers {
            pool_weights: pool,
            doc_weights: docs,
            ..n.clone()
        };
        let dir = tmp.path().join(format!("bad-{}", bad.doc_weights[0].len()));
        let spec = write_spec(&dir, &bad);
        let err = stderr_of(factpress().arg("check").arg(&spec).assert(), 2);
        assert!(err.contains("expected at most 9007199254740992"), "{err}");
        assert!(err.contains("spec.toml:"), "{err}");
    }
}

/// `facts_per_doc.max` above the facts of a condition means all of them: the largest
/// accepted bound gives the same documents as the exact count (no truncation to u32).
#[test]
fn the_largest_facts_per_doc_bound_is_all_facts_not_a_truncation() {
    let tmp = tempdir().unwrap();
    let spec = std::fs::read_to_string(MINI).unwrap();
    let wide = spec.replace(
        "facts_per_doc = { min = 1, max = 2 }",
        "facts_per_doc = { min = 1, max = 4294967295 }",
    );
    assert_ne!(spec, wide);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let copy = tmp.path().join("mini");
    copy_dir(&fixture, &copy);
    std::fs::write(copy.join("wide.toml"), wide).unwrap();
    let run = |spec: &Path, out: &Path| {
        factpress()
            .arg("generate")
            .arg(spec)
            .args(["--docs", "40", "--quiet", "--out"])
            .arg(out)
            .assert()
            .success();
        manifest(out)["content_sha256"].clone()
    };
    let exact = run(&copy.join("spec.toml"), &tmp.path().join("a"));
    let widest = run(&copy.join("wide.toml"), &tmp.path().join("b"));
    assert_eq!(exact, widest);
    // 2^32 no longer wraps around to 0 facts: it is refused.
    let over = spec.replace(
        "facts_per_doc = { min = 1, max = 2 }",
        "facts_per_doc = { min = 1, max = 4294967296 }",
    );
    std::fs::write(copy.join("over.toml"), over).unwrap();
    let err = stderr_of(
        factpress()
            .arg("check")
            .arg(copy.join("over.toml"))
            .assert(),
        2,
    );
    assert!(err.contains("over.toml:9:17"), "{err}");
    assert!(err.contains("max <= 4294967295"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}
