use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = factpress::cli::Cli::parse();
    match factpress::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let msg = e.to_string();
            if msg.starts_with("error") {
                eprintln!("{}", msg.trim_end());
            } else {
                eprintln!("error: {}", msg.trim_end());
            }
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}
