//! The library's error type. Bad input (exit 2) is kept apart from a failed check (exit 1) and
//! from trouble with the machine (I/O, exit 3), so the binary can map each to its exit code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec, a pool file or a template is wrong; `rendered` lists every problem found.
    #[error("{rendered}{count} problem(s) found")]
    Invalid { count: usize, rendered: String },

    /// A command-line value is wrong (unknown condition, bad --var, --out not empty, ...).
    #[error("{0}")]
    Usage(String),

    /// A check the user asked for did not pass (verify found a mismatch).
    #[error("{0}")]
    CheckFailed(String),

    /// A template failed while rendering a document. `location` names the template (or fact
    /// variant) and line; the engine's own error is the source.
    #[error("rendering document {index} of condition `{condition}` failed:\n{location}")]
    Render {
        condition: String,
        index: u64,
        location: String,
        #[source]
        source: minijinja::Error,
    },

    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A corpus file stopped being readable part-way (a corrupt zstd frame, a truncated gzip
    /// stream, a failing disk): `line` lines were read before.
    #[error("cannot read {}{}", path.display(), after_line(*line))]
    Read {
        path: PathBuf,
        line: u64,
        #[source]
        source: std::io::Error,
    },

    /// Stopped by Ctrl-C or SIGTERM; whatever was half-written has been removed.
    #[error("{0}")]
    Interrupted(String),

    /// A manifest or record that cannot be read back.
    #[error("{path}: {message}")]
    Corrupt { path: PathBuf, message: String },
}

impl Error {
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }

    /// The process exit code documented in the README.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid { .. } | Error::Usage(_) | Error::Render { .. } => 2,
            Error::CheckFailed(_) => 1,
            Error::Io { .. } | Error::Read { .. } | Error::Corrupt { .. } => 3,
            Error::Interrupted(_) => 130,
        }
    }
}

/// " after line N" for a read error part-way through a file; nothing at its start.
fn after_line(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" after line {line}")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
