//! Speaker separation: the encoder against the reference implementation, and the separation
//! of real two-voice and one-voice recordings.

mod common;

use callqa::call::{MonoAgent, RoleSource, Speaker};
use callqa::diarize::{DiarizeConfig, Diarizer, VoiceEncoder, cosine};
use callqa::rules::RuleSet;
use common::{encoder_path, repo};

fn mono16k(path: &str) -> Vec<f32> {
    let a = callqa::audio::resample(callqa::audio::decode(&repo(path)).unwrap()).unwrap();
    assert_eq!(a.channels.len(), 1, "{path}");
    a.channels.into_iter().next().unwrap()
}

/// tests/fixtures/voice_encoder_reference.json holds resemblyzer 0.1.4's own output (torch
/// 2.5.1, librosa 0.11; tools/voice_encoder_reference.py) for three real clips. Tolerance: mel
/// values within 0.1 % (FFT rounding), embeddings within 2e-3 per dimension (f32 sums in
/// another order through 160 LSTM steps).
#[test]
fn encoder_matches_the_reference_implementation() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/voice_encoder_reference.json")).unwrap(),
    )
    .unwrap();
    let enc = VoiceEncoder::load(&encoder_path()).unwrap();
    for clip in reference["clips"].as_array().unwrap() {
        let name = clip["clip"].as_str().unwrap();
        let wav = mono16k(name);
        assert_eq!(wav.len() as u64, clip["samples"].as_u64().unwrap());
        let floats = |k: &str| -> Vec<f32> {
            clip[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        };
        let (embed, partials) = enc.embed_utterance(&wav);
        assert_eq!(
            partials.len() as u64,
            clip["partials"].as_u64().unwrap(),
            "{name}"
        );

        let mel = enc.mel(&wav);
        for (ours, theirs) in mel[10].iter().zip(floats("mel_frame_10")) {
            assert!(
                (ours - theirs).abs() <= 1e-3 * theirs.abs() + 1e-7,
                "{name}: mel {ours} vs {theirs}"
            );
        }
        for (ours, theirs) in [
            (&embed, floats("embedding")),
            (&partials[0], floats("first_partial")),
        ] {
            let worst = ours
                .iter()
                .zip(&theirs)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(worst <= 2e-3, "{name}: embedding off by {worst}");
            assert!(cosine(ours, &theirs) > 0.9999, "{name}");
        }
    }
}

/// Share of the frames where exactly one channel of `stereo` speaks that `d` gives to that
/// channel's voice (voices mapped to channels the better way round).
fn frames_right(stereo: &[Vec<f32>], d: &callqa::diarize::Diarization) -> f64 {
    let vad = callqa::audio::VadConfig::default();
    let n = stereo[0].len() / 160 + 1;
    let mut truth = vec![[false; 2]; n];
    for (ch, x) in stereo.iter().enumerate() {
        for i in callqa::audio::speech_intervals(x, 16_000, &vad) {
            let (a, b) = (
                (i.start * 100.0) as usize,
                ((i.end * 100.0) as usize).min(n),
            );
            truth[a.min(b)..b].iter_mut().for_each(|t| t[ch] = true);
        }
    }
    let mut hyp = vec![None; n];
    for t in &d.turns {
        let (a, b) = (
            (t.start * 100.0) as usize,
            ((t.end * 100.0) as usize).min(n),
        );
        hyp[a.min(b)..b].iter_mut().for_each(|h| *h = Some(t.voice));
    }
    let single: Vec<usize> = (0..n).filter(|&f| truth[f][0] != truth[f][1]).collect();
    let right = |agent: usize| {
        single
            .iter()
            .filter(|&&f| hyp[f] == Some(if truth[f][0] { agent } else { 1 - agent }))
            .count()
    };
    right(0).max(right(1)) as f64 / single.len() as f64
}

/// A stereo call at 16 kHz, and its two channels summed to one (as a mono recorder stores it).
fn mixed(path: &str) -> (callqa::audio::Audio, Vec<f32>) {
    let call = callqa::audio::resample(callqa::audio::decode(&repo(path)).unwrap()).unwrap();
    let mono = call.channels[0]
        .iter()
        .zip(&call.channels[1])
        .map(|(a, b)| a + b)
        .collect();
    (call, mono)
}

#[test]
fn two_voices_separate_and_one_voice_stays_one() {
    let d = Diarizer::load(&encoder_path(), DiarizeConfig::default()).unwrap();
    let (call, mono) = mixed("tests/fixtures/speech/call_zh_service.wav");
    let both = d.diarize(&mono);
    assert_eq!(both.voices, 2, "{both:?}");
    let right = frames_right(&call.channels, &both);
    assert!(right >= 0.9, "{:.1}% of speech frames right", 100.0 * right);
    assert_eq!(both.turns[0].voice, 0, "voice 0 is heard first");
    // one channel per voice: each sample of a turn on its voice's channel, silence elsewhere
    let chans = both.split(mono.clone(), 16_000);
    assert_eq!(chans.len(), 2);
    let mut owner = vec![None; mono.len()];
    for t in &both.turns {
        let (a, b) = (
            (t.start * 16e3) as usize,
            ((t.end * 16e3) as usize).min(mono.len()),
        );
        owner[a..b].iter_mut().for_each(|o| *o = Some(t.voice));
    }
    for (i, o) in owner.iter().enumerate() {
        let want = |v: usize| if *o == Some(v) { mono[i] } else { 0.0 };
        assert_eq!((chans[0][i], chans[1][i]), (want(0), want(1)), "sample {i}");
    }

    // the agent's channel alone, and a real one-voice recording: one voice
    for (what, x) in [
        ("agent channel", call.channels[0].clone()),
        (
            "en_agent.wav",
            mono16k("tests/fixtures/speech/en_agent.wav"),
        ),
    ] {
        let one = d.diarize(&x);
        assert_eq!(one.voices, 1, "{what}: {:?}", one.voice_similarity);
        assert!(one.turns.iter().all(|t| t.voice == 0));
    }
    // two parties on one synthetic voice (espeak-ng en-us and en-gb: one formant synthesiser,
    // 0.93 alike channel to channel): no timbre to tell them by, so one voice — a split by
    // what was said once gave the agent's "That's not my problem" to the customer
    let one = d.diarize(&mixed("tests/fixtures/speech/call_en_dismissive.wav").1);
    assert_eq!(one.voices, 1, "English call: {:?}", one.voice_similarity);
    // silence: no voice at all
    assert_eq!(d.diarize(&vec![0.0; 32_000]).voices, 0);
}

fn transcript(lines: &[(Speaker, f64, &str)]) -> callqa::asr::Transcript {
    let rows: Vec<(Speaker, f64, f64, &str)> =
        lines.iter().map(|&(s, t, x)| (s, t, t + 4.0, x)).collect();
    common::transcript("zh", &rows)
}

#[test]
fn the_agent_is_the_voice_that_greets() {
    let rules =
        RuleSet::parse(&callqa::rules::starter_rules("蓝河银行", "Blue River Bank")).unwrap();
    // voice 0 (heard first) is labelled agent, voice 1 customer, as the pipeline transcribes
    let customer_first = transcript(&[
        (Speaker::Agent, 0.5, "喂，你好，我的卡丢了"),
        (
            Speaker::Customer,
            5.0,
            "您好，蓝河银行，工号幺二三四，很高兴为您服务",
        ),
        (Speaker::Agent, 10.0, "我要挂失"),
        (Speaker::Customer, 30.0, "感谢您的来电，再见"),
    ]);
    let r = rules.agent_voice(&customer_first, 40.0, None);
    assert_eq!(
        (r.agent_voice, r.by, r.uncertain),
        (1, RoleSource::Rules, false)
    );
    assert!(r.confidence >= 0.9, "{r:?}");

    let agent_first = transcript(&[
        (Speaker::Agent, 0.5, "您好，蓝河银行，工号幺二三四"),
        (Speaker::Customer, 5.0, "你好，我想查账单"),
    ]);
    let r = rules.agent_voice(&agent_first, 20.0, None);
    assert_eq!((r.agent_voice, r.by), (0, RoleSource::Rules));

    // no greeting, no closing: the voice heard first, flagged as a guess
    let none = transcript(&[
        (Speaker::Agent, 0.5, "我查一下"),
        (Speaker::Customer, 5.0, "好的"),
    ]);
    let r = rules.agent_voice(&none, 20.0, None);
    assert_eq!(
        (r.agent_voice, r.by, r.uncertain),
        (0, RoleSource::FirstSpeaker, true)
    );
    // the manifest's word beats the words
    let r = rules.agent_voice(&agent_first, 20.0, Some(MonoAgent::Second));
    assert_eq!(
        (r.agent_voice, r.by, r.uncertain),
        (1, RoleSource::Manifest, false)
    );
}

/// A mono recording saved as stereo (both channels the same) is separated like a mono one.
#[test]
fn identical_stereo_channels_are_a_mono_recording() {
    let src =
        callqa::audio::decode(&repo("tests/fixtures/speech/mono_zh_customer_id.wav")).unwrap();
    let x = &src.channels[0];
    let dir = common::tempdir().unwrap();
    let path = dir.path().join("twice.wav");
    common::write_mulaw_wav(&path, src.rate, 2, x.len(), |i, _| x[i]);
    let (code, out, err) = common::callqa(&["check", "--no-asr", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let a = &v["acoustics"];
    assert!(a["separation"].is_object(), "{a}");
    let speakers: Vec<&str> = a["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["speaker"].as_str().unwrap())
        .collect();
    assert_eq!(speakers, ["agent", "customer"]);
    // without words to tell them apart the agent is a guess
    assert_eq!(a["separation"]["role_by"], "first_speaker");
    assert_eq!(a["separation"]["role_uncertain"], true);
}

/// The customer's own ID number and the customer's 神经病 on mono calls: never the agent's
/// auto-fail once the voices are separated; the greeting still finds the agent.
#[test]
fn customer_words_on_mono_calls_do_not_fail_the_agent() {
    let dir = common::tempdir().unwrap();
    let rules = common::bank_rules_file(dir.path());
    for name in ["mono_zh_customer_id.wav", "mono_zh_customer_profanity.wav"] {
        let path = repo(&format!("tests/fixtures/speech/{name}"));
        let (code, v, err) = common::check_json(&rules, &path);
        assert_eq!(code, 0, "{name}: {err}");
        let sep = &v["acoustics"]["separation"];
        assert_eq!(sep["role_by"], "rules", "{name}: {sep}");
        assert_eq!(sep["agent_voice"], 0, "{name}: the agent greets first");
        assert_eq!(v["score"]["auto_fail"], false, "{name}: {}", v["score"]);
        let agent_faults: Vec<&serde_json::Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["speaker"] == "agent")
            .filter(|f| {
                ["pii.readout", "zh.forbidden.profanity"].contains(&f["rule_id"].as_str().unwrap())
            })
            .collect();
        assert!(agent_faults.is_empty(), "{name}: {agent_faults:?}");
        let text: String = v["transcript"]["segments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["speaker"] == "customer")
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        assert!(
            !text.is_empty(),
            "{name}: the customer's words are the customer's"
        );
    }
}
