//! The statistics of the agents table, against published values.

use callqa::aggregate::{AggregateConfig, CallStat, aggregate, quantile, t_975};

#[test]
fn t_quantiles_match_published_tables() {
    // Student's t, 97.5th percentile (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2)
    for (df, t) in [
        (1, 12.706),
        (5, 2.571),
        (30, 2.042),
        (40, 2.021),
        (60, 2.000),
        (100, 1.984),
        (1000, 1.962),
    ] {
        assert!(
            (t_975(df) - t).abs() < 0.0015,
            "df {df}: {} vs {t}",
            t_975(df)
        );
    }
}

#[test]
fn quantiles_interpolate_linearly_like_numpy() {
    // numpy.quantile([10, 20, 30, 40], [0.1, 0.5]) == [13.0, 25.0]
    let x = [10.0, 20.0, 30.0, 40.0];
    assert_eq!(quantile(&x, 0.1), Some(13.0));
    assert_eq!(quantile(&x, 0.5), Some(25.0));
    assert_eq!(quantile(&[7.0], 0.1), Some(7.0));
    assert_eq!(quantile(&[], 0.5), None);
}

fn stat(id: &str, agent: &str, date: &str, score: Option<f64>, findings: &[&str]) -> CallStat {
    CallStat {
        call_id: id.into(),
        agent_id: agent.into(),
        team: "t".into(),
        call_date: date.into(),
        ok: score.is_some(),
        score,
        pass: score.map(|s| s >= 85.0),
        auto_fail: score.map(|s| s == 0.0),
        rate_per_min: score.map(|_| 200.0),
        loudness_lufs: None,
        escalation: Some(false),
        needs_review: Some(false),
        findings: findings.iter().map(|f| f.to_string()).collect(),
    }
}

#[test]
fn agents_are_grouped_by_month_with_errors_counted_apart() {
    let stats = vec![
        stat("1", "A", "2026-10-31", Some(90.0), &[]),
        stat("2", "A", "2026-11-01", Some(60.0), &["r1", "r2"]),
        stat("3", "A", "2026-11-02", Some(0.0), &["r1"]),
        stat("4", "A", "2026-11-03", None, &[]),
        stat("5", "B", "2026-11-03", Some(100.0), &[]),
    ];
    let rows = aggregate(&stats, &AggregateConfig { min_calls: 2 }, true);
    let keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.agent_id.as_str(), r.period.as_str()))
        .collect();
    assert_eq!(keys, [("A", "2026-10"), ("A", "2026-11"), ("B", "2026-11")]);
    let nov = &rows[1];
    assert_eq!((nov.calls, nov.error_calls), (2, 1));
    assert_eq!(nov.mean_score, Some(30.0));
    assert_eq!(nov.fail_rate, Some(1.0));
    assert_eq!(nov.auto_fail_calls, 1);
    assert_eq!(nov.findings_by_rule, r#"{"r1":2,"r2":1}"#);
    assert!(!nov.low_evidence);
    // sd of [60, 0] is 42.43; ±12.706·42.43/√2 is clipped to 0–100
    assert_eq!((nov.ci95_low, nov.ci95_high), (Some(0.0), Some(100.0)));
    // one call: no interval, low evidence
    assert_eq!((rows[0].ci95_low, rows[0].low_evidence), (None, true));
    let all = aggregate(&stats, &AggregateConfig::default(), false);
    assert_eq!(
        all.iter().map(|r| r.period.as_str()).collect::<Vec<_>>(),
        ["all", "all"]
    );
    assert_eq!(all[0].calls, 3);
}
