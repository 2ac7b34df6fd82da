//! The HTML report: summary, then one row per agent (worst first) with its charts.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::ReportFilter;
use super::table::{ci_text, num, percent};
use crate::aggregate::{AgentRow, CallStat};

pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Dots for every call's score on a 0–100 axis, with the mean and its 95% interval.
fn distribution_svg(scores: &[f64], r: &AgentRow) -> String {
    let (w, h) = (220.0, 28.0);
    let x = |v: f64| 10.0 + v.clamp(0.0, 100.0) / 100.0 * (w - 20.0);
    let mut s = format!(
        r##"<svg class="dist" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"><title>scores of {}</title><line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#bbb"/>"##,
        esc(&r.agent_id),
        x(0.0),
        x(100.0),
        h / 2.0,
        h / 2.0
    );
    for (i, v) in scores.iter().enumerate() {
        let jitter = ((i * 7) % 9) as f64 - 4.0;
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}" fill-opacity="0.6"/>"##,
            x(*v),
            h / 2.0 + jitter,
            if *v < 60.0 { "#c0392b" } else { "#2c7fb8" }
        );
    }
    if let (Some(l), Some(hi)) = (r.ci95_low, r.ci95_high) {
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{}" width="{:.1}" height="6" fill="#333" fill-opacity="0.25"/>"##,
            x(l),
            h - 7.0,
            (x(hi) - x(l)).max(1.0)
        );
    }
    if let Some(m) = r.mean_score {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="2" y2="{1}" stroke="#000" stroke-width="2"/>"##,
            x(m),
            h - 2.0
        );
    }
    s + "</svg>"
}

/// Daily mean score as a line over the report's dates.
fn trend_svg(daily: &BTreeMap<String, (f64, usize)>, dates: &[String], agent: &str) -> String {
    let (w, h) = (220.0, 40.0);
    let n = dates.len().max(2) as f64 - 1.0;
    let x = |i: usize| 5.0 + i as f64 / n * (w - 10.0);
    let y = |v: f64| 4.0 + (100.0 - v.clamp(0.0, 100.0)) / 100.0 * (h - 8.0);
    let pts: Vec<String> = dates
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            daily
                .get(d)
                .map(|(sum, k)| format!("{:.1},{:.1}", x(i), y(sum / *k as f64)))
        })
        .collect();
    let mut s = format!(
        r##"<svg class="trend" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"><title>daily mean score of {}</title><line x1="5" x2="{}" y1="{2:.1}" y2="{2:.1}" stroke="#ddd"/>"##,
        esc(agent),
        w - 5.0,
        y(85.0)
    );
    if pts.len() > 1 {
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#2c7fb8" stroke-width="1.5"/>"##,
            pts.join(" ")
        );
    }
    for p in &pts {
        let (cx, cy) = p.split_once(',').expect("x,y");
        let _ = write!(s, r##"<circle cx="{cx}" cy="{cy}" r="2" fill="#2c7fb8"/>"##);
    }
    s + "</svg>"
}

/// The HTML report: summary, then one row per agent (worst first) with both charts.
pub fn html(rows: &[AgentRow], stats: &[CallStat], filter: &ReportFilter, title: &str) -> String {
    let mut dates: Vec<String> = stats.iter().map(|s| s.call_date.clone()).collect();
    dates.sort();
    dates.dedup();
    let scored: Vec<&CallStat> = stats.iter().filter(|s| s.ok).collect();
    let fails = scored.iter().filter(|s| s.pass == Some(false)).count();
    let mut s = String::from("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        s,
        "<title>{}</title><style>\
body{{font:14px system-ui,sans-serif;margin:24px;color:#222}}\
table{{border-collapse:collapse}}td,th{{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}}\
td.l,th.l{{text-align:left}}tr.low td{{color:#888}}.bad{{color:#c0392b;font-weight:600}}\
</style></head><body><h1>{}</h1>",
        esc(title),
        esc(title)
    );
    let _ = write!(
        s,
        "<p>{} calls scored, {} failed ({}), {} errors, {} agents; dates {} to {}{}{}.</p>",
        scored.len(),
        fails,
        if scored.is_empty() {
            "-".into()
        } else {
            format!("{:.0}%", 100.0 * fails as f64 / scored.len() as f64)
        },
        stats.len() - scored.len(),
        rows.len(),
        esc(dates.first().map_or("-", |d| d)),
        esc(dates.last().map_or("-", |d| d)),
        filter
            .team
            .as_ref()
            .map_or(String::new(), |t| format!("; team {}", esc(t))),
        filter
            .since
            .as_ref()
            .map_or(String::new(), |d| format!("; since {}", esc(d))),
    );
    s += "<p>Dots: each call's score (red under 60); black line: mean; grey bar: 95% confidence \
          interval of the mean. Trend: daily mean score, grey line at 85. Grey rows: too few \
          calls to judge (low evidence). Escalated: calls in which the customer asked for a \
          supervisor or threatened a complaint or publicity (tag rules; they cost no points). To review: \
          mono calls whose auto-fail finding may be the customer's words, kept at their score \
          until a person listens.</p>";
    s += "<table><thead><tr><th class=\"l\">agent</th><th class=\"l\">team</th><th>calls</th>\
          <th>errors</th><th>mean</th><th>95% CI</th><th>median</th><th>p10</th><th>fail rate</th>\
          <th>findings</th><th>escalated</th><th>to review</th><th class=\"l\">score distribution</th><th class=\"l\">trend</th></tr></thead><tbody>";
    for r in rows {
        let mine: Vec<&&CallStat> = scored
            .iter()
            .filter(|c| c.agent_id == r.agent_id && c.team == r.team)
            .collect();
        let scores: Vec<f64> = mine.iter().filter_map(|c| c.score).collect();
        let mut daily: BTreeMap<String, (f64, usize)> = BTreeMap::new();
        for c in &mine {
            if let Some(v) = c.score {
                let e = daily.entry(c.call_date.clone()).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
        let ci = ci_text(r);
        let _ = write!(
            s,
            "<tr{}><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td>\
             <td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            if r.low_evidence { " class=\"low\"" } else { "" },
            esc(&r.agent_id),
            esc(&r.team),
            r.calls,
            r.error_calls,
            if r.mean_score.is_some_and(|m| m < 85.0) {
                " class=\"bad\""
            } else {
                ""
            },
            num(r.mean_score, 1),
            ci,
            num(r.median_score, 1),
            num(r.p10_score, 1),
            percent(r.fail_rate),
            r.findings_total,
            r.escalated_calls,
            r.review_calls,
            distribution_svg(&scores, r),
            trend_svg(&daily, &dates, &r.agent_id),
        );
    }
    s + "</tbody></table></body></html>\n"
}
