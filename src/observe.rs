//! How the library talks to whoever runs it: progress, warnings and notes go through an
//! [`Observer`] the caller supplies, and long work asks it whether to stop. The library never
//! prints; the binary's observer draws progress bars and writes to stderr, a test's observer
//! may collect messages, and [`Silent`] ignores everything.

/// Receives what a long-running library call has to say. Every method has a do-nothing
/// default, so an observer implements only what it shows.
pub trait Observer: Sync {
    /// A stage of work begins: `what` names it ("generate", "audit", ...) and `total` is the
    /// amount of work in `unit`s, when known.
    fn start(&self, _what: &str, _total: Option<u64>, _unit: &str) {}
    /// `done` units of the current stage are finished (monotonic).
    fn progress(&self, _done: u64) {}
    /// A short line shown beside the current stage's progress (tokens so far, a rate).
    fn status(&self, _message: &str) {}
    /// The current stage is over (its progress display can go).
    fn finish(&self) {}
    /// Something works but may not be what the user meant.
    fn warn(&self, _message: &str) {}
    /// Information worth a line on stderr (not a problem).
    fn note(&self, _message: &str) {}
    /// Whether the user asked to stop (Ctrl-C, SIGTERM); checked between batches.
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that shows nothing and never cancels.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {}

/// An observer that keeps every warning and note, for tests and callers that report later.
#[derive(Debug, Default)]
pub struct Collect {
    pub messages: std::sync::Mutex<Vec<String>>,
}

impl Observer for Collect {
    fn warn(&self, message: &str) {
        self.push(format!("warning: {message}"));
    }
    fn note(&self, message: &str) {
        self.push(format!("note: {message}"));
    }
}

impl Collect {
    fn push(&self, m: String) {
        self.messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(m);
    }
}
