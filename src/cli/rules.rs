//! The commands that print or check settings: `rules lint`, `rules default`, `config`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Outcome;
use super::out::Out;
use crate::config::Config;
use crate::rules::{DEFAULT_RULES, RuleSet, starter_rules};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate a rules file: every problem, with its line number.
    Lint { file: PathBuf },
    /// Print the shipped default rules (Mandarin and English), to copy and edit.
    Default,
    /// Print a starter rules file for a team: the shipped rules with its company names.
    Init {
        /// The company as agents name it in the Mandarin greeting, e.g. 蓝河银行.
        #[arg(long)]
        company: String,
        /// The company in the English greeting (default: the same as --company).
        #[arg(long)]
        company_en: Option<String>,
    },
}

pub fn run(command: Command) -> Outcome {
    let mut out = Out::lock();
    match command {
        Command::Default => write!(out, "{DEFAULT_RULES}")?,
        Command::Init {
            company,
            company_en,
        } => {
            let company_en = company_en.unwrap_or_else(|| company.clone());
            if company.trim().is_empty() || company_en.trim().is_empty() {
                return Err("--company: the company name must not be empty".into());
            }
            let text = starter_rules(&company, &company_en);
            RuleSet::parse(&text).map_err(|e| e.join("\n"))?;
            write!(out, "{text}")?;
        }
        Command::Lint { file } => {
            let r = RuleSet::load(&file)?;
            writeln!(
                out,
                "{}: ok ({} rules, version {})",
                file.display(),
                r.rules.len(),
                r.version
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn print_config() -> Outcome {
    let mut out = Out::lock();
    write!(out, "{}", Config::default().to_toml())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
