//! What the binary shows a person: progress bars on stderr (only on a terminal, never with
//! `--quiet`), warnings and notes, the error chain, and the signal handling that turns
//! Ctrl-C, SIGTERM and SIGHUP into a clean stop (the library removes what it half-wrote).

use factpress::observe::Observer;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by Ctrl-C / SIGTERM / SIGHUP; long work stops between batches.
fn stop_flag() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| FLAG.store(true, Ordering::SeqCst));
    });
    &FLAG
}

/// The observer of a command run from a terminal (or not: bars are drawn only on one).
pub struct Terminal {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    pub fn new(quiet: bool) -> Terminal {
        stop_flag();
        Terminal {
            quiet,
            bar: Mutex::new(None),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Observer for Terminal {
    fn start(&self, what: &str, total: Option<u64>, unit: &str) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let pb = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        let template = match total {
            Some(_) => format!(
                "{{spinner}} {what} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}}) {{msg}}"
            ),
            None => {
                format!(
                    "{{spinner}} {what} [{{elapsed_precise}}] {{pos}} {unit} ({{per_sec}}) {{msg}}"
                )
            }
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            pb.set_style(style);
        }
        *self.bar() = Some(pb);
    }

    fn progress(&self, done: u64) {
        if let Some(pb) = self.bar().as_ref() {
            pb.set_position(done);
        }
    }

    fn status(&self, message: &str) {
        if let Some(pb) = self.bar().as_ref() {
            pb.set_message(message.to_string());
        }
    }

    fn finish(&self) {
        if let Some(pb) = self.bar().take() {
            pb.finish_and_clear();
        }
    }

    fn warn(&self, message: &str) {
        self.print(&format!("warning: {message}"));
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            self.print(&format!("note: {message}"));
        }
    }

    fn cancelled(&self) -> bool {
        stop_flag().load(Ordering::SeqCst)
    }
}

impl Terminal {
    /// A line on stderr that does not tear a progress bar.
    pub fn print(&self, line: &str) {
        use std::io::Write;
        let write = || {
            let _ = writeln!(std::io::stderr(), "{line}");
        };
        match self.bar().as_ref() {
            Some(pb) => pb.suspend(write),
            None => write(),
        }
    }
}

/// Whether a stop was requested (for commands that say "interrupted" themselves).
pub fn stopped() -> bool {
    stop_flag().load(Ordering::SeqCst)
}

/// Prints an error and its whole cause chain on stderr. Located spec errors are already
/// rendered as `error: file:line:col …` blocks and are printed as they are.
/// A closed stderr (piped into `head`) is not worth a panic: write errors are ignored.
pub fn print_error(e: &anyhow::Error) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let msg = e.to_string();
    let prefix = if msg.starts_with("error") {
        ""
    } else {
        "error: "
    };
    let _ = writeln!(err, "{prefix}{}", msg.trim_end());
    for cause in e.chain().skip(1) {
        let _ = writeln!(err, "  caused by: {cause}");
    }
}

/// The documented exit code of an error: the library error's own, or 2 (bad usage).
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if stopped() {
        return 130;
    }
    e.chain()
        .find_map(|c| c.downcast_ref::<factpress::Error>())
        .map_or(2, factpress::Error::exit_code)
}
