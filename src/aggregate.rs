//! Stage: aggregation. Per agent, team and month, how the agent's scored calls went, with a 95%
//! confidence interval of the mean score so that a manager can tell a bad month from bad luck.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `[aggregate]` table of the config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AggregateConfig {
    /// Fewer scored calls than this in a period: `low_evidence` (the interval is too wide to act on).
    pub min_calls: usize,
}

impl Default for AggregateConfig {
    fn default() -> Self {
        AggregateConfig { min_calls: 10 }
    }
}

/// What aggregation needs of one `calls` row.
#[derive(Debug, Clone, PartialEq)]
pub struct CallStat {
    pub call_id: String,
    pub agent_id: String,
    pub team: String,
    pub call_date: String,
    pub ok: bool,
    pub score: Option<f64>,
    pub pass: Option<bool>,
    pub auto_fail: Option<bool>,
    pub rate_per_min: Option<f64>,
    pub loudness_lufs: Option<f64>,
    pub escalation: Option<bool>,
    /// An auto-fail finding waits for a person (a mono call whose words may be the customer's).
    pub needs_review: Option<bool>,
    /// Rule ids of the call's findings (one entry per finding).
    pub findings: Vec<String>,
}

/// One `agents` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRow {
    pub agent_id: String,
    pub team: String,
    /// Calendar month of the calls, `YYYY-MM`.
    pub period: String,
    /// Scored calls (status ok).
    pub calls: i64,
    pub error_calls: i64,
    pub mean_score: Option<f64>,
    pub median_score: Option<f64>,
    pub p10_score: Option<f64>,
    pub sd_score: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub fail_rate: Option<f64>,
    pub auto_fail_calls: i64,
    /// Scored calls a customer escalated (an escalation tag fired).
    pub escalated_calls: i64,
    /// Scored calls whose auto-fail finding waits for a person: their score may yet drop to 0.
    pub review_calls: i64,
    pub findings_total: i64,
    /// Finding counts by rule id, as a JSON object.
    pub findings_by_rule: String,
    pub mean_rate_per_min: Option<f64>,
    pub mean_loudness_lufs: Option<f64>,
    pub low_evidence: bool,
    pub first_call_date: String,
    pub last_call_date: String,
}

/// Per agent, team and month (`by_month`; else one period, `all`). Sorted by agent, team, period.
pub fn aggregate(stats: &[CallStat], cfg: &AggregateConfig, by_month: bool) -> Vec<AgentRow> {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&CallStat>> = BTreeMap::new();
    for s in stats {
        let period = match by_month {
            true => s.call_date.get(..7).unwrap_or(&s.call_date),
            false => "all",
        };
        groups
            .entry((&s.agent_id, &s.team, period))
            .or_default()
            .push(s);
    }
    groups
        .into_iter()
        .map(|((agent, team, period), calls)| {
            let ok: Vec<&&CallStat> = calls.iter().filter(|c| c.ok).collect();
            let mut scores: Vec<f64> = ok.iter().filter_map(|c| c.score).collect();
            scores.sort_by(f64::total_cmp);
            let n = scores.len();
            let mean_score = mean(&scores);
            let sd = sd(&scores);
            let half = match (sd, n) {
                (Some(sd), n) if n >= 2 => Some(t_975(n - 1) * sd / (n as f64).sqrt()),
                _ => None,
            };
            let mut by_rule: BTreeMap<&str, i64> = BTreeMap::new();
            for f in ok.iter().flat_map(|c| &c.findings) {
                *by_rule.entry(f).or_default() += 1;
            }
            let dates: Vec<&str> = calls.iter().map(|c| c.call_date.as_str()).collect();
            let opt_mean = |f: fn(&CallStat) -> Option<f64>| {
                mean(&ok.iter().filter_map(|c| f(c)).collect::<Vec<_>>())
            };
            AgentRow {
                agent_id: agent.into(),
                team: team.into(),
                period: period.into(),
                calls: n as i64,
                error_calls: (calls.len() - ok.len()) as i64,
                mean_score,
                median_score: quantile(&scores, 0.5),
                p10_score: quantile(&scores, 0.1),
                sd_score: sd,
                // scores cannot leave 0–100: neither can the interval
                ci95_low: mean_score.zip(half).map(|(m, h)| (m - h).max(0.0)),
                ci95_high: mean_score.zip(half).map(|(m, h)| (m + h).min(100.0)),
                fail_rate: (n > 0)
                    .then(|| ok.iter().filter(|c| c.pass == Some(false)).count() as f64 / n as f64),
                auto_fail_calls: ok.iter().filter(|c| c.auto_fail == Some(true)).count() as i64,
                escalated_calls: ok.iter().filter(|c| c.escalation == Some(true)).count() as i64,
                review_calls: ok.iter().filter(|c| c.needs_review == Some(true)).count() as i64,
                findings_total: by_rule.values().sum(),
                findings_by_rule: serde_json::to_string(&by_rule).expect("map serialises"),
                mean_rate_per_min: opt_mean(|c| c.rate_per_min),
                mean_loudness_lufs: opt_mean(|c| c.loudness_lufs),
                low_evidence: n < cfg.min_calls,
                first_call_date: dates.iter().min().copied().unwrap_or_default().into(),
                last_call_date: dates.iter().max().copied().unwrap_or_default().into(),
            }
        })
        .collect()
}

fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample standard deviation (n − 1).
fn sd(x: &[f64]) -> Option<f64> {
    let m = mean(x)?;
    (x.len() >= 2)
        .then(|| (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt())
}

/// Linear interpolation between order statistics (numpy's default, polars' "linear").
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// The 97.5th percentile of Student's t with `df` degrees of freedom: exact to 3 decimals from
/// the table up to 30, Cornish–Fisher expansion above (error < 0.001 there).
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if (1..=30).contains(&df) {
        return TABLE[df - 1];
    }
    let z: f64 = 1.959_963_985;
    let v = df.max(1) as f64;
    z + (z.powi(3) + z) / (4.0 * v)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
}
