//! Helpers shared by the fuzz targets: a private working folder under the temporary
//! directory laid out like the test fixtures (so that the relative paths a spec names
//! resolve), a guard that keeps a fuzzed spec from naming files outside that folder, and
//! TOML string quoting. Nothing here writes outside `std::env::temp_dir()`.

use std::fs;
use std::path::{Path, PathBuf};

/// The repository's `tests/fixtures`, found from this crate's folder at build time.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A fresh, empty folder `factpress-fuzz-<target>-<pid>` under the temporary directory
/// (`$TMPDIR`; `scripts/fuzz.sh` points it at a folder it removes afterwards).
pub fn workdir(target: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("factpress-fuzz-{target}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create the fuzz working folder");
    dir
}

/// Copies the folder `from` into `to` (created), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a fixture folder");
    for entry in fs::read_dir(from).expect("read a fixture folder") {
        let entry = entry.expect("read a fixture folder");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("fixture file type").is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), &dest).expect("copy a fixture file");
        }
    }
}

/// Lays out, in `dir`, every folder the fixture specs name, so that the seed specs (the
/// fixture specs with their `templates` paths rewritten to these names) load:
///
/// | folder | copied from |
/// | --- | --- |
/// | `templates/`, `pools/` | `tests/fixtures/mini/` |
/// | `grammar/` | `tests/fixtures/grammar/grammar/` |
/// | `grammar-templates/` | `tests/fixtures/grammar/templates/` |
/// | `matched-templates/` | `tests/fixtures/matched/templates/` |
/// | `lint-templates/` | `tests/fixtures/lint/spec/templates/` |
/// | `syntax_templates/`, `undefined_templates/` | `tests/fixtures/bad/` |
pub fn lay_out_fixtures(dir: &Path) {
    let fx = fixtures();
    let copies = [
        ("mini/templates", "templates"),
        ("mini/pools", "pools"),
        ("grammar/grammar", "grammar"),
        ("grammar/templates", "grammar-templates"),
        ("matched/templates", "matched-templates"),
        ("lint/spec/templates", "lint-templates"),
        ("bad/syntax_templates", "syntax_templates"),
        ("bad/undefined_templates", "undefined_templates"),
    ];
    for (from, to) in copies {
        copy_dir(&fx.join(from), &dir.join(to));
    }
}

/// Whether a path written in a spec could leave the spec's folder: absolute, or with a `..`
/// component.
fn escapes(path: &str) -> bool {
    path.starts_with('/')
        || path.starts_with('\\')
        || Path::new(path).is_absolute()
        || path.split(['/', '\\']).any(|c| c == "..")
}

/// Whether a (fuzzed) spec names a file or folder outside its own folder in any place that
/// names one: `templates`, `file` or `grammar_files`, at any depth. Such inputs are skipped,
/// so a target never reads the rest of the machine (`/dev/zero` as a pool file, `/` as the
/// templates folder): that would test the machine, not factpress. A text that is not TOML is
/// never skipped (it names nothing: the spec's parser rejects it before reading any file).
pub fn names_outside(text: &str) -> bool {
    fn walk(v: &toml::Value, key: Option<&str>) -> bool {
        match v {
            toml::Value::String(s) => {
                matches!(key, Some("templates" | "file" | "grammar_files")) && escapes(s)
            }
            toml::Value::Array(a) => a.iter().any(|x| walk(x, key)),
            toml::Value::Table(t) => t.iter().any(|(k, x)| walk(x, Some(k))),
            _ => false,
        }
    }
    match text.parse::<toml::Table>() {
        Ok(t) => t.iter().any(|(k, v)| walk(v, Some(k))),
        Err(_) => false,
    }
}

/// `s` as a TOML basic string (quoted, with escapes).
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_paths_are_found() {
        assert!(names_outside("[corpus]\ntemplates = '/etc'\n"));
        assert!(names_outside("[corpus]\ntemplates = 'a/../../x'\n"));
        assert!(names_outside("[pools]\nx = { file = \"/dev/zero\" }\n"));
        assert!(names_outside(
            "[corpus]\ngrammar_files = ['ok.toml', '../x.toml']\n"
        ));
        assert!(names_outside("[grammar.r]\nfile = '..'\n"));
        assert!(!names_outside("[corpus]\ntemplates = 'templates'\n"));
        assert!(!names_outside(
            "[[facts]]\ndetect = { all = ['a..b', '/x'] }\n"
        ));
        assert!(!names_outside("not toml ["));
    }

    #[test]
    fn toml_strings_round_trip() {
        for s in [
            "",
            "a\"b\\c",
            "line\nnext\ttab\r",
            "\u{0}\u{1f}\u{7f}é{{ x }}",
        ] {
            let t: toml::Table = format!("k = {}", toml_string(s)).parse().unwrap();
            assert_eq!(t["k"].as_str(), Some(s));
        }
    }
}
