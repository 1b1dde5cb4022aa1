//! Crash safety of `generate` and `regenerate`, measured on the real binary.
//!
//! SIGKILL cannot be caught, so a killed run must leave one of exactly two outcomes: no
//! `--out` folder (a temporary folder may be left beside it), or a complete corpus that
//! `verify` accepts. Runs are killed at a deterministic schedule of points spread over a run's
//! lifetime (a fraction of a reference run's duration, so that the schedule covers planning,
//! rendering, the manifest and the rename whatever the machine's speed), and right when
//! `manifest.json` appears in the temporary folder or the final folder appears. Every trial
//! runs with `--clean`, so it is also the rerun of the trial before it on the same `--out`;
//! each chain of trials ends with an uninterrupted rerun that must succeed, remove what was
//! left, and give the reference digests. SIGTERM, SIGINT and SIGHUP must stop a run with
//! exit 130 and leave nothing (or let it finish with exit 0).
//!
//! Nothing here asserts on time: durations only place the kills, and deadlines only guard
//! against a hung child.

mod common;

use common::*;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tempfile::tempdir;

/// A guard against a hung child, never a measurement.
const LIMIT: Duration = Duration::from_secs(300);
/// Trials run in parallel on this many threads (the CI machine has two cores).
const WORKERS: usize = 2;
/// The `--out` name every trial writes to, inside its own folder.
const OUT: &str = "c";

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// What an uninterrupted run of `args` produces, and how long it took (to place the kills).
struct Reference {
    args: Vec<String>,
    content: String,
    files: Vec<(String, String)>,
    secs: f64,
}

fn reference(args: Vec<String>) -> Reference {
    let tmp = tempdir().unwrap();
    let out = tmp.path().join(OUT);
    let start = Instant::now();
    factpress()
        .args(&args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let secs = start.elapsed().as_secs_f64();
    let m = manifest(&out);
    Reference {
        content: m["content_sha256"].as_str().unwrap().to_string(),
        files: shard_hashes(&m),
        args,
        secs,
    }
}

/// When to send SIGKILL.
#[derive(Clone, Copy, Debug)]
enum When {
    /// This long after the spawn.
    After(Duration),
    /// As soon as `manifest.json` is seen in the temporary folder (before the rename).
    ManifestInTemp,
    /// As soon as the final `--out` folder is seen (after the rename, before the exit).
    OutAppears,
}

/// `n` kill times spread evenly over `[0, span x the reference duration]`.
fn spread(r: &Reference, n: usize, span: f64) -> Vec<When> {
    (0..n)
        .map(|i| {
            When::After(Duration::from_secs_f64(
                r.secs * span * i as f64 / (n - 1) as f64,
            ))
        })
        .collect()
}

/// Deals `trials` into chains of about `len`, round robin, so that every chain spans the
/// whole schedule.
fn chains(trials: Vec<When>, len: usize) -> Vec<Vec<When>> {
    let count = trials.len().div_ceil(len);
    let mut out = vec![Vec::new(); count];
    for (i, t) in trials.into_iter().enumerate() {
        out[i % count].push(t);
    }
    out
}

fn spawn(args: &[String], out: &Path, stderr: Stdio) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("factpress"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("factpress starts")
}

fn wait_bounded(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: the child did not exit in time and was killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Polls until `cond` holds or the child exits by itself; fails on a hung child.
fn poll_until(child: &mut Child, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !cond() {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the awaited state never came; the child was killed");
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The temporary folders in `parent` (`.c.factpress-tmp-PID`).
fn temp_dirs(parent: &Path) -> Vec<PathBuf> {
    let prefix = format!(".{OUT}.factpress-tmp-");
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

#[derive(Default, Debug)]
struct Tally {
    trials: usize,
    /// Trials where the SIGKILL landed (the rest had exited before it was sent).
    killed: usize,
    absent_nothing_left: usize,
    absent_temp_left: usize,
    complete: usize,
}

impl Tally {
    fn print(&self, what: &str) {
        eprintln!(
            "{what}: {} SIGKILL trials ({} killed by the signal, {} exited before it): a clean absence in {} ({} with the temporary folder left, {} with nothing left), a complete verified corpus in {}, zero bad outcomes",
            self.trials,
            self.killed,
            self.trials - self.killed,
            self.absent_nothing_left + self.absent_temp_left,
            self.absent_temp_left,
            self.absent_nothing_left,
            self.complete
        );
    }
}

enum Outcome {
    Absent { temp_left: bool },
    Complete,
}

/// Checks that `parent` holds only the allowed outcome; fails (a bad outcome) otherwise.
fn classify(parent: &Path, r: &Reference, context: &str) -> Outcome {
    let prefix = format!(".{OUT}.factpress-tmp-");
    let mut temp_left = false;
    for e in std::fs::read_dir(parent).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        match name.strip_prefix(&prefix) {
            _ if name == OUT => {}
            Some(pid) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => {
                assert!(e.path().is_dir(), "{context}: {name} is not a folder");
                temp_left = true;
            }
            _ => panic!("{context}: unexpected entry {name} beside --out"),
        }
    }
    let out = parent.join(OUT);
    if !out.exists() {
        return Outcome::Absent { temp_left };
    }
    assert!(
        out.is_dir(),
        "{context}: bad outcome: --out exists and is not a folder"
    );
    let v = factpress()
        .args(["verify", "--quiet"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{context}: bad outcome: --out exists but verify does not accept it:\n{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    let m = manifest(&out);
    assert_eq!(m["content_sha256"], r.content.as_str(), "{context}");
    assert_eq!(shard_hashes(&m), r.files, "{context}");
    Outcome::Complete
}

/// Runs one chain of kill trials on one `--out`, then the uninterrupted rerun.
fn run_chain(r: &Reference, chain: &[When], tally: &Mutex<Tally>) {
    let tmp = tempdir().unwrap();
    let parent = tmp.path();
    let out = parent.join(OUT);
    let mut args = r.args.clone();
    args.push("--clean".into());
    for (i, &when) in chain.iter().enumerate() {
        let mut child = spawn(&args, &out, Stdio::null());
        match when {
            When::After(d) => std::thread::sleep(d),
            When::ManifestInTemp => poll_until(&mut child, || {
                temp_dirs(parent)
                    .iter()
                    .any(|t| t.join("manifest.json").exists())
            }),
            When::OutAppears => poll_until(&mut child, || out.exists()),
        }
        let _ = child.kill();
        let status = wait_bounded(&mut child, "after SIGKILL");
        let context = format!("trial {i} ({when:?}, {status})");
        let killed = status.signal() == Some(9);
        if !killed {
            assert!(status.success(), "{context}: the run failed by itself");
        }
        let outcome = classify(parent, r, &context);
        let mut t = tally.lock().unwrap();
        t.trials += 1;
        t.killed += killed as usize;
        match outcome {
            Outcome::Absent { temp_left: true } => t.absent_temp_left += 1,
            Outcome::Absent { temp_left: false } => t.absent_nothing_left += 1,
            Outcome::Complete => {
                t.complete += 1;
                drop(t);
                // A verified corpus; remove it so that the chain goes on with the same --out.
                std::fs::remove_dir_all(&out).unwrap();
            }
        }
    }
    // The rerun: not quiet, so that the removal of a stale folder is reported.
    let stale = temp_dirs(parent).len();
    let rerun: Vec<&String> = args.iter().filter(|a| *a != "--quiet").collect();
    let run = factpress()
        .args(rerun)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "the rerun with --clean: {err}");
    if stale > 0 {
        assert!(
            err.contains("removed") && err.contains("left by an interrupted run"),
            "the rerun names what it removed: {err}"
        );
    }
    assert!(
        temp_dirs(parent).is_empty(),
        "the rerun leaves no temporary folder"
    );
    let m = manifest(&out);
    assert_eq!(m["content_sha256"], r.content.as_str());
    assert_eq!(shard_hashes(&m), r.files);
    assert_eq!(std::fs::read_dir(parent).unwrap().count(), 1);
}

fn run_trials(r: &Reference, chains: Vec<Vec<When>>) -> Tally {
    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(chain) = chains.get(i) else { break };
                    run_chain(r, chain, &tally);
                }
            });
        }
    });
    tally.into_inner().unwrap()
}

#[test]
fn sigkill_at_140_points_of_a_small_run() {
    let r = reference(strings(&[
        "generate", MINI, "--quiet", "--docs", "80", "--shards", "2",
    ]));
    // From the spawn (planning, the spec check) to well past the reference's end: trials run
    // two at a time beside other tests, so they are slower than the reference was.
    let t = run_trials(&r, chains(spread(&r, 140, 1.5), 10));
    t.print("generate --docs 80 --shards 2");
    assert_eq!(t.trials, 140);
}

#[test]
fn sigkill_mid_shard_of_a_multi_batch_run() {
    // 600 documents in one shard: three batches, so kills land between batches of one shard.
    let r = reference(strings(&[
        "generate",
        MINI,
        "--quiet",
        "--condition",
        "base",
        "--docs",
        "600",
        "--shards",
        "1",
    ]));
    let t = run_trials(&r, chains(spread(&r, 16, 1.4), 4));
    t.print("generate --condition base --docs 600 --shards 1");
    assert_eq!(t.trials, 16);
}

#[test]
fn sigkill_while_writing_the_manifest_and_renaming() {
    let r = reference(strings(&[
        "generate", MINI, "--quiet", "--docs", "6", "--shards", "2",
    ]));
    let trials: Vec<When> = (0..40)
        .map(|i| {
            if i % 2 == 0 {
                When::ManifestInTemp
            } else {
                When::OutAppears
            }
        })
        .collect();
    let t = run_trials(&r, chains(trials, 8));
    t.print(
        "generate --docs 6 (kill on manifest.json in the temporary folder / on the final folder)",
    );
    assert_eq!(t.trials, 40);
}

#[test]
fn sigkill_during_regenerate() {
    let src = tempdir().unwrap();
    let dir = src.path().join("src");
    generate(&dir, &["--docs", "80", "--shards", "2"]);
    let r = reference(vec![
        "regenerate".into(),
        dir.to_string_lossy().into_owned(),
        "--quiet".into(),
    ]);
    let mut trials = spread(&r, 12, 1.8);
    trials.extend([When::ManifestInTemp, When::OutAppears].repeat(2));
    let t = run_trials(&r, chains(trials, 8));
    t.print("regenerate (docs 80, shards 2)");
    assert_eq!(t.trials, 16);
}

/// SIGTERM, SIGINT and SIGHUP at several points after writing started: exit 130 and nothing
/// left, or exit 0 with a complete corpus (the signal came after the last batch).
#[test]
fn sigterm_sigint_sighup_stop_cleanly() {
    let r = reference(strings(&[
        "generate", MINI, "--quiet", "--docs", "600", "--shards", "2",
    ]));
    let mut trials = Vec::new();
    for sig in ["TERM", "INT", "HUP"] {
        for frac in [0.0, 0.3, 0.7, 1.2] {
            trials.push((sig, Some(frac)));
        }
        // While the manifest is being written: the run may finish (exit 0) or stop.
        trials.push((sig, None));
    }
    let next = AtomicUsize::new(0);
    let counts = Mutex::new((0usize, 0usize));
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(sig, frac)) = trials.get(i) else {
                        break;
                    };
                    let finished = signal_trial(&r, sig, frac);
                    let mut c = counts.lock().unwrap();
                    if finished { c.1 += 1 } else { c.0 += 1 }
                }
            });
        }
    });
    let (stopped, finished) = counts.into_inner().unwrap();
    eprintln!(
        "SIGTERM/SIGINT/SIGHUP: {} trials: exit 130 with nothing left in {stopped}, finished (exit 0, verified) in {finished}",
        trials.len()
    );
}

/// One signal trial, `frac` x the reference duration after writing started, or (`None`) as
/// soon as `manifest.json` is in the temporary folder; returns whether the run finished
/// anyway (exit 0).
fn signal_trial(r: &Reference, sig: &str, frac: Option<f64>) -> bool {
    let tmp = tempdir().unwrap();
    let parent = tmp.path();
    let out = parent.join(OUT);
    let mut child = spawn(&r.args, &out, Stdio::piped());
    let mut pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut s).unwrap();
        s
    });
    // The handler is installed before the temporary folder is made: wait for the folder.
    poll_until(&mut child, || !temp_dirs(parent).is_empty() || out.exists());
    match frac {
        Some(frac) => std::thread::sleep(Duration::from_secs_f64(r.secs * frac)),
        None => poll_until(&mut child, || {
            out.exists()
                || temp_dirs(parent)
                    .iter()
                    .any(|t| t.join("manifest.json").exists())
        }),
    }
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args([format!("-{sig}"), pid])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let status = wait_bounded(&mut child, "after the signal");
    let err = stderr.join().unwrap();
    let context = format!("SIG{sig} at {frac:?} ({status}, kill {sent}): {err}");
    match status.code() {
        Some(0) => {
            assert!(matches!(classify(parent, r, &context), Outcome::Complete));
            assert!(temp_dirs(parent).is_empty(), "{context}");
            true
        }
        Some(130) => {
            assert!(err.contains("interrupted"), "{context}");
            let left: Vec<_> = std::fs::read_dir(parent).unwrap().flatten().collect();
            assert!(left.is_empty(), "{context}: left behind: {left:?}");
            // A rerun (without --clean) finds nothing stale and succeeds.
            let rerun: Vec<&String> = r.args.iter().filter(|a| *a != "--quiet").collect();
            let run = factpress()
                .args(rerun)
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(0), "{context}: rerun: {err}");
            assert!(!err.contains("interrupted run"), "{context}: rerun: {err}");
            let m = manifest(&out);
            assert_eq!(m["content_sha256"], r.content.as_str());
            assert!(temp_dirs(parent).is_empty());
            false
        }
        _ => panic!("{context}: expected exit 130 (or 0)"),
    }
}

/// A folder left by a SIGKILL (here: killed once `manifest.json` was in it) is reported by the
/// next run for the same `--out`, which still succeeds, and removed by `--clean`.
#[test]
fn a_folder_left_by_sigkill_is_reported_then_removed_by_clean() {
    let r = reference(strings(&[
        "generate", MINI, "--quiet", "--docs", "6", "--shards", "2",
    ]));
    let tmp = tempdir().unwrap();
    let parent = tmp.path();
    let out = parent.join(OUT);
    // Retry until a kill lands before the rename (it usually does at once).
    let mut left = Vec::new();
    for _ in 0..20 {
        let mut child = spawn(&r.args, &out, Stdio::null());
        poll_until(&mut child, || {
            temp_dirs(parent)
                .iter()
                .any(|t| t.join("manifest.json").exists())
        });
        let _ = child.kill();
        wait_bounded(&mut child, "after SIGKILL");
        if out.exists() {
            assert!(matches!(classify(parent, &r, "retry"), Outcome::Complete));
            std::fs::remove_dir_all(&out).unwrap();
            continue;
        }
        left = temp_dirs(parent);
        if !left.is_empty() {
            break;
        }
    }
    if left.is_empty() {
        eprintln!("note: no kill landed between the manifest and the rename in 20 tries");
        return;
    }
    let stale = left[0].file_name().unwrap().to_string_lossy().into_owned();
    let loud: Vec<&String> = r.args.iter().filter(|a| *a != "--quiet").collect();
    let run = factpress()
        .args(&loud)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&stale)
            && err.contains("was left by an interrupted run")
            && err.contains("rerun with --clean"),
        "{err}"
    );
    assert_eq!(
        temp_dirs(parent),
        left,
        "without --clean it is only reported"
    );
    assert_eq!(manifest(&out)["content_sha256"], r.content.as_str());
    std::fs::remove_dir_all(&out).unwrap();
    let run = factpress()
        .args(&loud)
        .arg("--clean")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("removed") && err.contains(&stale), "{err}");
    assert!(temp_dirs(parent).is_empty());
    assert_eq!(manifest(&out)["content_sha256"], r.content.as_str());
}
