//! Property: `verify` detects any single-byte change to a corpus. A small corpus is generated
//! once per output layout (dolma + zstd, text with provenance sidecars, dolma uncompressed);
//! each case flips one byte (a random file or manifest field, a random offset in it, a random
//! non-zero xor) in a copy and checks that verification fails with exit 1 naming the changed
//! file or field, or with exit 3 naming `manifest.json` when the change leaves the manifest
//! unparseable. Targets: every shard, provenance file and file under `source/`, and the
//! manifest's digest and size fields (`content_sha256` of the corpus and of each condition,
//! each shard's and provenance file's `sha256`/`bytes`/`records`, each source's
//! `sha256`/`bytes`).
//!
//! The properties call the library's `verify` in-process (what `factpress verify` runs, with
//! the same exit-code mapping) to stay fast; `the_binary_agrees` checks the binary itself on a
//! few flips.

mod common;

use common::*;
use factpress::generate::RunOptions;
use factpress::observe::Silent;
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

/// One place a byte can be flipped.
#[derive(Debug, Clone)]
struct Target {
    /// The file, relative to the corpus folder.
    file: String,
    /// The byte range to flip in (a whole file, or one manifest value).
    start: usize,
    end: usize,
    /// What the report must name: the file, or the entry/field the value belongs to.
    names: String,
    /// A manifest value (its change may also make the manifest unparseable: exit 3).
    field: bool,
}

struct Fixture {
    dir: TempDir,
    targets: Vec<Target>,
}

fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).unwrap();
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The digest and size values of `manifest.json`, located by line (it is pretty-printed, one
/// field a line), each with the entry it belongs to.
fn manifest_fields(text: &str) -> Vec<Target> {
    let mut out = Vec::new();
    let mut path = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        if let Some(v) = body.strip_prefix("\"path\": \"") {
            path = v.trim_end_matches(',').trim_end_matches('"').to_string();
        }
        for key in ["content_sha256", "sha256", "bytes", "records"] {
            let Some(value) = body.strip_prefix(&format!("\"{key}\": ")) else {
                continue;
            };
            let value = value.trim_end_matches(',');
            let mut start = offset + indent + key.len() + 4;
            let mut len = value.len();
            if value.starts_with('"') {
                start += 1;
                len -= 2;
            }
            out.push(Target {
                file: "manifest.json".into(),
                start,
                end: start + len,
                names: if key == "content_sha256" {
                    key.into()
                } else {
                    path.clone()
                },
                field: true,
            });
        }
        offset += line.len();
    }
    out
}

fn fixture(extra: &[&str]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let mut args = vec!["--docs", "10", "--shards", "2"];
    args.extend(extra);
    generate(&out, &args);
    let mut files = Vec::new();
    files_under(&out, &out, &mut files);
    files.sort();
    let mut targets: Vec<Target> = files
        .iter()
        .filter(|f| *f != "manifest.json")
        .map(|f| Target {
            file: f.clone(),
            start: 0,
            end: std::fs::metadata(out.join(f)).unwrap().len() as usize,
            names: f.clone(),
            field: false,
        })
        .collect();
    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let fields = manifest_fields(&text);
    // Every digest and size the manifest holds was found: per file entry a sha256 and a size.
    let m = manifest(&out);
    let entries = m["sources"].as_array().unwrap().len()
        + m["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["shards"].as_array().unwrap().len()
                    + c["provenance"].as_array().map_or(0, |p| p.len())
            })
            .sum::<usize>();
    assert!(
        fields.len() >= 2 * entries + 1 + m["conditions"].as_array().unwrap().len(),
        "{fields:?}"
    );
    for f in &fields {
        assert!(f.end > f.start, "{f:?}");
    }
    assert!(targets.iter().any(|t| t.file.starts_with("data/")));
    assert!(targets.iter().any(|t| t.file.starts_with("source/")));
    targets.extend(fields);
    Fixture { dir, targets }
}

/// Whether a manifest target is the value of a `records` field.
fn is_records(text: &str, t: &Target) -> bool {
    text[..t.start].ends_with("\"records\": ")
}

fn fixtures() -> &'static [Fixture; 3] {
    static F: OnceLock<[Fixture; 3]> = OnceLock::new();
    F.get_or_init(|| {
        let f = [
            fixture(&[]),
            fixture(&["--format", "text"]),
            fixture(&["--compression", "none"]),
        ];
        assert!(
            f[1].targets
                .iter()
                .any(|t| t.file.starts_with("provenance/"))
        );
        f
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// A copy of the fixture's corpus with one byte flipped; returns the copy and the byte's place.
fn flipped(fx: &Fixture, t: &Target, at: usize, xor: u8) -> (TempDir, PathBuf, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    copy_dir(&fx.dir.path().join("c"), &dir);
    let path = dir.join(&t.file);
    let mut bytes = std::fs::read(&path).unwrap();
    let i = t.start + at % (t.end - t.start);
    bytes[i] ^= xor;
    std::fs::write(&path, bytes).unwrap();
    (tmp, dir, i)
}

/// Verifies in-process: the exit code `factpress verify` would give, and its message.
fn verify_in_process(dir: &Path) -> (u8, String) {
    let opts = RunOptions {
        threads: 1,
        observer: &Silent,
        command_line: vec![],
        clean: false,
    };
    match factpress::verify::verify(dir, false, &opts).and_then(|r| r.into_result()) {
        Ok(_) => (0, String::new()),
        Err(e) => {
            let mut msg = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                msg.push_str(&format!("\n  caused by: {c}"));
                cause = c.source();
            }
            (e.exit_code(), msg)
        }
    }
}

/// Whether a verification result is right for a flip of `t`.
fn detected(t: &Target, code: u8, msg: &str) -> bool {
    (code == 1 && msg.contains(&t.names)) || (t.field && code == 3 && msg.contains("manifest.json"))
}

fn check(fx: &Fixture, which: Index, at: usize, xor: u8) -> Result<(), TestCaseError> {
    let t = which.get(&fx.targets);
    let (_tmp, dir, i) = flipped(fx, t, at, xor);
    let (code, msg) = verify_in_process(&dir);
    prop_assert!(
        detected(t, code, &msg),
        "flip of byte {i} (xor {xor:#04x}) in {t:?}: exit {code}: {msg}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn verify_detects_a_flipped_byte_dolma_zstd(which: Index, at: usize, xor in 1u8..=255) {
        check(&fixtures()[0], which, at, xor)?;
    }

    #[test]
    fn verify_detects_a_flipped_byte_text_with_provenance(which: Index, at: usize, xor in 1u8..=255) {
        check(&fixtures()[1], which, at, xor)?;
    }

    #[test]
    fn verify_detects_a_flipped_byte_uncompressed(which: Index, at: usize, xor in 1u8..=255) {
        check(&fixtures()[2], which, at, xor)?;
    }
}

/// Every target at least once (the first, middle and last byte, three xors), whatever the
/// random cases picked.
#[test]
fn verify_detects_a_flip_in_every_target() {
    let mut n = 0;
    for fx in fixtures() {
        for t in &fx.targets {
            let len = t.end - t.start;
            for (at, xor) in [(0, 0x01), (len / 2, 0x80), (len - 1, 0x20)] {
                let (_tmp, dir, i) = flipped(fx, t, at, xor);
                let (code, msg) = verify_in_process(&dir);
                assert!(
                    detected(t, code, &msg),
                    "flip of byte {i} (xor {xor:#04x}) in {t:?}: exit {code}: {msg}"
                );
                n += 1;
            }
        }
    }
    eprintln!("{n} single-byte flips, all detected");
}

/// The binary gives the same exit codes and names: a shard, a source, a manifest digest, and
/// a manifest made unparseable.
#[test]
fn the_binary_agrees() {
    let fx = &fixtures()[1];
    let pick = |pred: &dyn Fn(&Target) -> bool| fx.targets.iter().find(|t| pred(t)).unwrap();
    let cases = [
        (pick(&|t| t.file.starts_with("data/")), 0x40, 1, None),
        (pick(&|t| t.file.starts_with("provenance/")), 0x01, 1, None),
        (pick(&|t| t.file == "source/spec.toml"), 0x01, 1, None),
        (
            pick(&|t| t.field && t.names == "content_sha256"),
            0x01,
            1,
            None,
        ),
        (
            pick(&|t| t.field && t.names.starts_with("data/")),
            0x01,
            1,
            None,
        ),
        // A quote in the middle of a digest string: the manifest no longer parses.
        (
            pick(&|t| t.field && t.names.starts_with("source/")),
            0,
            3,
            Some(b'"'),
        ),
    ];
    for (t, xor, code, set) in cases {
        let (_tmp, dir, i) = flipped(fx, t, 1, xor.max(1));
        if let Some(b) = set {
            let path = dir.join(&t.file);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[i] = b;
            std::fs::write(&path, bytes).unwrap();
        }
        let err = stderr_of(factpress().arg("verify").arg(&dir).assert(), code);
        let name = if code == 3 { "manifest.json" } else { &t.names };
        assert!(err.contains(name), "{t:?}: {err}");
    }
}

/// Bug: `verify` does not check the `records` count of a provenance file against the file
/// (it compares only its sha256 and size; shards' counts are checked), so a manifest whose
/// provenance `records` was changed still verifies (exit 0).
#[test]

fn verify_detects_a_changed_provenance_records_count() {
    let fx = &fixtures()[1];
    let text = std::fs::read_to_string(fx.dir.path().join("c/manifest.json")).unwrap();
    let fields = manifest_fields(&text);
    let t = fields
        .iter()
        .find(|f| f.names.starts_with("provenance/") && is_records(&text, f))
        .expect("a provenance records field");
    let (_tmp, dir, i) = flipped(fx, t, 0, 0x01);
    let (code, msg) = verify_in_process(&dir);
    assert!(
        detected(t, code, &msg),
        "flip of byte {i} in {t:?}: exit {code}: {msg}"
    );
    let err = stderr_of(factpress().arg("verify").arg(&dir).assert(), 1);
    assert!(err.contains(&t.names), "{err}");
}
