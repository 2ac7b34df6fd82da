//! The batch runner: every call of this shard through the pipeline in parallel, results
//! written in small atomic chunks per call date, so a killed run loses only unwritten work and a
//! rerun skips what is done.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::plan::{input_key, plan};
use super::{BatchError, content_hash, shard_index};
use crate::aggregate::AgentRow;
use crate::call::{CallInput, CallStatus, printable};
use crate::pipeline::Pipeline;
use crate::review::{self, Reviews};
use crate::store::{self, CallRows, Repair, RunInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A progress bar (files, audio hours, ETA): for a terminal.
    Bar,
    /// One log line per call on stderr: for cron, CI and log collectors.
    Lines,
    Quiet,
}

impl Progress {
    pub fn for_stderr() -> Self {
        if std::io::stderr().is_terminal() {
            Progress::Bar
        } else {
            Progress::Lines
        }
    }
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub out: PathBuf,
    /// Calls processed at once; whisper threads per call = cores / jobs unless set in config.
    pub jobs: usize,
    /// Reprocess calls already done with the same input, configuration, rules and model.
    pub force: bool,
    pub shard: (usize, usize),
    /// A call date's results are written once this many are ready…
    pub chunk_calls: usize,
    /// …or once the oldest of them waited this long.
    pub chunk_wait: Duration,
    pub progress: Progress,
}

impl BatchOptions {
    pub fn new(out: &Path) -> Self {
        BatchOptions {
            out: out.to_path_buf(),
            jobs: 1,
            force: false,
            shard: (0, 1),
            chunk_calls: 16,
            chunk_wait: Duration::from_secs(60),
            progress: Progress::Quiet,
        }
    }
}

#[derive(Debug, Default)]
pub struct BatchSummary {
    pub in_shard: usize,
    pub skipped: usize,
    pub ok: usize,
    pub errors: usize,
    pub audio_s: f64,
    pub wall_s: f64,
    pub repaired: Repair,
    /// Unreadable part files moved to quarantine/, one message each.
    pub quarantined: Vec<String>,
    /// Calls stored under an id of their own: their listed id holds another recording.
    pub renamed: Vec<String>,
    /// Files that cannot be read now whose stored result was kept.
    pub kept: Vec<String>,
    pub agents: Vec<AgentRow>,
}

/// Run the batch over `calls` (already listed; this function takes the shard's share).
pub fn run(
    calls: Vec<CallInput>,
    pipeline: &Pipeline,
    opts: &BatchOptions,
) -> Result<BatchSummary, BatchError> {
    let started = Instant::now();
    let (index, count) = opts.shard;
    let tag = format!("s{index}of{count}");
    let mine = |id: &str| shard_index(id, count) == index;
    std::fs::create_dir_all(&opts.out).map_err(|e| store::io_err(&opts.out, e))?;
    let _lock = store::lock::shard(&opts.out, &tag)?;
    let quarantined = store::quarantine::quarantine_unreadable(&opts.out)?;
    let mut summary = BatchSummary {
        quarantined,
        repaired: store::repair(&opts.out, &tag, mine)?,
        ..Default::default()
    };
    let done = store::done_calls(&opts.out)?;
    // verdicts recorded on earlier runs apply to the new findings too
    let reviews = Reviews::new(store::reviews::read_reviews(&opts.out)?);
    let (config_hash, asr_config_hash) = pipeline.settings().hashes();
    let run = RunInfo {
        run_id: run_id(),
        model_id: pipeline.model_id().to_string(),
        config_hash,
        asr_config_hash,
        rules_version: pipeline.rules().version.clone(),
        raw_text: pipeline.keeps_raw_text(),
    };

    let calls = super::shard(calls, index, count);
    summary.in_shard = calls.len();
    let todo = plan(calls, &done, &run, opts, &mut summary);

    let jobs = opts.jobs.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| BatchError::Input(format!("thread pool: {e}")))?;
    let bar = progress_bar(opts.progress, todo.len());
    let (tx, rx) = mpsc::channel::<(CallRows, f64)>();
    let mut writer = ChunkWriter::new(&opts.out, &run.run_id, &tag, opts);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            pool.install(|| {
                todo.iter()
                    .par_bridge()
                    .for_each_with(tx, |tx, (call, hash)| {
                        let rows = process(call, hash, pipeline, &run, &reviews);
                        let _ = tx.send(rows);
                    });
            })
        });
        let mut n = 0usize;
        loop {
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok((rows, audio_s)) => {
                    n += 1;
                    summary.audio_s += audio_s;
                    if rows.call.status == CallStatus::Ok {
                        summary.ok += 1;
                    } else {
                        summary.errors += 1;
                    }
                    report_call(
                        opts.progress,
                        bar.as_ref(),
                        n,
                        todo.len(),
                        &rows,
                        summary.audio_s,
                    );
                    writer.push(rows)?;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            writer.flush_due(false)?;
        }
        writer.flush_due(true)
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    result?;
    // a reprocessed call now has two rows: keep the new one
    let again = store::repair(&opts.out, &tag, mine)?;
    summary.repaired.stale_rows_removed += again.stale_rows_removed;
    summary.agents = store::agents::write_agents(&opts.out, &pipeline.config().aggregate)?;
    summary.wall_s = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// One call through the pipeline; a panic inside a stage becomes an error row, not a dead batch.
fn process(
    call: &CallInput,
    hash: &str,
    pipeline: &Pipeline,
    run: &RunInfo,
    reviews: &Reviews,
) -> (CallRows, f64) {
    let mut result = if let Some(problem) = &call.problem {
        Err(format!("{}: {problem}", call.path.display()))
    } else if hash.is_empty() {
        // metadata, not open: opening a FIFO would block
        Err(match content_hash(&call.path) {
            Err(e) => format!("{}: cannot read: {e}", call.path.display()),
            Ok(_) => format!("{}: cannot read", call.path.display()),
        })
    } else {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pipeline.run(call).map_err(|e| e.to_string())
        }))
        .unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            Err(format!("{}: internal error: {msg}", call.path.display()))
        })
    };
    let mut verdicts = Vec::new();
    if let Ok(r) = &mut result {
        verdicts = reviews.verdicts(&call.call_id, &r.findings);
        if verdicts.iter().any(Option::is_some) && r.transcript.is_some() {
            let (kept, confirmed) = review::kept(&r.findings, &verdicts);
            r.score = pipeline
                .config()
                .score
                .score_reviewed(&r.acoustics, Some(&kept), &confirmed);
        }
    }
    let audio_s = result.as_ref().map_or(0.0, |r| r.duration_s);
    let date = call_date(call);
    let mut rows = store::rows::call_rows(
        call,
        hash,
        &date,
        result.as_ref().map_err(Clone::clone),
        run,
        &now_iso(),
    );
    rows.call.input_key = input_key(hash, call);
    for (f, v) in rows.findings.iter_mut().zip(&verdicts) {
        f.verdict = v.map(|v| v.to_string());
    }
    (rows, audio_s)
}

/// Buffers finished calls per call date and writes each date's buffer as one chunk.
struct ChunkWriter<'a> {
    out: &'a Path,
    prefix: String,
    seq: usize,
    chunk_calls: usize,
    chunk_wait: Duration,
    pending: HashMap<String, (Instant, Vec<CallRows>)>,
}

impl<'a> ChunkWriter<'a> {
    fn new(out: &'a Path, run_id: &str, tag: &str, opts: &BatchOptions) -> Self {
        ChunkWriter {
            out,
            prefix: format!("part-{run_id}-{tag}"),
            seq: 0,
            chunk_calls: opts.chunk_calls.max(1),
            chunk_wait: opts.chunk_wait,
            pending: HashMap::new(),
        }
    }

    fn push(&mut self, rows: CallRows) -> Result<(), store::StoreError> {
        let date = rows.call.call_date.clone();
        self.pending
            .entry(date)
            .or_insert_with(|| (Instant::now(), Vec::new()))
            .1
            .push(rows);
        self.flush_due(false)
    }

    fn flush_due(&mut self, all: bool) -> Result<(), store::StoreError> {
        let due: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, (t, v))| {
                all || v.len() >= self.chunk_calls || t.elapsed() >= self.chunk_wait
            })
            .map(|(d, _)| d.clone())
            .collect();
        for date in due {
            let (_, rows) = self.pending.remove(&date).expect("listed");
            let part = format!("{}-{:05}", self.prefix, self.seq);
            self.seq += 1;
            store::write_chunk(self.out, &date, &part, &rows)?;
        }
        Ok(())
    }
}

fn progress_bar(p: Progress, n: usize) -> Option<indicatif::ProgressBar> {
    (p == Progress::Bar).then(|| {
        let bar = indicatif::ProgressBar::new(n as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} calls  {msg}  elapsed {elapsed}  ETA {eta}",
            )
            .expect("valid template"),
        );
        bar
    })
}

fn report_call(
    p: Progress,
    bar: Option<&indicatif::ProgressBar>,
    n: usize,
    total: usize,
    rows: &CallRows,
    audio_s: f64,
) {
    let c = &rows.call;
    match p {
        Progress::Bar => {
            if let Some(b) = bar {
                b.set_message(format!("{:.2} h audio", audio_s / 3600.0));
                b.inc(1);
            }
        }
        Progress::Lines => {
            let what = match (&c.error, c.score) {
                (Some(e), _) => format!("error: {e}"),
                (None, Some(s)) => format!(
                    "score {s:.0} {}",
                    if c.pass == Some(true) { "pass" } else { "FAIL" }
                ),
                _ => String::new(),
            };
            // not eprintln!: a closed stderr (`2>&1 | head`) would panic and lose the chunk
            let _ = writeln!(
                std::io::stderr().lock(),
                "callqa: [{n}/{total}] {} (agent {}) {:.1} s: {}",
                printable(&c.call_id),
                printable(&c.agent_id),
                c.duration_s.unwrap_or(0.0),
                printable(&what)
            );
        }
        Progress::Quiet => {}
    }
}

/// The call date that partitions the outputs: the manifest's `started_at`, else the file's
/// modification time (recorders write the file when the call ends), else today (UTC).
pub fn call_date(call: &CallInput) -> String {
    if let Some(d) = call.started_at.as_deref().and_then(|s| s.get(..10))
        && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
    {
        return d.to_string();
    }
    let t = std::fs::metadata(&call.path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| std::time::SystemTime::now());
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d")
        .to_string()
}

fn now_iso() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn run_id() -> String {
    format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ"),
        std::process::id()
    )
}
