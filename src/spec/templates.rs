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
    let mut out = Vec::new();
    for (name, path) in files {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes.clone()) {
                Ok(text) => {
                    sources.push(SourceFile {
                        path: path.clone(),
                        bytes,
                    });
                    out.push(TemplateSource { name, path, text });
                }
                Err(e) => cx.diags.error_unplaced(
                    format!("template {} is not UTF-8 text ({e})", path.display()),
                    vec![],
                ),
            },
            Err(e) => cx.diags.error_unplaced(
                format!("cannot read template {}: {e}", path.display()),
                vec![],
            ),
        }
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
