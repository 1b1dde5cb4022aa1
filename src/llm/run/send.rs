//! One HTTP exchange with an OpenAI-compatible server, and what to do after it: the body of a
//! request is POSTed byte for byte to `{endpoint}{path}`; a 2xx with a JSON body is an
//! answer; 408, 409, 429, 5xx, a connection error or a timeout is worth another try (after
//! the server's `Retry-After`, or an exponential backoff with a jitter derived from the
//! request's sha256, so no generator is involved); any other status is final. Must not
//! retry by itself (`run` decides), follow redirects (that would re-send a POST) or write.

use crate::llm::run::read::Request;
use std::time::Duration;

/// What one attempt gave.
pub(crate) enum Attempt {
    Answer {
        status: u16,
        body: serde_json::Value,
    },
    Retry {
        code: String,
        message: String,
        after: Option<Duration>,
    },
    Final {
        code: String,
        message: String,
    },
}

pub(crate) struct Client {
    agent: ureq::Agent,
    base: String,
    auth: Option<String>,
}

/// The longest `Retry-After` honoured; a server asking for more gets this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

impl Client {
    pub(crate) fn new(
        endpoint: &str,
        api_key: Option<&str>,
        timeout: Duration,
        concurrency: usize,
    ) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .max_idle_connections(concurrency.max(1))
            .max_idle_connections_per_host(concurrency.max(1))
            .user_agent(concat!("factpress/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            base: endpoint.trim_end_matches('/').to_string(),
            auth: api_key.map(|k| format!("Bearer {k}")),
        }
    }

    pub(crate) fn attempt(&self, req: &Request) -> Attempt {
        let url = format!("{}{}", self.base, req.path);
        let mut r = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json");
        if let Some(a) = &self.auth {
            r = r.header("Authorization", a);
        }
        let mut resp = match r.send(req.body.as_bytes()) {
            Ok(resp) => resp,
            Err(e) => return transport(e),
        };
        let status = resp.status().as_u16();
        let after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after);
        let text = match resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
        {
            Ok(t) => t,
            Err(e) => return transport(e),
        };
        let code = format!("http_{status}");
        if (200..300).contains(&status) {
            return match serde_json::from_str(&text) {
                Ok(body) => Attempt::Answer { status, body },
                Err(e) => Attempt::Final {
                    code: "invalid_response".into(),
                    message: format!(
                        "HTTP {status} with a body that is not JSON ({e}): {}",
                        excerpt(&text)
                    ),
                },
            };
        }
        let message = format!("HTTP {status} from {url}: {}", excerpt(&text));
        if matches!(status, 408 | 409 | 429) || status >= 500 {
            Attempt::Retry {
                code,
                message,
                after,
            }
        } else {
            Attempt::Final { code, message }
        }
    }
}

fn transport(e: ureq::Error) -> Attempt {
    let message = e.to_string();
    match e {
        ureq::Error::Timeout(_) => Attempt::Retry {
            code: "timeout".into(),
            message,
            after: None,
        },
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            Attempt::Final {
                code: "bad_request".into(),
                message,
            }
        }
        _ => Attempt::Retry {
            code: "connection".into(),
            message,
            after: None,
        },
    }
}

/// `Retry-After` in seconds (an HTTP date is not read: the backoff is used instead).
fn retry_after(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}

/// The wait before retry number `retry` (0-based) of request `sha`: 0.5 s doubling to at
/// most 30 s, times a jitter in [0.5, 1) from the request and retry number.
pub(crate) fn backoff(sha: &str, retry: u32) -> Duration {
    let base = (0.5 * 2f64.powi(retry.min(16) as i32)).min(30.0);
    let h = xxhash_rust::xxh3::xxh3_64(format!("{sha}/{retry}").as_bytes());
    let jitter = 0.5 + 0.5 * (h >> 11) as f64 / (1u64 << 53) as f64;
    Duration::from_secs_f64(base * jitter)
}

fn excerpt(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_bounded() {
        let s = "ab".repeat(32);
        assert_eq!(backoff(&s, 3), backoff(&s, 3));
        assert!(backoff(&s, 0) >= Duration::from_millis(250));
        assert!(backoff(&s, 0) < Duration::from_millis(500));
        assert!(backoff(&s, 4) >= Duration::from_secs(4));
        assert!(backoff(&s, 40) <= Duration::from_secs(30));
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(retry_after(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after("99999"), Some(MAX_RETRY_AFTER));
    }
}
