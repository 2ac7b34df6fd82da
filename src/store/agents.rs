//! The `agents` table: the aggregation of every committed call, rebuilt after each run.

use std::collections::BTreeMap;
use std::path::Path;

use super::rows::agents_frame;
use super::{StoreError, parts, read_calls, read_findings};
use crate::aggregate::{AgentRow, AggregateConfig, CallStat, aggregate};
use crate::call::{CallStatus, Verdict};

/// Read what aggregation needs from the committed parts of the dataset.
pub fn load_stats(out: &Path) -> Result<Vec<CallStat>, StoreError> {
    let mut stats = Vec::new();
    for part in parts(out, "calls")? {
        let mut by_call: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // a finding a reviewer rejected is not the agent's
        for f in read_findings(out, &part)?
            .into_iter()
            .filter(|f| f.verdict.as_deref().and_then(|v| v.parse().ok()) != Some(Verdict::Reject))
        {
            by_call.entry(f.call_id).or_default().push(f.rule_id);
        }
        for c in read_calls(out, &part)? {
            stats.push(CallStat {
                findings: by_call.remove(&c.call_id).unwrap_or_default(),
                call_id: c.call_id,
                agent_id: c.agent_id,
                team: c.team,
                call_date: c.call_date,
                ok: c.status == CallStatus::Ok,
                score: c.score,
                pass: c.pass,
                auto_fail: c.auto_fail,
                rate_per_min: c.agent_rate_per_min,
                loudness_lufs: c.agent_loudness_lufs,
                escalation: c.escalation,
                needs_review: c.needs_review,
            });
        }
    }
    Ok(stats)
}

/// Rebuild `agents/agents.parquet` from every committed call; returns its rows.
pub fn write_agents(out: &Path, cfg: &AggregateConfig) -> Result<Vec<AgentRow>, StoreError> {
    let rows = aggregate(&load_stats(out)?, cfg, true);
    let path = out.join("agents").join("agents.parquet");
    let mut df = agents_frame(&rows).map_err(|e| super::pq_err(&path, e))?;
    super::write_parquet(&path, &mut df)?;
    Ok(rows)
}
