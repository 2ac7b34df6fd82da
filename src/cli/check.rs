use std::path::PathBuf;
use std::process::ExitCode;

use super::out::Out;
use super::{Outcome, build_pipeline};
use crate::call::{CallInput, Language, META_COLUMNS};
use crate::config::{Config, Settings};
use crate::report::render_check;

#[derive(Debug, clap::Args)]
pub struct Args {
    file: PathBuf,
    /// ggml Whisper model (default: $CALLQA_MODEL, else models/ggml-base-q8_0.bin).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Language: zh, en or auto (default from config: zh).
    #[arg(long)]
    lang: Option<String>,
    /// Which channel of a stereo file is the agent: 0 = left (default), 1 = right.
    #[arg(long)]
    agent_channel: Option<usize>,
    /// Whisper threads (default 2).
    #[arg(long)]
    threads: Option<usize>,
    /// Transcribe whole channels, silence included (for comparison; slower).
    #[arg(long)]
    no_gate: bool,
    /// Acoustic measures only: no transcription, no model needed.
    #[arg(long)]
    no_asr: bool,
    /// Configuration file (TOML; see `callqa config`). Flags given here override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Rules file (TOML; default: the shipped rules, see `callqa rules default`).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Run with rules that still name the shipped placeholder company (示例银行 / Example
    /// Bank); without it `check` refuses, since every greeting would be "missing".
    #[arg(long)]
    allow_placeholder: bool,
    /// What the phone system recorded about the call, as a manifest's metadata column would say
    /// it (repeatable): `--meta ring_s=40 --meta transferred=true`; rules' `when` reads them.
    #[arg(long = "meta", value_name = "COLUMN=VALUE")]
    meta: Vec<String>,
    /// Keep phone, ID and card numbers and e-mails in the printed transcript (default: masked).
    #[arg(long)]
    keep_raw_text: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut cfg = args
        .config
        .as_deref()
        .map(Config::load)
        .transpose()?
        .unwrap_or_default();
    if let Some(lang) = &args.lang {
        cfg.asr.language = lang
            .parse::<Language>()
            .map_err(|e| format!("language {e}"))?;
    }
    cfg.asr.agent_channel = args.agent_channel.unwrap_or(cfg.asr.agent_channel);
    cfg.asr.threads = args.threads.unwrap_or(cfg.asr.threads);
    cfg.asr.gate &= !args.no_gate;
    let mut input = CallInput::from_path(&args.file);
    for cell in &args.meta {
        let columns = || META_COLUMNS.map(|c| c.0).join(", ");
        let (name, value) = cell
            .split_once('=')
            .ok_or_else(|| format!("--meta {cell:?}: expected COLUMN=VALUE ({})", columns()))?;
        input
            .meta
            .set(name.trim(), value)
            .map_err(|e| format!("--meta {cell:?}: {e} (columns: {})", columns()))?;
    }
    let settings = Settings::with_rules(cfg, args.rules.as_deref())
        .map_err(|e| e.in_file(args.config.as_deref()))?;
    if !(args.no_asr || args.allow_placeholder) {
        settings.refuse_placeholders(&[settings.config.asr.language])?;
    }
    let pipeline = build_pipeline(settings, args.model, args.no_asr, args.keep_raw_text)?;
    let result = pipeline.run(&input)?;
    let mut out = Out::lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&result)?)?;
    } else {
        write!(out, "{}", render_check(&result))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
