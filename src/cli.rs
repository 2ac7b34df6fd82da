//! Command-line front end: parses arguments, calls library stages, prints results.
//! Errors become one line on stderr naming the file and the cause; never a panic trace.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::asr::{self, Transcriber};
use crate::audio::{self, Audio, ChannelLevels, SourceInfo};
use crate::batch::{self, BatchOptions, BatchSummary, Progress};
use crate::config::Config;
use crate::pipeline::{self, CheckReport};
use crate::report::{self, ReportFilter};
use crate::rules::{self, RuleSet};
use crate::score::ItemStatus;
use crate::store;

/// Where `make models` puts the converted Whisper base model.
pub const DEFAULT_MODEL: &str = "models/ggml-base.bin";

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
    Probe {
        /// Audio files (WAV PCM/μ-law/A-law, FLAC, MP3, Ogg Vorbis, M4A/AAC).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per file per line (failed files too, with "status": "error").
        #[arg(long)]
        json: bool,
    },
    /// Check one call: decode, resample, transcribe each speaker (with timestamps).
    Check {
        file: PathBuf,
        /// ggml Whisper model (default: $CALLQA_MODEL, else models/ggml-base.bin).
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
        /// Keep phone, ID and card numbers and e-mails in the printed transcript (default: masked).
        #[arg(long)]
        keep_raw_text: bool,
        #[arg(long)]
        json: bool,
    },
    /// Whisper model management.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Print the default configuration as TOML (every threshold, with its default value).
    Config,
    /// Rules files: check one, or print the shipped default.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Score every call in a directory or manifest CSV into a Parquet dataset (the nightly job).
    ///
    /// Resumable: a rerun skips calls already done with the same audio, configuration, rules
    /// and model. Bad files become rows with status "error"; the batch goes on.
    Batch {
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
        /// ggml Whisper model (default: $CALLQA_MODEL, else models/ggml-base.bin).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Acoustic measures and acoustic score items only: no transcription.
        #[arg(long)]
        no_asr: bool,
        /// Calls processed at once (default: cores / 2, at least 1).
        #[arg(long)]
        jobs: Option<usize>,
        /// Whisper threads per call (default: cores / jobs).
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
        /// Regex with named groups agent_id, call_id, team, started_at applied to file names.
        #[arg(long)]
        pattern: Option<String>,
        /// Keep phone, ID and card numbers in stored transcripts (default: masked).
        #[arg(long)]
        keep_raw_text: bool,
        /// Write a call date's results every N calls (smaller: less lost work on a crash).
        #[arg(long, default_value_t = 16)]
        chunk_calls: usize,
        /// No progress bar or log lines.
        #[arg(long)]
        quiet: bool,
    },
    /// Re-apply rules, scorecard and analysis thresholds to a dataset without the audio.
    Rescore {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Rebuild the agents table from every call in the dataset (after all shards finished).
    Aggregate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the agent table (worst first) and write a self-contained HTML report.
    Report {
        #[arg(long)]
        out: PathBuf,
        /// Only calls on or after this date (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        team: Option<String>,
        /// Where to write the HTML report (default: OUT/report.html).
        #[arg(long)]
        html: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run SQL over the dataset (tables: calls, findings, segments, agents) with polars.
    Query {
        #[arg(long)]
        out: PathBuf,
        sql: String,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a rules file: every problem, with its line number.
    Lint { file: PathBuf },
    /// Print the shipped default rules (Mandarin and English), to copy and edit.
    Default,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Convert a CTranslate2 (faster-whisper) model directory to whisper.cpp's ggml format,
    /// then check that whisper.cpp loads it.
    ImportCt2 {
        /// Directory holding model.bin and vocabulary.txt.
        dir: PathBuf,
        #[arg(long, default_value = DEFAULT_MODEL)]
        out: PathBuf,
        /// Weight matrices: f16 (as trained) or q8_0 (8-bit, half the size, faster on CPUs)
        #[arg(long, default_value = "f16")]
        weights: asr::model::Weights,
    },
}

/// Parse the process arguments and run; the exit code is 0 only when every file succeeded.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Probe { files, json } => probe_files(&files, json),
        Command::Check {
            file,
            model,
            lang,
            agent_channel,
            threads,
            no_gate,
            no_asr,
            config,
            rules,
            keep_raw_text,
            json,
        } => {
            let mut cfg = match config.as_deref().map(Config::load).transpose() {
                Ok(c) => c.unwrap_or_default(),
                Err(e) => return fail(e),
            };
            cfg.asr.language = lang.unwrap_or(cfg.asr.language);
            cfg.asr.agent_channel = agent_channel.unwrap_or(cfg.asr.agent_channel);
            cfg.asr.threads = threads.unwrap_or(cfg.asr.threads);
            cfg.asr.gate &= !no_gate;
            if !["zh", "en", "auto"].contains(&cfg.asr.language.as_str()) {
                return fail(format!(
                    "language {}: expected zh, en or auto",
                    cfg.asr.language
                ));
            }
            let rules_file = rules.or(cfg.rules.file.clone());
            let rule_set = match rules_file.as_deref().map(RuleSet::load).transpose() {
                Ok(r) => r.unwrap_or_else(RuleSet::default_rules),
                Err(e) => return fail(e),
            };
            let model = (!no_asr).then(|| model_path(model));
            check(
                &file,
                model.as_deref(),
                &cfg,
                &rule_set,
                keep_raw_text,
                json,
            )
        }
        Command::Rules(RulesCommand::Default) => {
            print!("{}", rules::DEFAULT_RULES);
            ExitCode::SUCCESS
        }
        Command::Rules(RulesCommand::Lint { file }) => match RuleSet::load(&file) {
            Ok(r) => {
                println!(
                    "{}: ok ({} rules, version {})",
                    file.display(),
                    r.rules.len(),
                    r.version
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e.to_string().replace('\n', "\ncallqa: error: ")),
        },
        Command::Config => {
            print!("{}", Config::default().to_toml());
            ExitCode::SUCCESS
        }
        Command::Models(ModelsCommand::ImportCt2 { dir, out, weights }) => {
            import_ct2(&dir, &out, weights)
        }
        Command::Batch {
            input,
            out,
            config,
            rules,
            model,
            no_asr,
            jobs,
            threads,
            force,
            shard,
            shards,
            pattern,
            keep_raw_text,
            chunk_calls,
            quiet,
        } => {
            let (mut cfg, rule_set, rules_text) = match settings(config, rules) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let jobs = jobs.unwrap_or(batch::num_cores() / 2).max(1);
            cfg.asr.threads = threads.unwrap_or(batch::num_cores() / jobs).max(1);
            let pattern = match pattern.as_deref().map(regex::Regex::new).transpose() {
                Ok(p) => p,
                Err(e) => return fail(format!("--pattern: {e}")),
            };
            let shard = match batch::parse_shard(shard.as_deref(), shards) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let calls = match batch::list_calls(&input, pattern.as_ref()) {
                Ok(c) => c,
                Err(e) => return fail(e),
            };
            let transcriber = match (!no_asr)
                .then(|| Transcriber::load(&model_path(model)))
                .transpose()
            {
                Ok(t) => t,
                Err(e) => return fail(e),
            };
            let opts = BatchOptions {
                jobs,
                force,
                shard,
                keep_raw_text,
                chunk_calls,
                progress: if quiet {
                    Progress::Quiet
                } else {
                    Progress::for_stderr()
                },
                ..BatchOptions::new(&out)
            };
            match batch::run(
                calls,
                transcriber.as_ref(),
                &cfg,
                &rule_set,
                &rules_text,
                &opts,
            ) {
                Ok(s) => {
                    print_batch_summary(&s, &out, shard);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Rescore { out, config, rules } => {
            let (cfg, rule_set, rules_text) = match settings(config, rules) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match batch::rescore(&out, &cfg, &rule_set, &rules_text) {
                Ok(s) => {
                    println!(
                        "{}: rescored {} calls in {} parts with rules {}; {} scores changed",
                        out.display(),
                        s.calls,
                        s.parts,
                        rule_set.version,
                        s.changed_score
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Aggregate { out, config } => {
            let cfg = match settings(config, None) {
                Ok(s) => s.0,
                Err(e) => return fail(e),
            };
            // no shard is writing now: repair every shard's leftovers, then aggregate
            let repaired = store::repair(&out, "", |_| true);
            match repaired.and_then(|_| store::agents::write_agents(&out, &cfg.aggregate)) {
                Ok(rows) => {
                    println!(
                        "{}: {} agent-month rows",
                        out.join("agents").join("agents.parquet").display(),
                        rows.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Report {
            out,
            since,
            team,
            html,
            config,
        } => {
            let cfg = match settings(config, None) {
                Ok(s) => s.0,
                Err(e) => return fail(e),
            };
            let filter = ReportFilter { since, team };
            report(&out, &filter, html, &cfg)
        }
        Command::Query { out, sql, csv } => match store::query(&out, &sql) {
            Ok(df) => {
                if csv {
                    print!("{}", store::to_csv(&df));
                } else {
                    println!("{df}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
    }
}

/// The configuration and rules of a run, and the rules text (part of the config hash).
fn settings(
    config: Option<PathBuf>,
    rules: Option<PathBuf>,
) -> Result<(Config, RuleSet, String), String> {
    let cfg = config
        .as_deref()
        .map(Config::load)
        .transpose()
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    match rules.or(cfg.rules.file.clone()) {
        Some(path) => {
            let set = RuleSet::load(&path).map_err(|e| e.to_string())?;
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((cfg, set, text))
        }
        None => Ok((
            cfg,
            RuleSet::default_rules(),
            rules::DEFAULT_RULES.to_string(),
        )),
    }
}

fn print_batch_summary(s: &BatchSummary, out: &Path, shard: (usize, usize)) {
    let shard_note = if shard.1 > 1 {
        format!(" (shard {}/{})", shard.0, shard.1)
    } else {
        String::new()
    };
    println!(
        "{}: {} calls{shard_note}: {} scored, {} errors, {} already done; {:.2} h of audio in {:.1} s",
        out.display(),
        s.in_shard,
        s.ok,
        s.errors,
        s.skipped,
        s.audio_s / 3600.0,
        s.wall_s
    );
    if s.repaired.orphans_removed + s.repaired.stale_rows_removed > 0 {
        println!(
            "repaired: {} files of an interrupted run removed, {} superseded rows removed",
            s.repaired.orphans_removed, s.repaired.stale_rows_removed
        );
    }
    let mut rows = s.agents.clone();
    report::worst_first(&mut rows);
    print!("{}", report::agent_table(&rows));
}

fn report(out: &Path, filter: &ReportFilter, html: Option<PathBuf>, cfg: &Config) -> ExitCode {
    let stats: Vec<_> = match store::agents::load_stats(out) {
        Ok(s) => s.into_iter().filter(|s| filter.keep(s)).collect(),
        Err(e) => return fail(e),
    };
    if stats.is_empty() {
        return fail(format!(
            "{}: no calls{} (has a batch written here?)",
            out.display(),
            if filter.since.is_some() || filter.team.is_some() {
                " match the filter"
            } else {
                ""
            }
        ));
    }
    let mut rows = store::agents::aggregate(&stats, &cfg.aggregate, false);
    report::worst_first(&mut rows);
    print!("{}", report::agent_table(&rows));
    let path = html.unwrap_or_else(|| out.join("report.html"));
    let page = report::html(&rows, &stats, filter, "callqa agent report");
    match store::write_atomic(&path, page.as_bytes()) {
        Ok(()) => {
            println!("report: {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("callqa: error: {msg}");
    ExitCode::FAILURE
}

fn model_path(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("CALLQA_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODEL))
}

fn import_ct2(dir: &Path, out: &Path, weights: asr::model::Weights) -> ExitCode {
    let hp = match asr::model::import_ct2(dir, out, weights) {
        Ok(hp) => hp,
        Err(e) => return fail(e),
    };
    if let Err(e) = Transcriber::load(out) {
        return fail(format!(
            "converted, but whisper.cpp rejects the result: {e}"
        ));
    }
    println!(
        "{}: Whisper model with {} encoder / {} decoder layers, width {}, {} mels, {} tokens; loads in whisper.cpp",
        out.display(),
        hp.n_audio_layer,
        hp.n_text_layer,
        hp.n_audio_state,
        hp.n_mels,
        hp.n_vocab
    );
    ExitCode::SUCCESS
}

fn check(
    file: &Path,
    model: Option<&Path>,
    cfg: &Config,
    rule_set: &RuleSet,
    keep_raw_text: bool,
    json: bool,
) -> ExitCode {
    let transcriber = match model.map(Transcriber::load).transpose() {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let report =
        match pipeline::check_file(file, transcriber.as_ref(), cfg, rule_set, keep_raw_text) {
            Ok(r) => r,
            Err(e) => return fail(e),
        };
    if json {
        println!("{}", serde_json::to_string(&report).expect("serialisable"));
    } else {
        print!("{}", render_check(&report));
    }
    ExitCode::SUCCESS
}

fn render_check(r: &CheckReport) -> String {
    let mmss = |t: f64| format!("{:02}:{:05.2}", (t / 60.0) as u64, t % 60.0);
    let opt = |v: Option<f64>, unit: &str| v.map_or("-".to_string(), |v| format!("{v:.1} {unit}"));
    let who = |s: asr::Speaker| match s {
        asr::Speaker::Agent => "agent",
        asr::Speaker::Customer => "customer",
        asr::Speaker::Mixed => "mixed",
    };
    let a = &r.acoustics;
    let mut s = format!(
        "{}  ({} ch, {:.1} s, {} {} Hz)\n",
        r.path.display(),
        r.source.channels,
        r.duration_s,
        r.source.codec,
        r.source.sample_rate
    );
    for m in &a.speakers {
        let flags: Vec<String> = m.flags.iter().map(|f| format!("{f:?}")).collect();
        s += &format!(
            "  {:<8} talk {:.1} s ({:.0}%)  loudness {}  peak {}  clipped {:.2}%  rate {} / {}{}\n",
            who(m.speaker),
            m.talk_s,
            100.0 * m.talk_share,
            opt(m.loudness_lufs, "LUFS"),
            opt(m.peak_dbfs, "dBFS"),
            100.0 * m.clipped_share,
            opt(m.syllables_per_min, "syll/min"),
            opt(
                m.transcript_rate_per_min,
                if r.transcript.as_ref().is_some_and(|t| t.language == "en") {
                    "words/min"
                } else {
                    "chars/min"
                }
            ),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  flags: {}", flags.join(", "))
            }
        );
    }
    let spans = |v: Vec<(f64, f64)>| {
        v.iter()
            .map(|(a, b)| format!("{}–{}", mmss(*a), mmss(*b)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    s += &format!(
        "  dead air {:.1} s ({} × ≥ 5 s{}{})\n",
        a.dead_air_s,
        a.dead_air.len(),
        if a.dead_air.is_empty() { "" } else { ": " },
        spans(a.dead_air.iter().map(|i| (i.start, i.end)).collect())
    );
    if a.per_speaker {
        s += &format!(
            "  talk-over: agent {}, customer {}{}{}; agent first response {}\n",
            a.agent_talk_over_count,
            a.customer_talk_over_count,
            if a.talk_over.is_empty() { "" } else { " at " },
            spans(a.talk_over.iter().map(|t| (t.start, t.end)).collect()),
            opt(a.agent_first_response_s, "s")
        );
    } else {
        s += "  mono recording: per-speaker talk-over and response time not available\n";
    }
    if let Some(t) = &r.transcript {
        s += &format!(
            "transcript (model {}, {:.1} s of speech transcribed):\n",
            t.model, t.transcribed_s
        );
        for seg in &t.segments {
            s += &format!(
                "[{} → {}] {:<8} {}\n",
                mmss(seg.start),
                mmss(seg.end),
                who(seg.speaker),
                seg.text
            );
        }
        if t.segments.is_empty() {
            s += "(no speech recognised)\n";
        }
        s += &format!("findings (rules {}):\n", r.rules_version);
        for f in &r.findings {
            s += &format!(
                "[{} → {}] {:<8} {:<8} {} ({:?}, {}, {:.2}): {}\n",
                mmss(f.start),
                mmss(f.end),
                who(f.speaker),
                format!("{:?}", f.severity).to_lowercase(),
                f.rule_id,
                f.kind,
                f.mode,
                f.confidence,
                if f.matched_text.is_empty() {
                    &f.evidence
                } else {
                    &f.matched_text
                }
            );
        }
        if r.findings.is_empty() {
            s += "(none)\n";
        }
    }
    let sc = &r.score;
    s += &format!(
        "score {:.0} — {}\n",
        sc.score,
        if sc.auto_fail {
            "FAIL (auto-fail)"
        } else if sc.pass {
            "pass"
        } else {
            "FAIL"
        }
    );
    for i in &sc.items {
        s += &match i.status {
            ItemStatus::Deducted => format!(
                "  -{:<4} {} ×{} ({})\n",
                i.points_lost, i.item, i.count, i.note
            ),
            ItemStatus::AutoFail => format!("  FAIL  {} ×{} ({})\n", i.item, i.count, i.note),
            ItemStatus::NotApplicable => format!("  n/a   {} ({})\n", i.item, i.note),
        };
    }
    s
}

/// `callqa probe` output for one file: what it is and how loud each channel is.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    pub path: PathBuf,
    pub status: &'static str,
    #[serde(flatten)]
    pub source: SourceInfo,
    pub frames: usize,
    pub duration_s: f64,
    pub levels: Vec<ChannelLevels>,
}

impl ProbeReport {
    pub fn new(path: &Path, audio: &Audio) -> Self {
        ProbeReport {
            path: path.to_path_buf(),
            status: "ok",
            source: audio.source.clone(),
            frames: audio.frames(),
            duration_s: audio.duration_s(),
            levels: audio
                .channels
                .iter()
                .map(|c| audio::channel_levels(c))
                .collect(),
        }
    }
}

fn probe_files(files: &[PathBuf], json: bool) -> ExitCode {
    let mut failed = 0usize;
    let stdout = std::io::stdout();
    for path in files {
        let mut out = stdout.lock();
        match audio::decode(path) {
            Ok(audio) => {
                let report = ProbeReport::new(path, &audio);
                let _ = if json {
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string(&report).expect("serialisable")
                    )
                } else {
                    write!(out, "{}", render_probe(&report))
                };
            }
            Err(e) => {
                failed += 1;
                if json {
                    let row = serde_json::json!({"path": path, "status": "error", "error": e.to_string()});
                    let _ = writeln!(out, "{row}");
                }
                eprintln!("callqa: error: {e}");
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn render_probe(r: &ProbeReport) -> String {
    let db = |v: Option<f64>| v.map_or("-inf".to_string(), |v| format!("{v:.2}"));
    let bits = r
        .source
        .bits_per_sample
        .map(|b| format!(", {b}-bit"))
        .unwrap_or_default();
    let mut s = format!(
        "{}\n  format    {}\n  codec     {}{bits}\n  rate      {} Hz\n  channels  {}\n  duration  {:.3} s ({} frames)\n",
        r.path.display(),
        r.source.format,
        r.source.codec,
        r.source.sample_rate,
        r.source.channels,
        r.duration_s,
        r.frames,
    );
    for (i, l) in r.levels.iter().enumerate() {
        let side = match (r.levels.len(), i) {
            (2, 0) => " (left)",
            (2, 1) => " (right)",
            _ => "",
        };
        s += &format!(
            "  ch{i}{side:<8} peak {:>7} dBFS  rms {:>7} dBFS\n",
            db(l.peak_dbfs),
            db(l.rms_dbfs)
        );
    }
    s
}
