//! The commands that print or check settings: `rules lint`, `rules default`, `config`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Outcome;
use crate::config::Config;
use crate::rules::{DEFAULT_RULES, RuleSet};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate a rules file: every problem, with its line number.
    Lint { file: PathBuf },
    /// Print the shipped default rules (Mandarin and English), to copy and edit.
    Default,
}

pub fn run(command: Command) -> Outcome {
    match command {
        Command::Default => print!("{DEFAULT_RULES}"),
        Command::Lint { file } => {
            let r = RuleSet::load(&file)?;
            println!(
                "{}: ok ({} rules, version {})",
                file.display(),
                r.rules.len(),
                r.version
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_config() -> Outcome {
    print!("{}", Config::default().to_toml());
    Ok(ExitCode::SUCCESS)
}
