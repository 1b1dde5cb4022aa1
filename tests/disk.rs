//! Output that cannot be written: an `--out` in a read-only folder, under a regular file or in
//! `/proc`, and a disk that fills up part-way. Each must fail with exit 3 and an error naming
//! the path, and leave nothing behind: no partial corpus, no temporary folder.
//!
//! Tests run as root in CI, and root ignores permission bits: the read-only folder is then a
//! read-only tmpfs, and the full disk a small tmpfs (both need root; elsewhere they are
//! skipped with a printed note).

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::tempdir;

/// Whether this process runs as root (its real uid is 0), from `/proc/self/status`.
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|rest| rest.split_whitespace().next() == Some("0"))
        })
        .unwrap_or(false)
}

/// A tmpfs mounted on a folder, unmounted when dropped (also when the test fails).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs with `options` on `dir`, or says why not (not root, mount refused).
    fn mount(dir: &Path, options: &str) -> Result<Tmpfs, String> {
        if !is_root() {
            return Err("not running as root".into());
        }
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("warning: could not unmount {}", self.0.display());
        }
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Runs a small `generate` into `out`; returns its stderr, checking exit 3.
fn generate_fails(out: &Path, extra: &[&str]) -> String {
    stderr_of(
        factpress()
            .args(["generate", MINI, "--quiet", "--docs", "4"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .assert(),
        3,
    )
}

#[test]
fn out_in_a_read_only_folder() {
    let tmp = tempdir().unwrap();
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let honoured = std::fs::File::create(ro.join("probe")).is_err();
    // Held until the end of the test: unmounts the read-only tmpfs if one is used.
    let mount: Option<Tmpfs>;
    if honoured {
        mount = None;
    } else {
        // Root ignores permission bits: make the folder a read-only file system instead.
        std::fs::remove_file(ro.join("probe")).unwrap();
        match Tmpfs::mount(&ro, "ro,size=64k") {
            Ok(m) => mount = Some(m),
            Err(why) => {
                eprintln!(
                    "note: skipped: permission bits are not honoured and no read-only tmpfs ({why})"
                );
                return;
            }
        }
    }
    let out = ro.join("c");
    let err = generate_fails(&out, &[]);
    assert!(err.contains(&ro.display().to_string()), "{err}");
    assert!(
        err.contains("Permission denied") || err.contains("Read-only file system"),
        "{err}"
    );
    assert!(
        entries(&ro).is_empty(),
        "nothing is left in {}",
        ro.display()
    );
    drop(mount);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn out_under_a_regular_file() {
    let tmp = tempdir().unwrap();
    let file = tmp.path().join("somefile");
    std::fs::write(&file, "not a folder\n").unwrap();
    let out = file.join("sub");
    let err = generate_fails(&out, &[]);
    assert!(err.contains(&out.display().to_string()), "{err}");
    assert!(err.contains("Not a directory"), "{err}");
    assert_eq!(entries(tmp.path()), ["somefile"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder\n");
    // One level deeper: the folder to create the temporary folder in is under the file.
    let out = file.join("a").join("b");
    let err = generate_fails(&out, &[]);
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert_eq!(entries(tmp.path()), ["somefile"]);
}

#[test]
fn out_in_proc() {
    for out in ["/proc/self/factpress-out", "/proc/factpress-no-such/c"] {
        let err = generate_fails(Path::new(out), &[]);
        let parent = Path::new(out).parent().unwrap().display().to_string();
        assert!(err.contains(&parent), "{out}: {err}");
        assert!(!Path::new(out).exists());
    }
}

/// A disk that fills up while a shard is written: exit 3, the error names the shard and the
/// cause, and the file system is left empty (the temporary folder is removed).
#[test]
fn full_disk_leaves_nothing() {
    let tmp = tempdir().unwrap();
    let mnt = tmp.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    // About 210 kB of shard for 20 kB of sources: the sources fit, the shard does not.
    let fs = match Tmpfs::mount(&mnt, "size=128k") {
        Ok(m) => m,
        Err(why) => {
            eprintln!("note: full-disk test skipped: {why}");
            return;
        }
    };
    let out = mnt.join("c");
    let err = stderr_of(
        factpress()
            .args(["generate", MINI, "--quiet", "--condition", "base"])
            .args(["--docs", "400", "--shards", "1", "--compression", "none"])
            .arg("--out")
            .arg(&out)
            .assert(),
        3,
    );
    assert!(err.contains("No space left on device"), "{err}");
    let first = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(
        first.starts_with("error: cannot write ") || first.starts_with("error: cannot finish "),
        "{err}"
    );
    assert!(
        first.contains(&mnt.display().to_string())
            && first.contains("/data/base-00000-of-00001.jsonl"),
        "the error names the shard being written: {err}"
    );
    assert!(
        entries(&mnt).is_empty(),
        "no partial corpus and no temporary folder: {:?}",
        entries(&mnt)
    );
    // The space is given back: a corpus that fits is written and verified.
    generate(&out, &["--docs", "4", "--shards", "1"]);
    factpress().arg("verify").arg(&out).assert().success();
    std::fs::remove_dir_all(&out).unwrap();
    drop(fs);
}
