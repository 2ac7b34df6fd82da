//! Command-line front end: one module per command, each with its arguments next to its `run`.
//! Errors become one line per problem on stderr naming the file and the cause; never a panic
//! trace. The exit code is 0 only when everything asked for succeeded.

mod batch;
mod check;
mod dataset;
mod models;
mod out;
mod probe;
mod review;
mod rules;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Where `make models` puts the converted Whisper base model.
pub const DEFAULT_MODEL: &str = "models/ggml-base-q8_0.bin";

#[derive(Debug, Parser)]
#[command(
    name = "callqa",
    version,
    about = "Listens to call-center recordings and scores the agents in them"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode recordings and show format, codec, rate, channels, duration and levels per channel.
    ///
    /// Every file is decoded in full, so a file that probes clean will also decode in a batch.
    Probe(probe::Args),
    /// Check one call: decode, resample, transcribe each speaker (with timestamps).
    Check(check::Args),
    /// Whisper model management.
    #[command(subcommand)]
    Models(models::Command),
    /// Print the default configuration as TOML (every threshold, with its default value).
    Config,
    /// Rules files: check one, print the shipped default, or start a team's own.
    #[command(subcommand)]
    Rules(rules::Command),
    /// Score every call in a directory or manifest CSV into a Parquet dataset (the nightly job).
    ///
    /// Resumable: a rerun skips calls already done with the same audio, configuration, rules
    /// and model. Bad files become rows with status "error"; the batch goes on.
    Batch(batch::Args),
    /// Re-apply rules, scorecard and analysis thresholds to a dataset without the audio.
    Rescore(dataset::RescoreArgs),
    /// Rebuild the agents table from every call in the dataset (after all shards finished).
    Aggregate(dataset::AggregateArgs),
    /// Print the agent table (worst first) and write a self-contained HTML report.
    Report(dataset::ReportArgs),
    /// Pick the calls a listener should hear (抽检): every auto-failed call and call waiting
    /// for review, calls near the pass mark, unsure transcripts, and a seeded random share per
    /// agent; writes a review queue as CSV and HTML.
    Sample(dataset::SampleArgs),
    /// Record a reviewer's verdict (复核: confirm or reject a finding) or an appeal's outcome
    /// (申诉), from the command line or a CSV; a rejected finding stops costing points once
    /// `rescore` (or the next batch) applies it.
    Review(review::Args),
    /// Run SQL over the dataset (tables: calls, findings, segments, agents, reviews) with polars.
    Query(dataset::QueryArgs),
}

/// A command's outcome: its exit code, or the error to print.
type Outcome = Result<ExitCode, Box<dyn std::error::Error>>;

/// Parse the process arguments and run one command.
pub fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Probe(a) => probe::run(a),
        Command::Check(a) => check::run(a),
        Command::Models(c) => models::run(c),
        Command::Config => rules::print_config(),
        Command::Rules(c) => rules::run(c),
        Command::Batch(a) => batch::run(a),
        Command::Rescore(a) => dataset::rescore(a),
        Command::Aggregate(a) => dataset::aggregate(a),
        Command::Report(a) => dataset::report(a),
        Command::Sample(a) => dataset::sample(a),
        Command::Review(a) => review::run(a),
        Command::Query(a) => dataset::query(a),
    };
    match outcome {
        Ok(code) => code,
        // the reader of standard output went away (`| head`): done, not failed
        Err(e) if out::is_closed(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// One `callqa: error:` line per line of the message (a rules file lists every problem).
fn fail(msg: impl std::fmt::Display) -> ExitCode {
    for line in msg.to_string().lines() {
        out::error(line);
    }
    ExitCode::FAILURE
}

/// Where `make models` puts the speaker encoder (mono calls' speaker separation).
pub const DEFAULT_ENCODER: &str = "models/voice-encoder.safetensors";

/// $CALLQA_ENCODER, else where `make models` puts it.
fn encoder_path() -> PathBuf {
    std::env::var_os("CALLQA_ENCODER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_ENCODER))
}

/// The run's pipeline: Whisper from `--model` (none with `--no-asr`), the speaker encoder from
/// where `make models` puts it.
fn build_pipeline(
    settings: crate::config::Settings,
    model: Option<PathBuf>,
    no_asr: bool,
    keep_raw_text: bool,
) -> Result<crate::pipeline::Pipeline, crate::pipeline::BuildError> {
    let model = (!no_asr).then(|| model_path(model));
    crate::pipeline::Pipeline::build(settings, model.as_deref(), &encoder_path(), keep_raw_text)
}

/// `--model`, else $CALLQA_MODEL, else where `make models` puts it.
fn model_path(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("CALLQA_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODEL))
}
