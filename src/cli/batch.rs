use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::out::{Out, OutError, warn};
use super::{Outcome, build_pipeline};
use crate::batch::{self, BatchOptions, BatchSummary, Progress};
use crate::call::Language;
use crate::config::Settings;
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory of recordings (searched recursively) or a manifest CSV
    /// (path,call_id,agent_id,team,started_at,agent_channel,language; all but path optional).
    input: PathBuf,
    /// Dataset directory (created; a nightly run adds to it).
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    rules: Option<PathBuf>,
    /// ggml Whisper model (default: $CALLQA_MODEL, else models/ggml-base-q8_0.bin).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Acoustic measures and acoustic score items only: no transcription.
    #[arg(long)]
    no_asr: bool,
    /// Calls processed at once (default: cores / threads, else one per two cores: each call
    /// holds a Whisper state, README, Nightly batch).
    #[arg(long)]
    jobs: Option<usize>,
    /// Whisper threads per call (default: cores / jobs, else 2).
    #[arg(long)]
    threads: Option<usize>,
    /// Reprocess calls that are already done.
    #[arg(long)]
    force: bool,
    /// Process shard i of n (e.g. 0/4). Default: $JOB_COMPLETION_INDEX or
    /// $SLURM_ARRAY_TASK_ID with --shards N or $SLURM_ARRAY_TASK_COUNT; else everything.
    #[arg(long)]
    shard: Option<String>,
    /// Shard count when the index comes from the environment.
    #[arg(long)]
    shards: Option<usize>,
    /// Regex with named groups agent_id, call_id, team, started_at applied to file names
    /// (another group name is refused; a group that matches an empty string is that file's
    /// error).
    #[arg(long)]
    pattern: Option<String>,
    /// Run with rules that still name the shipped placeholder company (示例银行 / Example
    /// Bank); without it the batch refuses, since every greeting would be "missing".
    #[arg(long)]
    allow_placeholder: bool,
    /// Keep phone, ID and card numbers in stored transcripts (default: masked).
    #[arg(long)]
    keep_raw_text: bool,
    /// Write a call date's results every N calls (smaller: less lost work on a crash).
    #[arg(long, default_value_t = 16)]
    chunk_calls: usize,
    /// No progress bar or log lines.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut settings = Settings::load(args.config.as_deref(), args.rules.as_deref())?;
    let (jobs, threads) = batch::layout(batch::num_cores(), args.jobs, args.threads);
    settings.config.asr.threads = threads;
    let pattern = args
        .pattern
        .as_deref()
        .map(batch::file_name_pattern)
        .transpose()?;
    let shard = batch::parse_shard(args.shard.as_deref(), args.shards)?;
    let listing = batch::list_calls(&args.input, pattern.as_ref())?;
    for w in &listing.warnings {
        warn(w);
    }
    let calls = listing.calls;
    if !(args.no_asr || args.allow_placeholder) {
        let defaults = settings.config.asr.call_defaults();
        let mut languages: Vec<Language> =
            calls.iter().map(|c| c.facts(defaults).language).collect();
        languages.sort_by_key(|l| l.to_string());
        languages.dedup();
        settings.refuse_placeholders(&languages)?;
    }
    let pipeline = build_pipeline(settings, args.model, args.no_asr, args.keep_raw_text)?;
    let opts = BatchOptions {
        jobs,
        force: args.force,
        shard,
        chunk_calls: args.chunk_calls,
        progress: if args.quiet {
            Progress::Quiet
        } else {
            Progress::for_stderr()
        },
        ..BatchOptions::new(&args.out)
    };
    let summary = batch::run(calls, &pipeline, &opts)?;
    // only now, with every chunk written: a closed stdout can cost the summary, not the data
    print_summary(&summary, &args.out, shard)?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &BatchSummary, out: &Path, shard: (usize, usize)) -> Result<(), OutError> {
    for q in s.quarantined.iter().chain(&s.renamed).chain(&s.kept) {
        warn(q);
    }
    let mut stdout = Out::lock();
    let shard_note = if shard.1 > 1 {
        format!(" (shard {}/{})", shard.0, shard.1)
    } else {
        String::new()
    };
    writeln!(
        stdout,
        "{}: {} calls{shard_note}: {} scored, {} errors, {} already done; {:.2} h of audio in {:.1} s",
        out.display(),
        s.in_shard,
        s.ok,
        s.errors,
        s.skipped,
        s.audio_s / 3600.0,
        s.wall_s
    )?;
    if s.repaired.orphans_removed + s.repaired.stale_rows_removed > 0 {
        writeln!(
            stdout,
            "repaired: {} files of an interrupted run removed, {} superseded rows removed",
            s.repaired.orphans_removed, s.repaired.stale_rows_removed
        )?;
    }
    let mut rows = s.agents.clone();
    report::worst_first(&mut rows);
    write!(stdout, "{}", report::agent_table(&rows))?;
    stdout.flush()
}
