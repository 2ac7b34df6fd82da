//! Call metadata from the manifest (ring time, transfers, who hung up) and the rules whose
//! `when` reads it: a late answer needs an apology, an agent hang-up is flagged; a misspelt
//! column stops the batch, a bad value is that call's error row.

mod common;

use callqa::call::{CallMeta, Speaker};
use callqa::rules::RuleSet;
use common::{callqa, repo, transcript};

fn rules() -> RuleSet {
    RuleSet::parse(&callqa::rules::starter_rules("蓝河银行", "Blue River Bank")).unwrap()
}

fn meta(cells: &[(&str, &str)]) -> CallMeta {
    let mut m = CallMeta::default();
    for (k, v) in cells {
        m.set(k, v).unwrap();
    }
    m
}

fn fired(tr: &callqa::asr::Transcript, m: &CallMeta) -> Vec<String> {
    rules()
        .scan_call(tr, 60.0, m)
        .into_iter()
        .map(|f| f.rule_id)
        .collect()
}

#[test]
fn a_late_answer_needs_an_apology_and_a_transfer_an_explanation() {
    let greeting = (
        Speaker::Agent,
        0.5,
        4.0,
        "您好，蓝河银行，工号3021，很高兴为您服务。",
    );
    let sorry = (Speaker::Agent, 4.2, 6.0, "让您久等了。");
    let closing = (Speaker::Agent, 50.0, 55.0, "感谢您的来电，再见。");
    let late = "zh.required.late_answer_apology";
    let plain = transcript("zh", &[greeting, closing]);
    assert!(fired(&plain, &meta(&[("ring_s", "20")])).contains(&late.to_string()));
    assert!(!fired(&plain, &meta(&[("ring_s", "8")])).contains(&late.to_string()));
    assert!(
        !fired(&plain, &meta(&[])).contains(&late.to_string()),
        "no ring time: not judged"
    );
    let apologised = transcript("zh", &[greeting, sorry, closing]);
    assert!(!fired(&apologised, &meta(&[("ring_s", "20")])).contains(&late.to_string()));
    // the apology must come in the first 15 s
    let too_late = transcript(
        "zh",
        &[greeting, (Speaker::Agent, 30.0, 32.0, "不好意思"), closing],
    );
    assert!(fired(&too_late, &meta(&[("ring_s", "20")])).contains(&late.to_string()));
    // as Whisper wrote 工号九七四四，久等了 on a service call: 久 as the digit 9
    let heard = transcript(
        "zh",
        &[
            (
                Speaker::Agent,
                0.5,
                5.0,
                "下午好,欢迎致电蓝河银行,公后97449等了。",
            ),
            closing,
        ],
    );
    assert!(!fired(&heard, &meta(&[("ring_s", "43")])).contains(&late.to_string()));

    let transfer = "zh.required.transfer_explained";
    assert!(fired(&plain, &meta(&[("transferred", "true")])).contains(&transfer.to_string()));
    let explained = transcript(
        "zh",
        &[
            greeting,
            (Speaker::Agent, 30.0, 33.0, "我帮您转接到信用卡中心。"),
            closing,
        ],
    );
    assert!(!fired(&explained, &meta(&[("transferred", "yes")])).contains(&transfer.to_string()));

    let findings = rules().scan_call(
        &plain,
        60.0,
        &meta(&[("hangup_by", "agent"), ("ring_s", "20")]),
    );
    let hung = findings
        .iter()
        .find(|f| f.rule_id == "agent.flag.hung_up")
        .unwrap();
    assert_eq!(
        (hung.speaker, hung.evidence.as_str()),
        (Speaker::Agent, "hangup_by = agent")
    );
    let apology = findings.iter().find(|f| f.rule_id == late).unwrap();
    assert!(
        apology.evidence.ends_with("(ring_s = 20)"),
        "{}",
        apology.evidence
    );
    assert!(
        !fired(&plain, &meta(&[("hangup_by", "customer")])).contains(&"agent.flag.hung_up".into())
    );
}

/// End to end on a real Mandarin call (its agent greets without apologising): the manifest's
/// metadata reaches `calls`, the findings and the score, survives a rescore, and a bad column
/// or cell is reported as the issue asks.
#[test]
fn the_batch_reads_metadata_columns_from_the_manifest() {
    let dir = common::tempdir().unwrap();
    let d = dir.path();
    let rules_path = d.join("rules.toml");
    let rules_text = callqa::rules::starter_rules("蓝河银行", "Blue River Bank");
    std::fs::write(&rules_path, &rules_text).unwrap();
    let audio = repo("tests/fixtures/speech/call_zh_service.wav");
    let audio = audio.to_str().unwrap();
    let model = common::model_path();
    let run = |manifest: &str, out: &str| {
        let m = d.join(format!("{out}.csv"));
        std::fs::write(&m, manifest).unwrap();
        let out = d.join(out);
        let rules = rules_path.to_str().unwrap();
        let args = ["batch", m.to_str().unwrap(), "--out", out.to_str().unwrap()];
        let more = [
            "--model",
            model.to_str().unwrap(),
            "--rules",
            rules,
            "--quiet",
        ];
        (callqa(&[&args[..], &more[..]].concat()), out)
    };

    // a misspelt column: nothing runs, and the message names it and the right spelling
    let ((code, _, err), _) = run(&format!("path,call_id,rign_s\n{audio},x,20\n"), "typo");
    assert_eq!(code, 1);
    assert!(err.contains("rign_s") && err.contains("ring_s"), "{err}");

    let manifest = format!(
        "path,call_id,agent_id,ring_s,hangup_by,csat\n\
         {audio},late,A1,20,agent,2\n\
         {audio},prompt,A1,8,,5\n\
         {audio},bad,A1,soon,,\n"
    );
    let ((code, _, err), out) = run(&manifest, "out");
    assert_eq!(code, 0, "{err}");
    let q = |sql: &str| callqa::store::query(&out, sql).unwrap();
    let calls = q(
        "SELECT call_id, status, error, ring_s, hangup_by, csat, score FROM calls ORDER BY call_id",
    );
    let ids = callqa::store::strings(&calls, "call_id");
    let errors = callqa::store::strings(&calls, "error");
    let bad = ids
        .iter()
        .position(|i| i.as_deref() == Some("bad"))
        .unwrap();
    let e = errors[bad].as_deref().unwrap();
    assert!(e.contains("ring_s") && e.contains("soon"), "{e}");
    let ring = callqa::store::floats(&calls, "ring_s");
    let late = ids
        .iter()
        .position(|i| i.as_deref() == Some("late"))
        .unwrap();
    let prompt = ids
        .iter()
        .position(|i| i.as_deref() == Some("prompt"))
        .unwrap();
    assert_eq!((ring[late], ring[prompt]), (Some(20.0), Some(8.0)));
    assert_eq!(
        callqa::store::strings(&calls, "hangup_by")[late].as_deref(),
        Some("agent")
    );
    let score = callqa::store::floats(&calls, "score");
    assert!(score[late].unwrap() < score[prompt].unwrap(), "{score:?}");

    let rule_ids = |call: &str| -> Vec<String> {
        let f = q(&format!(
            "SELECT rule_id FROM findings WHERE call_id = '{call}' ORDER BY rule_id"
        ));
        callqa::store::strings(&f, "rule_id")
            .into_iter()
            .flatten()
            .collect()
    };
    let late_rules = rule_ids("late");
    for r in ["zh.required.late_answer_apology", "agent.flag.hung_up"] {
        assert!(late_rules.contains(&r.to_string()), "{late_rules:?}");
        assert!(!rule_ids("prompt").contains(&r.to_string()));
    }

    // a house that allows 30 s of ringing: the rescore reads the stored ring time again
    std::fs::write(
        &rules_path,
        rules_text.replace("ring_s > 15", "ring_s > 30"),
    )
    .unwrap();
    let rules = rules_path.to_str().unwrap();
    let rates = |out: &std::path::Path| {
        let calls =
            callqa::store::query(out, "SELECT agent_rate_per_min FROM calls ORDER BY call_id")
                .unwrap();
        callqa::store::floats(&calls, "agent_rate_per_min")
    };
    let counted = rates(&out);
    let (code, _, err) = callqa(&["rescore", "--out", out.to_str().unwrap(), "--rules", rules]);
    assert_eq!(code, 0, "{err}");
    // the card number read back is masked in the stored text; its digits were still said (the
    // stored acoustics' JSON may read back a last bit off)
    let same = |a: &Option<f64>, b: &Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs(),
        _ => a == b,
    };
    let rescored = rates(&out);
    assert!(
        rescored.len() == counted.len() && rescored.iter().zip(&counted).all(|(a, b)| same(a, b)),
        "{rescored:?} against {counted:?}"
    );
    let late_rules = rule_ids("late");
    assert!(!late_rules.contains(&"zh.required.late_answer_apology".to_string()));
    assert!(late_rules.contains(&"agent.flag.hung_up".to_string()));
}

/// `check` takes the call record on the command line, checked like a manifest's cells.
#[test]
fn check_reads_the_call_record_from_meta_flags() {
    let dir = common::tempdir().unwrap();
    let rules = common::bank_rules_file(dir.path());
    let audio = repo("tests/fixtures/speech/call_zh_service.wav");
    let model = common::model_path();
    let base = [
        "check",
        "--model",
        model.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        audio.to_str().unwrap(),
    ];
    // a misspelt column or a bad value: no run, the message names the cell and the columns
    for (bad, says) in [
        ("rign_s=40", "not a metadata column"),
        ("ring_s=soon", "ring_s"),
    ] {
        let (code, _, err) = callqa(&[&base[..], &["--meta", bad]].concat());
        assert_ne!(code, 0);
        assert!(err.contains(bad) && err.contains(says), "{err}");
        assert!(
            err.contains("hangup_by") && !err.contains("panicked"),
            "{err}"
        );
    }
    let (code, out, err) = callqa(
        &[
            &base[..],
            &["--meta", "ring_s=40", "--meta", "hangup_by=agent"],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("agent.flag.hung_up"), "{out}");
    assert!(out.contains("zh.required.late_answer_apology"), "{out}");
    assert!(out.contains("ring_s = 40"), "{out}");
}
