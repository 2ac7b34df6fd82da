//! What a batch run has to do: each listed call's content hash, the id of its recording
//! ([`super::identity`]), and whether a stored row of the same input, configuration, rules and
//! model already holds its result.

use std::collections::HashMap;

use rayon::prelude::*;

use super::run::{BatchOptions, BatchSummary};
use super::{content_hash, identity};
use crate::call::{CallInput, CallMeta, CallStatus};
use crate::store::{self, RunInfo};

/// The shard's calls still to do, longest first, each with its content hash: a call under an
/// id that holds another recording gets its own id ([`identity`]); the rest are counted as
/// done (`summary.skipped`), with a note where a stored result is kept for an unreadable file.
pub(super) fn plan(
    calls: Vec<CallInput>,
    done: &HashMap<String, store::Done>,
    run: &RunInfo,
    opts: &BatchOptions,
    summary: &mut BatchSummary,
) -> Vec<(CallInput, String)> {
    let mut hashed: Vec<(CallInput, String)> = calls
        .into_par_iter()
        .map(|c| {
            let hash = if c.problem.is_some() {
                String::new()
            } else {
                content_hash(&c.path).unwrap_or_default()
            };
            (c, hash)
        })
        .collect();
    summary.renamed = identity::assign(&mut hashed, done);
    let mut todo: Vec<(CallInput, String)> = Vec::new();
    let mut transcribed_kept = 0;
    for (c, hash) in hashed {
        let stored = done.get(&c.call_id);
        let path = crate::call::os_text(c.path.as_os_str());
        if identity::keeps_stored_result(&hash, &path, stored) {
            summary.kept.push(format!(
                "{path}: cannot be read now; the result stored for call {} is kept",
                c.call_id
            ));
            continue;
        }
        // a run without transcription would replace transcripts, findings and the verdicts'
        // footing with acoustic measures alone
        let transcribed = |d: &store::Done| {
            d.status == CallStatus::Ok && d.model_id != "none" && d.content_hash == hash
        };
        if run.model_id == "none" && !opts.force && stored.is_some_and(transcribed) {
            transcribed_kept += 1;
            continue;
        }
        let key = store::resume_key(
            &input_key(&hash, &c),
            &run.config_hash,
            &run.model_id,
            &run.rules_version,
        );
        // an unreadable file (no hash) is always retried: it may be readable now
        if opts.force || hash.is_empty() || stored.is_none_or(|d| d.key != key) {
            todo.push((c, hash));
        }
    }
    if transcribed_kept > 0 {
        summary.kept.push(format!(
            "{transcribed_kept} calls transcribed before are kept as they are: a --no-asr run does \
             not replace a transcribed result (--force does)"
        ));
    }
    summary.skipped = summary.in_shard - todo.len();
    // longest first (by file size), handed out in that order: a batch must not end on one long
    // call while the other workers idle
    todo.sort_by_key(|(c, hash)| {
        // no hash: unreadable, and a FIFO's metadata is all it may be asked
        let size = if hash.is_empty() {
            0
        } else {
            std::fs::metadata(&c.path).map_or(0, |m| m.len())
        };
        std::cmp::Reverse(size)
    });
    todo
}

/// What the call's result depends on besides the configuration: the file's bytes and the
/// manifest's per-call agent channel and language.
pub(super) fn input_key(content_hash: &str, call: &CallInput) -> String {
    let no_meta = call.meta == CallMeta::default();
    if call.agent_channel.is_none()
        && call.language.is_none()
        && call.mono_agent.is_none()
        && no_meta
    {
        return content_hash.to_string();
    }
    // the manifest's text, as it was hashed when the language was a string
    let language = call.language.map(|l| l.to_string());
    let mut extra = format!("{content_hash}/{:?}/{language:?}", call.agent_channel);
    if let Some(m) = call.mono_agent {
        extra += &format!("/{m}");
    }
    if !no_meta {
        // the metadata decides which rules apply
        extra += &format!("/{:?}", call.meta);
    }
    blake3::hash(extra.as_bytes()).to_hex()[..32].to_string()
}
