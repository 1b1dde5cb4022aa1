//! `factpress llm run`: sends every request of a briefs folder that has no cached response
//! to an OpenAI-compatible server, with C workers, retries and the cache, then writes
//! `DIR/results/run.jsonl` in request order. A response is cached (atomically) before it is
//! counted done, and a request is sent only when it has no cache file, so a run killed or
//! stopped at any point resumes without sending a finished request again; on Ctrl-C the
//! workers finish the exchanges in flight (their answers are kept) and start no new one.
//! Must not print (progress goes through the observer) or put anything timed in a file.

use crate::error::{Error, Result};
use crate::llm::run::cache::{Cache, Entry};
use crate::llm::run::read::{self, Request};
use crate::llm::run::send::{Attempt, Client, backoff};
use crate::llm::run::write::{self as results, Outcome};
use crate::observe::Observer;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// OpenAI-style base URL including `/v1` (`http://127.0.0.1:8080/v1`).
    pub endpoint: String,
    /// Sent as `Authorization: Bearer KEY` when given.
    pub api_key: Option<String>,
    /// Requests in flight at once (worker threads).
    pub concurrency: usize,
    /// Retries of a request after its first attempt.
    pub max_retries: u32,
    /// The longest one exchange may take (connect, send, answer).
    pub timeout: Duration,
}

/// A request that failed after every retry, or at once with a final status.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub custom_id: String,
    /// `requests/NNNNN.jsonl:LINE`.
    pub at: String,
    pub code: String,
    pub message: String,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Requests in the folder.
    pub total: u64,
    /// Answered from the cache, without a request.
    pub cached: u64,
    /// Answered by the server in this run.
    pub answered: u64,
    /// HTTP attempts made in this run (answers, retries and failures).
    pub attempts: u64,
    pub failed: Vec<Failure>,
    /// Over every answered request, cached or not.
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// `DIR/results/run.jsonl`.
    pub results: PathBuf,
}

/// Runs the requests of briefs folder `dir`.
pub fn run(dir: &Path, opts: &Options, obs: &dyn Observer) -> Result<Report> {
    if !(opts.endpoint.starts_with("http://") || opts.endpoint.starts_with("https://")) {
        return Err(Error::Usage(format!(
            "--endpoint must be an http:// or https:// base URL including /v1 \
             (e.g. http://127.0.0.1:8080/v1), found {:?}",
            opts.endpoint
        )));
    }
    let requests = read::load(dir)?;
    let cache = Cache::of(dir);
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(requests.len());
    let mut first_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pending = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let cached = cache.get(&r.sha256)?;
        if cached.is_none() && !first_of.contains_key(r.sha256.as_str()) {
            pending.push(i);
        }
        first_of.entry(&r.sha256).or_insert(i);
        outcomes.push(cached.map(Outcome::Done));
    }
    let cached = outcomes.iter().filter(|o| o.is_some()).count() as u64;
    let tokens = Tokens::default();
    for o in outcomes.iter().flatten() {
        tokens.add(o);
    }

    let total = requests.len() as u64;
    obs.start("llm run", Some(total), "requests");
    obs.progress(cached);
    let state = Shared {
        requests: &requests,
        pending: &pending,
        next: AtomicUsize::new(0),
        done: AtomicU64::new(cached),
        answered: AtomicU64::new(0),
        attempts: AtomicU64::new(0),
        tokens,
        outcomes: Mutex::new(Vec::new()),
        fatal: Mutex::new(None),
        stop: AtomicBool::new(false),
        started: Instant::now(),
    };
    let client = Client::new(
        &opts.endpoint,
        opts.api_key.as_deref(),
        opts.timeout,
        opts.concurrency,
    );
    std::thread::scope(|s| {
        for _ in 0..opts.concurrency.max(1).min(pending.len().max(1)) {
            s.spawn(|| worker(&state, &client, &cache, opts, obs));
        }
    });
    obs.finish();
    if let Some(e) = state.fatal.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    for (i, o) in state
        .outcomes
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        outcomes[i] = Some(o);
    }
    // Identical request lines share one exchange.
    for (i, r) in requests.iter().enumerate() {
        if outcomes[i].is_none() {
            outcomes[i] = outcomes[first_of[r.sha256.as_str()]].clone();
        }
    }
    let finished = outcomes.iter().filter(|o| o.is_some()).count() as u64;
    if finished < total {
        return Err(Error::Interrupted(format!(
            "interrupted: {finished} of {total} requests have an answer or a final error \
             ({} answered in this run, all kept in {}); run the same command again to resume",
            state.answered.load(Ordering::SeqCst),
            cache.root().display()
        )));
    }
    let lines: Vec<(&Request, &Outcome)> = requests
        .iter()
        .zip(
            outcomes
                .iter()
                .map(|o| o.as_ref().expect("every request finished")),
        )
        .collect();
    let failed = lines
        .iter()
        .filter_map(|(r, o)| match o {
            Outcome::Failed { code, message } => Some(Failure {
                custom_id: r.custom_id.clone(),
                at: format!("{}:{}", r.file, r.line),
                code: code.clone(),
                message: message.clone(),
            }),
            Outcome::Done(_) => None,
        })
        .collect();
    let path = results::write(dir, &lines)?;
    Ok(Report {
        total,
        cached,
        answered: state.answered.load(Ordering::SeqCst),
        attempts: state.attempts.load(Ordering::SeqCst),
        failed,
        prompt_tokens: state.tokens.prompt.load(Ordering::SeqCst),
        completion_tokens: state.tokens.completion.load(Ordering::SeqCst),
        results: path,
    })
}

#[derive(Default)]
struct Tokens {
    prompt: AtomicU64,
    completion: AtomicU64,
}

impl Tokens {
    fn add(&self, o: &Outcome) {
        if let Outcome::Done(e) = o {
            let (p, c) = e.usage();
            self.prompt.fetch_add(p, Ordering::SeqCst);
            self.completion.fetch_add(c, Ordering::SeqCst);
        }
    }
}

struct Shared<'a> {
    requests: &'a [Request],
    pending: &'a [usize],
    next: AtomicUsize,
    done: AtomicU64,
    answered: AtomicU64,
    attempts: AtomicU64,
    tokens: Tokens,
    outcomes: Mutex<Vec<(usize, Outcome)>>,
    fatal: Mutex<Option<Error>>,
    /// Set on a fatal error (a cache write failed): no new request is started.
    stop: AtomicBool,
    started: Instant,
}

impl Shared<'_> {
    fn stopping(&self, obs: &dyn Observer) -> bool {
        self.stop.load(Ordering::SeqCst) || obs.cancelled()
    }
}

fn worker(st: &Shared, client: &Client, cache: &Cache, opts: &Options, obs: &dyn Observer) {
    loop {
        if st.stopping(obs) {
            return;
        }
        let k = st.next.fetch_add(1, Ordering::SeqCst);
        let Some(&i) = st.pending.get(k) else { return };
        let req = &st.requests[i];
        let Some(outcome) = exchange(st, client, req, opts, obs) else {
            return;
        };
        if let Outcome::Done(entry) = &outcome {
            // Kept before it is counted: a request with a cache file is never sent again.
            if let Err(e) = cache.put(entry) {
                st.stop.store(true, Ordering::SeqCst);
                st.fatal
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
                return;
            }
            st.answered.fetch_add(1, Ordering::SeqCst);
        }
        st.tokens.add(&outcome);
        st.outcomes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((i, outcome));
        let done = st.done.fetch_add(1, Ordering::SeqCst) + 1;
        obs.progress(done);
        let secs = st.started.elapsed().as_secs_f64().max(1e-3);
        obs.status(&format!(
            "{} prompt + {} completion tokens, {:.1} requests/s",
            st.tokens.prompt.load(Ordering::SeqCst),
            st.tokens.completion.load(Ordering::SeqCst),
            st.answered.load(Ordering::SeqCst) as f64 / secs
        ));
    }
}

/// Sends `req` until it is answered, fails for good, or the run stops (`None`: not finished,
/// the next run sends it again).
fn exchange(
    st: &Shared,
    client: &Client,
    req: &Request,
    opts: &Options,
    obs: &dyn Observer,
) -> Option<Outcome> {
    let mut retry = 0;
    loop {
        st.attempts.fetch_add(1, Ordering::SeqCst);
        match client.attempt(req) {
            Attempt::Answer { status, body } => {
                return Some(Outcome::Done(Entry {
                    custom_id: req.custom_id.clone(),
                    request_sha256: req.sha256.clone(),
                    status_code: status,
                    response: body,
                }));
            }
            Attempt::Final { code, message } => return Some(Outcome::Failed { code, message }),
            Attempt::Retry {
                code,
                message,
                after,
            } => {
                if retry >= opts.max_retries {
                    let tries = retry + 1;
                    return Some(Outcome::Failed {
                        code,
                        message: format!("{message} (after {tries} attempts)"),
                    });
                }
                let wait = after.unwrap_or_else(|| backoff(&req.sha256, retry));
                if !sleep(wait, || st.stopping(obs)) {
                    return None;
                }
                retry += 1;
            }
        }
    }
}

/// Sleeps `d` in short steps; false if `stop` became true first.
fn sleep(d: Duration, stop: impl Fn() -> bool) -> bool {
    let end = Instant::now() + d;
    loop {
        if stop() {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}
