//! `factpress llm run` against a small HTTP server in the test (std TcpListener, one thread a
//! connection, keep-alive): answers, retries on 429/503 with Retry-After, timeouts, a final
//! 400, concurrency, the cache, resume after SIGKILL and SIGINT, results in request order for
//! any --concurrency, the Authorization header, malformed request lines. The real server
//! (llama-cpp-python) is exercised by scripts/llm-server-ci.sh in CI.

mod common;

use common::factpress;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the server does with attempt `n` (0-based) of a body: status, extra headers, delay.
type Script = dyn Fn(&str, usize) -> (u16, Vec<(String, String)>, Duration) + Send + Sync;

#[derive(Clone, Debug)]
struct Seen {
    body: String,
    auth: Option<String>,
    path: String,
    at: Instant,
}

struct Server {
    url: String,
    log: Arc<Mutex<Vec<Seen>>>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Server {
    fn start(script: Box<Script>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::from(script);
        let (l2, m2) = (log.clone(), max_in_flight.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, script, max, cur) =
                    (l2.clone(), script.clone(), m2.clone(), in_flight.clone());
                std::thread::spawn(move || serve(stream, &log, &*script, &max, &cur));
            }
        });
        Server {
            url,
            log,
            max_in_flight,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// How often each body arrived.
    fn counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for s in self.seen() {
            *m.entry(s.body).or_insert(0) += 1;
        }
        m
    }
}

fn serve(
    stream: TcpStream,
    log: &Mutex<Vec<Seen>>,
    script: &Script,
    max: &AtomicUsize,
    cur: &AtomicUsize,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut len = 0;
        let mut auth = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap_or((h, ""));
            match k.to_ascii_lowercase().as_str() {
                "content-length" => len = v.trim().parse().unwrap(),
                "authorization" => auth = Some(v.trim().to_string()),
                _ => {}
            }
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8(body).unwrap();
        let n = {
            let mut log = log.lock().unwrap();
            let n = log.iter().filter(|s| s.body == body).count();
            log.push(Seen {
                body: body.clone(),
                auth,
                path,
                at: Instant::now(),
            });
            n
        };
        let now = cur.fetch_add(1, Ordering::SeqCst) + 1;
        max.fetch_max(now, Ordering::SeqCst);
        let (status, headers, delay) = script(&body, n);
        std::thread::sleep(delay);
        cur.fetch_sub(1, Ordering::SeqCst);
        let reply = if status == 200 {
            let words = body.len() as u64;
            serde_json::json!({
                "id": "chatcmpl-test", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": format!("echo {}", body.len())}}],
                "usage": {"prompt_tokens": words, "completion_tokens": 2, "total_tokens": words + 2}
            })
            .to_string()
        } else {
            format!("{{\"error\":{{\"message\":\"status {status}\"}}}}")
        };
        let mut head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            reply.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if out.write_all(head.as_bytes()).is_err() || out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn ok() -> Box<Script> {
    Box::new(|_, _| (200, vec![], Duration::ZERO))
}

/// The request line of document `i`; the body has odd spacing to show it is sent as it is.
fn request_line(i: usize) -> String {
    format!(
        r#"{{"custom_id": "doc-{i:05}", "method": "POST", "url": "/v1/chat/completions", "body": {{"model":  "tiny", "messages": [{{"role": "user", "content": "write document {i}"}}],   "max_tokens": 8}}}}"#
    )
}

fn body_of(i: usize) -> String {
    format!(
        r#"{{"model":  "tiny", "messages": [{{"role": "user", "content": "write document {i}"}}],   "max_tokens": 8}}"#
    )
}

/// A briefs folder with `n` requests split over files of 10 lines.
fn briefs(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let req = dir.path().join("requests");
    std::fs::create_dir(&req).unwrap();
    for (f, chunk) in (0..n).collect::<Vec<_>>().chunks(10).enumerate() {
        let text: String = chunk.iter().map(|&i| request_line(i) + "\n").collect();
        std::fs::write(req.join(format!("{f:05}.jsonl")), text).unwrap();
    }
    dir
}

fn llm_run(dir: &Path, url: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    factpress()
        .args(["llm", "run"])
        .arg(dir)
        .args(["--endpoint", url])
        .args(extra)
        .assert()
}

fn results(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("results/run.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(subs) = std::fs::read_dir(dir.join("cache")) {
        for sub in subs.flatten() {
            for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
                if f.path().extension().is_some_and(|x| x == "json") {
                    v.push(f.path());
                }
            }
        }
    }
    v.sort();
    v
}

fn sha256(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[test]
fn answers_cached_and_results_in_request_order_for_any_concurrency() {
    let server = Server::start(Box::new(|body, _| {
        // Answer late the early documents, so answers arrive out of request order.
        let late = body.contains("document 1\"") || body.contains("document 2\"");
        (
            200,
            vec![],
            Duration::from_millis(if late { 300 } else { 5 }),
        )
    }));
    let a = briefs(25);
    let out = llm_run(a.path(), &server.url, &["--concurrency", "8"]).success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("25 requests: 0 from the cache, 25 answered now"),
        "{stderr}"
    );
    assert!(stderr.contains("usage: "), "{stderr}");
    // Each body arrived once, byte for byte, at /v1/chat/completions.
    let counts = server.counts();
    assert_eq!(counts.len(), 25);
    assert!(counts.values().all(|&c| c == 1));
    assert!((0..25).all(|i| counts.contains_key(&body_of(i))));
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.path == "/v1/chat/completions" && s.auth.is_none())
    );
    let lines = results(a.path());
    for (i, l) in lines.iter().enumerate() {
        let sha = sha256(&request_line(i));
        assert_eq!(l["custom_id"], format!("doc-{i:05}"));
        assert_eq!(l["id"], format!("run-{}", &sha[..16]));
        assert_eq!(l["response"]["request_id"], sha);
        assert_eq!(l["response"]["status_code"], 200);
        assert!(l["error"].is_null());
        let cached: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(a.path().join(format!("cache/{}/{sha}.json", &sha[..2])))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(cached["custom_id"], format!("doc-{i:05}"));
        assert_eq!(cached["response"], l["response"]["body"]);
    }
    // One worker gives the same bytes.
    let b = briefs(25);
    llm_run(b.path(), &server.url, &["--concurrency", "1"]).success();
    let bytes = |d: &Path| std::fs::read(d.join("results/run.jsonl")).unwrap();
    assert_eq!(bytes(a.path()), bytes(b.path()));
    // A second run is answered from the cache: no request is sent, same bytes.
    let before = server.seen().len();
    let out = llm_run(a.path(), &server.url, &[]).success();
    assert_eq!(server.seen().len(), before);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr)
            .contains("25 from the cache, 0 answered now")
    );
    assert_eq!(bytes(a.path()), bytes(b.path()));
}

#[test]
fn retries_429_and_503_honouring_retry_after() {
    let server = Server::start(Box::new(|body, n| {
        let rate_limited = body.contains("document 0\"");
        let unavailable = body.contains("document 1\"");
        match n {
            0 if rate_limited => (
                429,
                vec![("Retry-After".into(), "1".into())],
                Duration::ZERO,
            ),
            0 | 1 if unavailable => (503, vec![], Duration::ZERO),
            _ => (200, vec![], Duration::ZERO),
        }
    }));
    let d = briefs(3);
    llm_run(d.path(), &server.url, &["--quiet"]).success();
    let counts = server.counts();
    assert_eq!(counts[&body_of(0)], 2);
    assert_eq!(counts[&body_of(1)], 3);
    assert_eq!(counts[&body_of(2)], 1);
    let times: Vec<Instant> = server
        .seen()
        .iter()
        .filter(|s| s.body == body_of(0))
        .map(|s| s.at)
        .collect();
    assert!(
        times[1] - times[0] >= Duration::from_millis(950),
        "Retry-After: 1 not honoured"
    );
    assert!(
        results(d.path())
            .iter()
            .all(|l| l["response"]["status_code"] == 200)
    );
}

#[test]
fn status_400_is_final_and_exit_1_and_rerun_sends_only_it() {
    let server = Server::start(Box::new(|body, _| {
        let status = if body.contains("document 1\"") {
            400
        } else {
            200
        };
        (status, vec![], Duration::ZERO)
    }));
    let d = briefs(3);
    let out = llm_run(d.path(), &server.url, &["--quiet"]).code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("failed: doc-00001 (requests/00000.jsonl:2): http_400"),
        "{stderr}"
    );
    assert_eq!(server.counts()[&body_of(1)], 1, "a 400 is not retried");
    let lines = results(d.path());
    assert!(lines[1]["response"].is_null());
    assert_eq!(lines[1]["error"]["code"], "http_400");
    assert_eq!(lines[0]["response"]["status_code"], 200);
    assert_eq!(cache_files(d.path()).len(), 2, "a failure is not cached");
    // The next run sends the failed request again, and only it.
    llm_run(d.path(), &server.url, &["--quiet"]).code(1);
    let counts = server.counts();
    assert_eq!((counts[&body_of(0)], counts[&body_of(1)]), (1, 2));
}

#[test]
fn timeouts_are_retried_and_give_up_after_max_retries() {
    let server = Server::start(Box::new(|body, n| {
        let slow = (body.contains("document 0\"") && n == 0) || body.contains("document 1\"");
        (
            200,
            vec![],
            if slow {
                Duration::from_secs(3)
            } else {
                Duration::ZERO
            },
        )
    }));
    let d = briefs(2);
    let out = llm_run(
        d.path(),
        &server.url,
        &["--timeout", "1", "--max-retries", "1"],
    )
    .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let counts = server.counts();
    assert_eq!(counts[&body_of(0)], 2, "a timeout is retried");
    assert_eq!(counts[&body_of(1)], 2, "one retry, then a final error");
    let lines = results(d.path());
    assert_eq!(lines[0]["response"]["status_code"], 200);
    assert_eq!(lines[1]["error"]["code"], "timeout");
    assert!(stderr.contains("after 2 attempts"), "{stderr}");
}

#[test]
fn connection_refused_is_retried_then_fails() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = briefs(1);
    llm_run(
        d.path(),
        &format!("http://127.0.0.1:{port}/v1"),
        &["--max-retries", "1", "--quiet"],
    )
    .code(1);
    assert_eq!(results(d.path())[0]["error"]["code"], "connection");
}

#[test]
fn concurrency_is_the_number_in_flight() {
    let server = Server::start(Box::new(|_, _| (200, vec![], Duration::from_millis(250))));
    let d = briefs(16);
    llm_run(d.path(), &server.url, &["--concurrency", "4", "--quiet"]).success();
    assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 4);
    let d = briefs(6);
    let server = Server::start(Box::new(|_, _| (200, vec![], Duration::from_millis(100))));
    llm_run(d.path(), &server.url, &["--concurrency", "1", "--quiet"]).success();
    assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 1);
}

#[test]
fn api_key_sent_as_bearer_and_a_missing_variable_is_bad_usage() {
    let server = Server::start(ok());
    let d = briefs(2);
    factpress()
        .args(["llm", "run"])
        .arg(d.path())
        .args([
            "--endpoint",
            &server.url,
            "--api-key-env",
            "FP_TEST_KEY",
            "--quiet",
        ])
        .env("FP_TEST_KEY", "sk-test-123")
        .assert()
        .success();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|s| s.auth.as_deref() == Some("Bearer sk-test-123"))
    );
    let out = factpress()
        .args(["llm", "run"])
        .arg(briefs(1).path())
        .args(["--endpoint", &server.url, "--api-key-env", "FP_TEST_UNSET"])
        .env_remove("FP_TEST_UNSET")
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("FP_TEST_UNSET"));
}

/// Runs with a slow server, stops the run with `signal` once `after` answers are cached, and
/// resumes. Returns (requests sent twice, cache files at the stop, exit status of the stopped run).
fn stop_and_resume(signal: &str) -> (Vec<String>, usize, Option<i32>, BTreeMap<String, usize>) {
    let server = Server::start(Box::new(|_, _| (200, vec![], Duration::from_millis(60))));
    let d = briefs(40);
    let bin = assert_cmd::cargo::cargo_bin("factpress");
    let mut child = std::process::Command::new(bin)
        .args(["llm", "run"])
        .arg(d.path())
        .args(["--endpoint", &server.url, "--concurrency", "4", "--quiet"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while cache_files(d.path()).len() < 12 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the run made no progress"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let cached_at_stop: Vec<String> = cache_files(d.path())
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    if signal == "-INT" {
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(!d.path().join("results/run.jsonl").exists());
    }
    let sent_before = server.counts();
    llm_run(d.path(), &server.url, &["--concurrency", "4", "--quiet"]).success();
    let counts = server.counts();
    let twice: Vec<String> = counts
        .iter()
        .filter(|&(_, &c)| c > 1)
        .map(|(b, _)| b.clone())
        .collect();
    // Nothing that had a cache file at the stop was sent again.
    for i in 0..40 {
        let sha = sha256(&request_line(i));
        if cached_at_stop.contains(&sha) {
            assert_eq!(
                counts[&body_of(i)],
                1,
                "document {i} was cached, then sent again"
            );
        }
    }
    assert_eq!(counts.len(), 40, "every request reached the server");
    let lines = results(d.path());
    assert_eq!(lines.len(), 40);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["custom_id"], format!("doc-{i:05}"));
        assert_eq!(l["response"]["status_code"], 200);
    }
    (twice, cached_at_stop.len(), status.code(), sent_before)
}

#[test]
fn sigint_stops_cleanly_and_resume_sends_nothing_twice() {
    let (twice, cached, code, _) = stop_and_resume("-INT");
    assert_eq!(code, Some(130));
    assert!(cached >= 12);
    assert!(twice.is_empty(), "sent twice: {twice:?}");
}

#[test]
fn sigkill_then_resume_resends_only_what_was_in_flight() {
    let (twice, cached, code, sent_before) = stop_and_resume("-KILL");
    assert_eq!(code, None, "killed by a signal");
    assert!((12..40).contains(&cached));
    // At most the 4 exchanges in flight at the kill lost their answer and were sent again.
    assert!(twice.len() <= 4, "sent twice: {twice:?}");
    assert!(sent_before.len() >= cached);
}

#[test]
fn malformed_lines_are_located_and_nothing_is_sent() {
    let server = Server::start(ok());
    let d = briefs(3);
    let f = d.path().join("requests/00000.jsonl");
    let mut text = std::fs::read_to_string(&f).unwrap();
    text = text.replacen("\"custom_id\": \"doc-00001\"", "\"custom_id\": 7", 1);
    text.push_str("{not json\n");
    text.push_str(&request_line(0));
    text.push('\n');
    std::fs::write(&f, text).unwrap();
    let out = llm_run(d.path(), &server.url, &[]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("requests/00000.jsonl:2: `custom_id` must be a string"),
        "{stderr}"
    );
    assert!(
        stderr.contains("requests/00000.jsonl:4: expected a JSON request object"),
        "{stderr}"
    );
    assert!(
        stderr.contains("requests/00000.jsonl:5: custom_id `doc-00000` is already used at requests/00000.jsonl:1"),
        "{stderr}"
    );
    assert!(stderr.contains("3 problem(s) found"), "{stderr}");
    assert!(server.seen().is_empty());
}

#[test]
fn anthropic_requests_and_an_empty_folder_are_refused() {
    let server = Server::start(ok());
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("requests")).unwrap();
    llm_run(d.path(), &server.url, &[]).code(2);
    std::fs::write(
        d.path().join("requests/00000.jsonl"),
        "{\"custom_id\": \"a\", \"params\": {\"model\": \"m\", \"max_tokens\": 5, \"messages\": []}}\n",
    )
    .unwrap();
    let out = llm_run(d.path(), &server.url, &[]).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("Anthropic Message Batches"), "{stderr}");
    assert!(stderr.contains("requests/00000.jsonl:1"), "{stderr}");
    llm_run(d.path(), "127.0.0.1:1/v1", &[]).code(2);
    assert!(server.seen().is_empty());
}
