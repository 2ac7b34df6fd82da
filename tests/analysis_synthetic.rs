//! Acoustic measures on synthetic calls whose truth is known by construction: tone bursts
//! placed at given times on agent (left) and customer (right), known gains, known clipping.

mod common;

use callqa::analysis::{self, AnalysisConfig, Flag};
use callqa::audio::Audio;
use callqa::call::{CallFacts, Language, Speaker};

const RATE: u32 = 16_000;

/// A channel of `dur` seconds holding a 300 Hz tone of amplitude `amp` in each [start, end).
fn channel(dur: f64, bursts: &[(f64, f64)], amp: f32) -> Vec<f32> {
    common::tone_bursts(dur, bursts, amp)
}

fn call(channels: Vec<Vec<f32>>) -> Audio {
    Audio::from_channels(RATE, channels)
}

const AGENT: [(f64, f64); 3] = [(1.0, 4.0), (6.0, 9.0), (10.0, 13.0)];
const CUSTOMER: [(f64, f64); 2] = [(3.5, 8.0), (20.0, 22.0)];

fn analysed() -> analysis::Acoustics {
    let a = call(vec![
        channel(30.0, &AGENT, 0.1),
        channel(30.0, &CUSTOMER, 0.025),
    ]);
    analysis::analyze(
        &a,
        &analysis::source_levels(&a, &AnalysisConfig::default()),
        &CallFacts::default(),
        &AnalysisConfig::default(),
    )
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn talk_time_per_speaker() {
    let m = analysed();
    assert!(m.per_speaker);
    let (agent, customer) = (&m.speakers[0], &m.speakers[1]);
    assert_eq!(
        (agent.speaker, customer.speaker),
        (Speaker::Agent, Speaker::Customer)
    );
    // VAD edges: ±(20 ms frame + 40 ms padding) per burst edge.
    assert!(close(agent.talk_s, 9.0, 0.4), "agent talk {}", agent.talk_s);
    assert!(
        close(customer.talk_s, 6.5, 0.3),
        "customer talk {}",
        customer.talk_s
    );
    assert!(close(agent.talk_share, 9.0 / 30.0, 0.015));
    assert_eq!(agent.speech.len(), 3);
    for (iv, (s, e)) in agent.speech.iter().zip(AGENT) {
        assert!(
            close(iv.start, s, 0.07) && close(iv.end, e, 0.07),
            "{iv:?} vs {s}-{e}"
        );
    }
    assert!(close(m.agent_first_response_s.unwrap(), 1.0, 0.07));
}

#[test]
fn dead_air_instances() {
    let m = analysed();
    // Nobody speaks in [13, 20) and [22, 30): 7 s and 8 s. [8, 10) and [0, 1) are under 5 s.
    assert_eq!(m.dead_air.len(), 2, "{:?}", m.dead_air);
    assert!(
        close(m.dead_air[0].start, 13.0, 0.07) && close(m.dead_air[0].end, 20.0, 0.07),
        "{:?}",
        m.dead_air
    );
    assert!(
        close(m.dead_air[1].start, 22.0, 0.07) && close(m.dead_air[1].end, 30.0, 0.01),
        "{:?}",
        m.dead_air
    );
    assert!(close(m.dead_air_s, 15.0, 0.15));
}

#[test]
fn talk_over_is_counted_per_interrupter() {
    let m = analysed();
    // The agent starts at 6 while the customer talks until 8: 2 s of talk-over by the agent.
    // The customer starting at 3.5 overlaps the agent only 0.5 s: under the 1 s threshold.
    assert_eq!(m.talk_over.len(), 1, "{:?}", m.talk_over);
    let t = m.talk_over[0];
    assert_eq!(t.interrupter, Speaker::Agent);
    assert!(
        close(t.start, 6.0, 0.07) && close(t.end, 8.0, 0.07),
        "{t:?}"
    );
    assert_eq!(
        (m.agent_talk_over_count, m.customer_talk_over_count),
        (1, 0)
    );
}

#[test]
fn loudness_matches_ebur128_and_tracks_gain() {
    let m = analysed();
    // Reference: ebur128 over the agent's tone alone, no silence.
    let tone = channel(9.0, &[(0.0, 9.0)], 0.1);
    let mut r = ebur128::EbuR128::new(1, RATE, ebur128::Mode::I).unwrap();
    r.add_frames_f32(&tone).unwrap();
    let reference = r.loudness_global().unwrap();
    let agent = m.speakers[0].loudness_lufs.unwrap();
    let customer = m.speakers[1].loudness_lufs.unwrap();
    assert!(
        close(agent, reference, 0.5),
        "agent {agent:.2} LUFS vs ebur128 {reference:.2}"
    );
    // Customer is 12.04 dB quieter (0.025 vs 0.1).
    assert!(
        close(agent - customer, 12.04, 0.5),
        "gain step {:.2} LU",
        agent - customer
    );
    assert!(close(m.speakers[0].speech_rms_dbfs.unwrap(), -23.0, 0.3));
    assert!(close(m.speakers[0].peak_dbfs.unwrap(), -20.0, 0.05));
}

#[test]
fn quiet_loud_and_clipped_speakers_are_flagged() {
    let quiet = channel(10.0, &[(1.0, 6.0)], 0.01); // ≈ -43 LUFS: heard, but too quiet
    let mut clipped = channel(10.0, &[(1.0, 6.0)], 1.6); // ≈ 4 dB over full scale
    clipped.iter_mut().for_each(|v| *v = v.clamp(-1.0, 1.0));
    let a = call(vec![quiet, clipped]);
    let m = analysis::analyze(
        &a,
        &analysis::source_levels(&a, &AnalysisConfig::default()),
        &CallFacts::default(),
        &AnalysisConfig::default(),
    );
    assert!(
        m.speakers[0].flags.contains(&Flag::TooQuiet),
        "{:?}",
        m.speakers[0].flags
    );
    let c = &m.speakers[1];
    assert!(
        c.flags.contains(&Flag::Clipping) && c.flags.contains(&Flag::TooLoud),
        "{:?}",
        c.flags
    );
    assert!(c.clipped_runs >= 1000, "{} runs", c.clipped_runs); // two per 300 Hz cycle
    assert!(!m.speakers[0].flags.contains(&Flag::Clipping));
    // An unclipped tone at -20 dBFS is neither.
    let m = analysed();
    assert!(
        !m.speakers[0]
            .flags
            .iter()
            .any(|f| matches!(f, Flag::Clipping | Flag::TooLoud | Flag::TooQuiet))
    );
    // Below the VAD's -50 dBFS floor a voice counts as silence: the call shows dead air instead.
    let whisper = channel(10.0, &[(1.0, 9.0)], 0.003);
    let a = call(vec![whisper]);
    let m = analysis::analyze(
        &a,
        &analysis::source_levels(&a, &AnalysisConfig::default()),
        &CallFacts::default(),
        &AnalysisConfig::default(),
    );
    assert_eq!(m.speakers[0].talk_s, 0.0);
    assert_eq!(m.dead_air.len(), 1);
}

#[test]
fn mono_calls_have_no_per_speaker_measures() {
    let a = call(vec![channel(30.0, &AGENT, 0.1)]);
    let m = analysis::analyze(
        &a,
        &analysis::source_levels(&a, &AnalysisConfig::default()),
        &CallFacts::default(),
        &AnalysisConfig::default(),
    );
    assert!(!m.per_speaker);
    assert_eq!(m.speakers.len(), 1);
    assert_eq!(m.speakers[0].speaker, Speaker::Mixed);
    assert!(m.talk_over.is_empty());
    assert_eq!(m.agent_first_response_s, None);
    assert_eq!(m.dead_air.len(), 1, "{:?}", m.dead_air); // [13, 30)
}

#[test]
fn transcript_units_count_characters_digits_and_words() {
    assert_eq!(
        analysis::transcript_units("您好，工号1234，很高兴为您服务。", Language::Zh),
        15
    );
    assert_eq!(analysis::transcript_units("请问 VIP 服务", Language::Zh), 5);
    assert_eq!(
        analysis::transcript_units("How can I help you today?", Language::En),
        6
    );
    // a number read digit by digit is as many words however Whisper writes it
    assert_eq!(
        analysis::transcript_units("Your card number is 1646 1216.", Language::En),
        12
    );
    assert_eq!(
        analysis::transcript_units(
            "Your card number is one six four six one two one six.",
            Language::En
        ),
        12
    );
    assert_eq!(
        analysis::transcript_units("Agent number 1,185.", Language::En),
        6
    );
}

/// A silence the agent announced (请您稍等) is a hold, not dead air; the same silence without
/// the announcement stays dead air.
#[test]
fn an_announced_hold_is_not_dead_air() {
    // agent 1–6 s, silence 6–46 s (40 s), agent 46–52 s; the customer speaks 52–56 s
    let a = call(vec![
        channel(60.0, &[(1.0, 6.0), (46.0, 52.0)], 0.1),
        channel(60.0, &[(52.0, 56.0)], 0.1),
    ]);
    let cfg = AnalysisConfig {
        zh_min_cpm: 0.0,
        ..AnalysisConfig::default()
    };
    let analysed = |said: &str| {
        let mut ac = analysis::analyze(
            &a,
            &analysis::source_levels(&a, &cfg),
            &CallFacts::default(),
            &cfg,
        );
        let t = common::transcript(
            "zh",
            &[
                (Speaker::Agent, 1.0, 6.2, said),
                (Speaker::Agent, 46.0, 52.0, "让您久等了，已经帮您查到了。"),
                (Speaker::Customer, 52.0, 56.0, "好的谢谢。"),
            ],
        );
        analysis::apply_transcript(&mut ac, &t, &cfg);
        ac
    };
    let held = analysed("好的，请您稍等，我帮您查一下。");
    assert_eq!(held.holds.len(), 1, "{:?}", held.holds);
    assert!(close(held.hold_s, 40.0, 1.0), "{}", held.hold_s);
    assert!(
        held.dead_air.iter().all(|g| g.start > 50.0),
        "the hold is not dead air: {:?}",
        held.dead_air
    );
    let silent = analysed("好的，我帮您查一下。");
    assert!(silent.holds.is_empty());
    assert!(
        silent
            .dead_air
            .iter()
            .any(|g| close(g.end - g.start, 40.0, 1.0)),
        "{:?}",
        silent.dead_air
    );
    let sc = callqa::score::ScorecardConfig::default();
    let lost = |ac: &analysis::Acoustics| {
        sc.score(ac, Some(&[]))
            .items
            .iter()
            .filter(|i| i.item == "acoustic.dead_air")
            .map(|i| i.points_lost)
            .sum::<f64>()
    };
    assert!(
        lost(&held) < lost(&silent),
        "{} vs {}",
        lost(&held),
        lost(&silent)
    );
}
