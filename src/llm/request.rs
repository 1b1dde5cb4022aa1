//! Request lines in each provider's own format, and the files they are split into. The
//! request sha256 is the digest of a line's exact bytes without its line break (the cache key
//! `factpress llm run` uses); lines are compact JSON with fields in a fixed order.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Where the requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// OpenAI Batch input lines (`custom_id`, `method`, `url`, `body`).
    OpenaiBatch,
    /// Anthropic Message Batches requests (`custom_id`, `params`).
    AnthropicBatch,
    /// The OpenAI Batch line shape, for vLLM's `run_batch`, `factpress llm run` and any
    /// OpenAI-compatible server.
    OpenaiChat,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenaiBatch => "openai-batch",
            Provider::AnthropicBatch => "anthropic-batch",
            Provider::OpenaiChat => "openai-chat",
        }
    }

    /// The provider's limits per file (OpenAI Batch: 50,000 requests and 200 MB per input
    /// file; Anthropic Message Batches: 100,000 requests and 256 MB per batch).
    pub fn limits(self) -> Limits {
        match self {
            Provider::AnthropicBatch => Limits {
                max_requests: 100_000,
                max_bytes: 256_000_000,
            },
            _ => Limits {
                max_requests: 50_000,
                max_bytes: 200_000_000,
            },
        }
    }
}

/// The most requests and bytes one request file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_requests: u64,
    pub max_bytes: u64,
}

/// What one request asks.
pub struct Ask<'a> {
    pub custom_id: &'a str,
    pub model: &'a str,
    pub max_tokens: u32,
    pub temperature: Option<f64>,
    pub system: &'a str,
    pub user: &'a str,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'a str,
    content: &'a str,
}

#[derive(Serialize)]
struct OpenaiLine<'a> {
    custom_id: &'a str,
    method: &'a str,
    url: &'a str,
    body: OpenaiBody<'a>,
}

#[derive(Serialize)]
struct OpenaiBody<'a> {
    model: &'a str,
    messages: Vec<Message<'a>>,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
}

#[derive(Serialize)]
struct AnthropicLine<'a> {
    custom_id: &'a str,
    params: AnthropicParams<'a>,
}

#[derive(Serialize)]
struct AnthropicParams<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "str::is_empty")]
    system: &'a str,
    messages: [Message<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
}

/// The request line (without its line break).
pub fn line(provider: Provider, a: &Ask) -> String {
    let user = Message {
        role: "user",
        content: a.user,
    };
    let json = match provider {
        Provider::AnthropicBatch => serde_json::to_string(&AnthropicLine {
            custom_id: a.custom_id,
            params: AnthropicParams {
                model: a.model,
                max_tokens: a.max_tokens,
                system: a.system,
                messages: [user],
                temperature: a.temperature,
            },
        }),
        Provider::OpenaiBatch | Provider::OpenaiChat => {
            let mut messages = Vec::with_capacity(2);
            if !a.system.is_empty() {
                messages.push(Message {
                    role: "system",
                    content: a.system,
                });
            }
            messages.push(user);
            serde_json::to_string(&OpenaiLine {
                custom_id: a.custom_id,
                method: "POST",
                url: "/v1/chat/completions",
                body: OpenaiBody {
                    model: a.model,
                    messages,
                    max_tokens: a.max_tokens,
                    temperature: a.temperature,
                },
            })
        }
    };
    json.expect("in-memory JSON")
}

/// Decides which request file each line goes to, in order.
pub struct Splitter {
    limits: Limits,
    file: usize,
    requests: u64,
    bytes: u64,
}

impl Splitter {
    pub fn new(limits: Limits) -> Splitter {
        Splitter {
            limits,
            file: 0,
            requests: 0,
            bytes: 0,
        }
    }

    /// The file (0-based) a line of `len` bytes (without its break) goes to, and its line
    /// number (1-based) there.
    pub fn place(&mut self, len: u64, custom_id: &str) -> Result<(usize, u64)> {
        let need = len + 1;
        if need > self.limits.max_bytes {
            return Err(Error::Usage(format!(
                "request {custom_id} is {need} bytes, more than a request file may hold ({} bytes); raise --max-bytes or lower max_tokens/the prompt size",
                self.limits.max_bytes
            )));
        }
        if self.requests > 0
            && (self.requests == self.limits.max_requests
                || self.bytes + need > self.limits.max_bytes)
        {
            self.file += 1;
            self.requests = 0;
            self.bytes = 0;
        }
        self.requests += 1;
        self.bytes += need;
        Ok((self.file, self.requests))
    }
}

/// The name of request file `k`, relative to the briefs folder.
pub fn file_name(k: usize) -> String {
    format!("requests/{k:05}.jsonl")
}
