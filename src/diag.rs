//! Diagnostics for bad input: every problem found in a spec, a pool file or a template is
//! collected here with its file and byte range, and rendered at once as `file:line:col` with a
//! caret excerpt. This module only formats; it never decides what is an error.

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use std::ops::Range;

/// A set of source files and the problems found in them.
#[derive(Default)]
pub struct Diagnostics {
    files: SimpleFiles<String, String>,
    items: Vec<Diagnostic<usize>>,
    /// (file, start, end, message) of every placed problem, to report each once.
    seen: Vec<(usize, usize, usize, String)>,
}

/// A handle to a file registered with [`Diagnostics::add_file`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId(usize);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file's display name and text so that errors can point into it.
    pub fn add_file(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        FileId(self.files.add(name.into(), text.into()))
    }

    /// Records an error at `range` of `file`: `message` says what was expected and what was
    /// found; `label` is printed under the caret.
    pub fn error(
        &mut self,
        file: FileId,
        range: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) {
        self.push(file, range, message, label, Vec::new());
    }

    /// Like [`error`](Self::error), with extra notes (hints, known alternatives).
    pub fn error_with_notes(
        &mut self,
        file: FileId,
        range: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        notes: Vec<String>,
    ) {
        self.push(file, range, message, label, notes);
    }

    fn push(
        &mut self,
        file: FileId,
        range: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        notes: Vec<String>,
    ) {
        let len = self
            .files
            .get(file.0)
            .map(|f| f.source().len())
            .unwrap_or(0);
        let start = range.start.min(len);
        let end = range.end.clamp(start, len);
        let message = message.into();
        // The same problem found twice (by several trial renders, say) is reported once.
        if self.seen.contains(&(file.0, start, end, message.clone())) {
            return;
        }
        self.seen.push((file.0, start, end, message.clone()));
        self.items.push(
            Diagnostic::error()
                .with_message(message)
                .with_labels(vec![
                    Label::primary(file.0, start..end).with_message(label.into()),
                ])
                .with_notes(notes),
        );
    }

    /// Records an error that has no place in a file (a missing file, say).
    pub fn error_unplaced(&mut self, message: impl Into<String>, notes: Vec<String>) {
        self.items.push(
            Diagnostic::error()
                .with_message(message.into())
                .with_notes(notes),
        );
    }

    /// Keeps the problems recorded after the first `from` only when `keep` accepts their
    /// message (earlier ones are always kept).
    pub fn retain_after(&mut self, from: usize, keep: impl Fn(&str) -> bool) {
        let mut i = 0;
        self.items.retain(|d| {
            i += 1;
            i <= from || keep(&d.message)
        });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Renders every diagnostic, in the order found, as plain text.
    pub fn render(&self) -> String {
        let config = Config::default();
        let mut out = String::new();
        for d in &self.items {
            match term::emit_into_string(&config, &self.files, d) {
                Ok(s) => out.push_str(&s),
                Err(e) => out.push_str(&format!(
                    "error: {} (could not show its location: {e})\n",
                    d.message
                )),
            }
        }
        out
    }

    /// Turns the collected problems into an error, or `Ok(())` when there are none.
    pub fn into_result(self) -> Result<(), crate::Error> {
        if self.items.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Invalid {
                count: self.items.len(),
                rendered: self.render(),
            })
        }
    }
}
