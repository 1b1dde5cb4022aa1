//! A JSON report streamed to disk: `{header keys…, "ARRAY": [entries…], trailing keys…}`,
//! written beside its final name and moved into place only when complete, so a report that
//! exists is a whole one (and a failed run leaves no half file). Used by `audit --report`
//! and `lint --json`.

use crate::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct ReportFile {
    tmp: PathBuf,
    path: PathBuf,
    out: Option<BufWriter<std::fs::File>>,
    first: bool,
}

impl ReportFile {
    /// Opens `.NAME.factpress-tmp-PID` beside `path` and writes the header object's keys,
    /// then opens the array `array`.
    pub fn create(path: &Path, header: serde_json::Value, array: &str) -> Result<ReportFile> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report.json".into());
        let tmp = path.with_file_name(format!(".{name}.factpress-tmp-{}", std::process::id()));
        let f = std::fs::File::create(&tmp).map_err(Error::io("cannot create", &tmp))?;
        let mut r = ReportFile {
            tmp,
            path: path.to_path_buf(),
            out: Some(BufWriter::with_capacity(1 << 20, f)),
            first: true,
        };
        let head = header.to_string();
        let head = head.strip_suffix('}').expect("a JSON object");
        let sep = if head.ends_with('{') { "" } else { "," };
        r.write(&format!("{head}{sep}\"{array}\":[\n"))?;
        Ok(r)
    }

    fn write(&mut self, s: &str) -> Result<()> {
        self.out
            .as_mut()
            .expect("open until finished")
            .write_all(s.as_bytes())
            .map_err(Error::io("cannot write", &self.tmp))
    }

    /// One element of the array (a serialised JSON value).
    pub fn entry(&mut self, entry: &str) -> Result<()> {
        if !std::mem::replace(&mut self.first, false) {
            self.write(",\n")?;
        }
        self.write(entry)
    }

    /// Closes the array, adds `trailing` (`"key":value` pairs, comma-separated) and moves
    /// the finished file into place.
    pub fn finish(mut self, trailing: &str) -> Result<()> {
        self.write(&format!("\n],{trailing}}}\n"))?;
        let f = self
            .out
            .take()
            .expect("open until finished")
            .into_inner()
            .map_err(|e| Error::io("cannot write", &self.tmp)(e.into_error()))?;
        f.sync_all().map_err(Error::io("cannot sync", &self.tmp))?;
        std::fs::rename(&self.tmp, &self.path).map_err(Error::io("cannot write", &self.path))
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        // Only reached with the temporary file still in place when the run failed.
        let _ = std::fs::remove_file(&self.tmp);
    }
}
