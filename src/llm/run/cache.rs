//! The content-addressed response cache of a briefs folder: one file per request,
//! `DIR/cache/<sha[0..2]>/<sha>.json` = `{"custom_id", "request_sha256", "status_code",
//! "response"}`, keyed by the request line's sha256. A file is written atomically (a
//! temporary file in the same folder, synced, then renamed) and only for a 2xx response, so
//! a file that exists is a complete answer and its request is never sent again. Must not
//! hold failures: a failed request has no file and is retried by the next run.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One cached response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub custom_id: String,
    pub request_sha256: String,
    pub status_code: u16,
    /// The server's response body.
    pub response: serde_json::Value,
}

impl Entry {
    /// `usage.prompt_tokens` and `usage.completion_tokens` of the response (0 when absent).
    pub fn usage(&self) -> (u64, u64) {
        let u = &self.response["usage"];
        (
            u["prompt_tokens"].as_u64().unwrap_or(0),
            u["completion_tokens"].as_u64().unwrap_or(0),
        )
    }
}

/// The cache folder of a briefs folder.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// The cache of briefs folder `dir` (`DIR/cache`); nothing is created yet.
    pub fn of(dir: &Path) -> Cache {
        Cache {
            root: dir.join("cache"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the response to request `sha` is kept.
    pub fn path(&self, sha: &str) -> PathBuf {
        self.root
            .join(&sha[..2.min(sha.len())])
            .join(format!("{sha}.json"))
    }

    /// Whether request `sha` has a cached response.
    pub fn contains(&self, sha: &str) -> bool {
        self.path(sha).is_file()
    }

    /// The cached response to request `sha`, if there is one. A file that does not parse or
    /// belongs to another request is corrupt (exit 3), never silently re-sent.
    pub fn get(&self, sha: &str) -> Result<Option<Entry>> {
        let path = self.path(sha);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read", &path)(e)),
        };
        let entry: Entry = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
            path: path.clone(),
            message: format!("not a cache entry: {e}"),
        })?;
        if entry.request_sha256 != sha {
            return Err(Error::Corrupt {
                path,
                message: format!("holds the response to request {}", entry.request_sha256),
            });
        }
        Ok(Some(entry))
    }

    /// Stores `entry` atomically: after this returns, the file is complete and synced; a
    /// crash before leaves no file (at most a temporary one, which is never read).
    pub fn put(&self, entry: &Entry) -> Result<()> {
        let path = self.path(&entry.request_sha256);
        let folder = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&folder).map_err(Error::io("cannot create", &folder))?;
        let tmp = folder.join(format!(
            ".{}.tmp-{}-{:?}",
            entry.request_sha256,
            std::process::id(),
            std::thread::current().id()
        ));
        let mut bytes = serde_json::to_vec(entry).expect("a cache entry serialises");
        bytes.push(b'\n');
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io("cannot write", &tmp)(e));
        }
        std::fs::rename(&tmp, &path).map_err(Error::io("cannot rename into", &path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_then_get() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::of(dir.path());
        let sha = "ab".repeat(32);
        assert_eq!(cache.get(&sha).unwrap(), None);
        let e = Entry {
            custom_id: "d-1".into(),
            request_sha256: sha.clone(),
            status_code: 200,
            response: serde_json::json!({"usage": {"prompt_tokens": 3, "completion_tokens": 4}}),
        };
        cache.put(&e).unwrap();
        assert!(cache.path(&sha).ends_with(format!("ab/{sha}.json")));
        assert_eq!(cache.get(&sha).unwrap(), Some(e.clone()));
        assert_eq!(e.usage(), (3, 4));
        let other = "cd".repeat(32);
        std::fs::create_dir_all(cache.path(&other).parent().unwrap()).unwrap();
        std::fs::copy(cache.path(&sha), cache.path(&other)).unwrap();
        assert!(matches!(cache.get(&other), Err(Error::Corrupt { .. })));
    }
}
