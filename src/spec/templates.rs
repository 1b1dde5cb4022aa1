//! The templates folder: every file in it is read (dot-files skipped), so that includes
//! resolve and the `source/` copy is complete. Problems are recorded with their place.

use super::validate::Ctx;
use super::*;
use toml::Spanned;

pub(super) fn read_templates(
    cx: &mut Ctx,
    dir: &Path,
    span: &Spanned<String>,
    sources: &mut Vec<SourceFile>,
) -> Vec<TemplateSource> {
    let mut files = Vec::new();
    if let Err(e) = walk(dir, dir, &mut files) {
        cx.err(
            span.span(),
            format!("cannot read templates folder {}: {e}", dir.display()),
            "expected a folder of template files",
        );
        return Vec::new();
    }
    files.sort();
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut out = Vec::new();
    // Names of files that exist but could not be used: not reported again as "not found".
    let mut names_seen: Vec<String> = Vec::new();
    for (name, path) in files {
        // A symlink is read as the file it points to, kept under its own name (so `source/`
        // can rebuild the corpus); one that leads out of the templates folder is refused, so
        // that a template folder from someone else cannot pull other files into a corpus.
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && meta.file_type().is_symlink()
        {
            match std::fs::canonicalize(&path) {
                Ok(target) if target.starts_with(&root) && target.is_file() => {}
                Ok(target) => {
                    cx.diags.error_with_notes(
                        cx.file,
                        span.span(),
                        format!(
                            "template {} is a symbolic link to {}, outside the templates folder {}",
                            path.display(),
                            target.display(),
                            dir.display()
                        ),
                        "in this templates folder",
                        vec![
                            "copy the file into the templates folder, or link to a file inside it"
                                .into(),
                        ],
                    );
                    names_seen.push(name);
                    continue;
                }
                Err(e) => {
                    cx.err(
                        span.span(),
                        format!(
                            "template {} is a broken symbolic link ({e})",
                            path.display()
                        ),
                        "in this templates folder",
                    );
                    names_seen.push(name);
                    continue;
                }
            }
        }
        match super::read_limited(&path) {
            Ok(bytes) => match String::from_utf8(bytes.clone()) {
                Ok(text) => {
                    // A byte-order mark is not text: never let it into a document.
                    let text = strip_bom(text);
                    sources.push(SourceFile {
                        path: path.clone(),
                        bytes,
                    });
                    out.push(TemplateSource { name, path, text });
                }
                Err(e) => {
                    let (line, col) = line_col_of(e.as_bytes(), e.utf8_error().valid_up_to());
                    cx.diags.error_unplaced(
                        format!(
                            "template {}:{line}:{col} is not UTF-8 text (invalid byte {:#04x}); save it as UTF-8",
                            path.display(),
                            e.as_bytes()[e.utf8_error().valid_up_to()]
                        ),
                        vec![],
                    );
                    names_seen.push(name);
                }
            },
            Err(e) => {
                cx.diags.error_unplaced(
                    format!("cannot read template {}: {e}", path.display()),
                    vec![],
                );
                names_seen.push(name);
            }
        }
    }
    // Unreadable templates still exist: doc types naming them must not add "not found".
    for name in names_seen {
        out.push(TemplateSource {
            name,
            path: PathBuf::new(),
            text: String::new(),
        });
    }
    if out.is_empty() && cx.diags.is_empty() {
        cx.err(
            span.span(),
            format!("templates folder {} holds no files", dir.display()),
            "expected template files here",
        );
    }
    out
}

/// The text without a leading UTF-8 byte-order mark.
pub(super) fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// 1-based line and column (in characters) of byte `offset` of possibly invalid UTF-8.
pub(super) fn line_col_of(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, col)
}

/// Lists the files under `dir` (skipping dot-files), named relative to `root` with '/'.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}
