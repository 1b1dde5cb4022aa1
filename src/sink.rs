//! Where records go: ordered shard files, compressed or not, hashed as they are written, in a
//! temporary folder that is moved into place only when complete. The sink never renders and
//! never reorders: it writes chunks in the order it is given them.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// zstd level used for every shard; recorded in the manifest.
pub const ZSTD_LEVEL: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compression {
    /// One zstd frame per shard (level 3, single-threaded, with checksum): `.jsonl.zst`.
    Zstd,
    /// Plain JSONL: `.jsonl`.
    None,
}

impl Compression {
    pub const ALL: [Compression; 2] = [Compression::Zstd, Compression::None];

    /// The name used on the command line and in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Zstd => "zstd",
            Compression::None => "none",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Compression::Zstd => "jsonl.zst",
            Compression::None => "jsonl",
        }
    }
}

/// A writer (or reader) that hashes and counts what passes through it.
pub struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    pub fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: io::Read> io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A file being written, or nothing (when only the hashes are wanted, as in verify).
enum Target {
    File(BufWriter<File>),
    Discard,
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::File(f) => f.write(buf),
            Target::Discard => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::File(f) => f.flush(),
            Target::Discard => Ok(()),
        }
    }
}

enum Stage {
    Zstd(zstd::Encoder<'static, Hashing<Target>>),
    Plain(Hashing<Target>),
}

/// One output file being written.
pub struct ShardWriter {
    stage: Stage,
    path: PathBuf,
    records: u64,
}

/// What was written to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub records: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl ShardWriter {
    /// Opens `root/rel` for writing, or a hashing-only sink when `root` is `None`.
    pub fn create(root: Option<&Path>, rel: &str, compression: Compression) -> Result<ShardWriter> {
        let (target, path) = match root {
            Some(root) => {
                let path = root.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(Error::io("cannot create folder", parent))?;
                }
                let f = File::create(&path).map_err(Error::io("cannot create", &path))?;
                (Target::File(BufWriter::with_capacity(1 << 20, f)), path)
            }
            None => (Target::Discard, PathBuf::from(rel)),
        };
        let hashing = Hashing::new(target);
        let stage = match compression {
            Compression::Zstd => {
                let mut enc = zstd::Encoder::new(hashing, ZSTD_LEVEL)
                    .map_err(Error::io("cannot start zstd for", &path))?;
                enc.include_checksum(true)
                    .map_err(Error::io("cannot configure zstd for", &path))?;
                Stage::Zstd(enc)
            }
            Compression::None => Stage::Plain(hashing),
        };
        Ok(ShardWriter {
            stage,
            path,
            records: 0,
        })
    }

    /// Writes a batch of whole records (`records` lines). Batches are written with one call
    /// each, so the compressed bytes depend only on the batch boundaries, which the caller fixes.
    pub fn write_batch(&mut self, bytes: &[u8], records: u64) -> Result<()> {
        let r = match &mut self.stage {
            Stage::Zstd(e) => e.write_all(bytes),
            Stage::Plain(h) => h.write_all(bytes),
        };
        r.map_err(Error::io("cannot write", &self.path))?;
        self.records += records;
        Ok(())
    }

    /// Finishes the file (zstd epilogue, flush, fsync) and returns its size and digest.
    pub fn finish(self) -> Result<Written> {
        let path = self.path;
        let hashing = match self.stage {
            Stage::Zstd(e) => e.finish().map_err(Error::io("cannot finish", &path))?,
            Stage::Plain(h) => h,
        };
        let (target, sha256, bytes) = hashing.finish();
        if let Target::File(bw) = target {
            let f = bw.into_inner().map_err(|e| Error::Io {
                action: "cannot write",
                path: path.clone(),
                source: e.into_error(),
            })?;
            f.sync_all().map_err(Error::io("cannot sync", &path))?;
        }
        Ok(Written {
            records: self.records,
            bytes,
            sha256,
        })
    }
}

/// The temporary folder a corpus is written into before being moved to its final name. It
/// sits beside the destination so that the final rename stays on one file system, and it is
/// removed when dropped unless [`TempDir::publish`] moved it into place: an error, a panic
/// (unwinding) or a cancelled run leaves nothing behind.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    published: bool,
}

/// The folder `out` is in, and the prefix of its temporary folders' names.
fn temp_prefix(out: &Path) -> (PathBuf, String) {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "corpus".into());
    (parent, format!(".{name}.factpress-tmp-"))
}

/// A temporary folder of an earlier run for the same `--out` that is not running any more
/// (killed with SIGKILL, or its machine went down): its path, the process id in its name and
/// its size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub path: PathBuf,
    pub pid: u32,
    pub bytes: u64,
}

/// The stale temporary folders beside `out` (sorted by name). A folder whose process is still
/// alive (on Linux: `/proc/PID` exists) is another run in progress, and is left out.
pub fn stale_temp_dirs(out: &Path) -> Vec<Stale> {
    let (parent, prefix) = temp_prefix(out);
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return Vec::new();
    };
    let mut found: Vec<Stale> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid: u32 = name.strip_prefix(&prefix)?.parse().ok()?;
            let alive = pid == std::process::id()
                || (cfg!(target_os = "linux") && Path::new(&format!("/proc/{pid}")).exists());
            (!alive && e.path().is_dir()).then(|| Stale {
                bytes: folder_size(&e.path()),
                path: e.path(),
                pid,
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

fn folder_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => folder_size(&e.path()),
                    Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

impl TempDir {
    /// Creates `.NAME.factpress-tmp-PID` beside `out`.
    pub fn beside(out: &Path) -> Result<TempDir> {
        let (parent, prefix) = temp_prefix(out);
        std::fs::create_dir_all(&parent).map_err(Error::io("cannot create folder", &parent))?;
        let path = parent.join(format!("{prefix}{}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(Error::io("cannot remove stale temporary folder", &path))?;
        }
        std::fs::create_dir(&path).map_err(Error::io("cannot create temporary folder", &path))?;
        Ok(TempDir {
            path,
            published: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves the finished folder to `out` (replacing an empty `out` folder).
    pub fn publish(mut self, out: &Path) -> Result<()> {
        check_out(out)?;
        if out.is_dir() {
            std::fs::remove_dir(out).map_err(Error::io("cannot replace empty folder", out))?;
        }
        std::fs::rename(&self.path, out)
            .map_err(Error::io("cannot move the finished corpus to", out))?;
        self.published = true;
        Ok(())
    }
}

impl TempDir {
    /// Puts the finished folder in the place of the existing folder `out`, which is removed
    /// (for an in-place merge). `out` is first renamed aside, so a failure leaves either the
    /// old folder or the new one at `out`, never a mix.
    pub fn replace(mut self, out: &Path) -> Result<()> {
        let (parent, prefix) = temp_prefix(out);
        let old = parent.join(format!("{prefix}replaced-{}", std::process::id()));
        std::fs::rename(out, &old).map_err(Error::io("cannot move aside", out))?;
        if let Err(e) = std::fs::rename(&self.path, out) {
            let _ = std::fs::rename(&old, out);
            return Err(Error::io("cannot move the finished corpus to", out)(e));
        }
        self.published = true;
        std::fs::remove_dir_all(&old).map_err(Error::io("cannot remove", &old))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Refuses an `out` that exists and is not an empty folder.
pub fn check_out(out: &Path) -> Result<()> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Usage(format!(
                    "--out {} exists and is not empty; factpress never writes into or over an existing corpus (choose another --out or remove it)",
                    out.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) if out.is_file() => Err(Error::Usage(format!(
            "--out {} is a file, expected a folder ({e})",
            out.display()
        ))),
        Err(e) => Err(Error::Io {
            action: "cannot read",
            path: out.to_path_buf(),
            source: e,
        }),
    }
}
