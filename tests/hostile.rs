//! A nightly batch's worst night, end to end: one folder and one manifest holding every kind of
//! hostile input found so far (issue #17), next to good calls. The batch must finish with exit
//! 0, in bounded time and memory, every good call scored and every bad one an error row that
//! names its cause — and nothing in the input may make a later call disappear.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture, write_mulaw_wav};

const LIMIT: Duration = Duration::from_secs(120);
const MAX_RSS_MIB: f64 = 1024.0;

/// Run the binary with a wall-clock limit; exit code, stderr and peak RSS (MiB).
fn run_bounded(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> (i32, String, f64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callqa"));
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    #[allow(clippy::zombie_processes)] // reaped by wait4 below
    let mut child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        use std::io::Read;
        let _ = std::io::BufReader::new(stderr).read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("the batch ran past {LIMIT:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (
        code,
        reader.join().unwrap(),
        usage.ru_maxrss as f64 / 1024.0,
    )
}

/// Every call row: call id → (status, error).
fn rows(out: &Path) -> BTreeMap<String, (String, String)> {
    let df = callqa::store::query(out, "SELECT call_id, status, error FROM calls").unwrap();
    let col = |n: &str| -> Vec<String> {
        df.column(n)
            .unwrap()
            .str()
            .unwrap()
            .into_iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect()
    };
    let (ids, status, error) = (col("call_id"), col("status"), col("error"));
    ids.into_iter().zip(status.into_iter().zip(error)).collect()
}

#[test]
fn a_folder_of_hostile_files_is_scored_or_reported_call_by_call() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    let link = |to: &Path, name: &str| std::os::unix::fs::symlink(to, input.join(name)).unwrap();
    // good calls
    std::fs::copy(fixture("mulaw_8k_stereo.wav"), input.join("good1.wav")).unwrap();
    std::fs::copy(fixture("flac_11k_mono.flac"), input.join("sub/good2.flac")).unwrap();
    // decodable, but no call to judge: a muted agent, six channels
    write_mulaw_wav(&input.join("muted.wav"), 8000, 2, 8000 * 5, |i, c| {
        if c == 0 {
            0.0
        } else {
            0.3 * (i as f32 * 0.07).sin()
        }
    });
    write_mulaw_wav(&input.join("six.wav"), 8000, 6, 8000 * 2, |i, _| {
        0.2 * (i as f32 * 0.05).sin()
    });
    // headers that lie: 1 Hz and ~4 GHz (the S1 abort), and the bad fixtures
    for rate in [1u32, 4_294_967_291] {
        write_mulaw_wav(
            &input.join(format!("rate{rate}.wav")),
            rate,
            1,
            8000,
            |i, _| (i as f32 * 0.05).sin() * 0.3,
        );
    }
    for bad in [
        "empty.wav",
        "random.wav",
        "truncated.wav",
        "zero_data.wav",
        "text.wav",
    ] {
        std::fs::copy(
            fixture(&format!("bad/{bad}")),
            input.join(format!("bad-{bad}")),
        )
        .unwrap();
    }
    // things that hang or multiply a walk: link loops, a FIFO, an endless device, a repeat
    link(&input, "loop");
    link(Path::new(".."), "sub/up");
    link(Path::new("/dev/zero"), "zero.wav");
    link(&input.join("good1.wav"), "good1-again.wav");
    let fifo = std::ffi::CString::new(input.join("pipe.wav").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    // a name that is the suffix another call would get
    std::fs::copy(fixture("mulaw_8k_mono.wav"), input.join("sub/good1.wav")).unwrap();
    std::fs::copy(fixture("alaw_8k_mono.wav"), input.join("good1#2.wav")).unwrap();
    std::fs::create_dir_all(input.join("z")).unwrap();
    std::fs::copy(fixture("pcm_s16_16k_mono.wav"), input.join("z/good1.wav")).unwrap();

    let out = d.path().join("ds");
    let (code, err, rss) = run_bounded(
        &[
            "batch".as_ref(),
            "--no-asr".as_ref(),
            input.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(rss < MAX_RSS_MIB, "peak RSS {rss:.0} MiB");
    let rows = rows(&out);
    let status = |id: &str| rows.get(id).map(|r| (r.0.as_str(), r.1.as_str()));
    // every good call scored; the link and the file it points to are one call (under the name
    // listed first), and the other recordings named good1 get ids no file has
    for id in [
        "good1-again",
        "good2",
        "good1#2",
        "good1",
        "good1#3",
        "muted",
    ] {
        assert_eq!(status(id).map(|s| s.0), Some("ok"), "{id}: {rows:?}");
    }
    assert!(err.contains("good1-again.wav: listed 2 times"), "{err}");
    // every bad one an error row naming its cause
    for (id, cause) in [
        ("six", "6 channels"),
        ("rate1", "sample rate"),
        ("rate4294967291", "sample rate"),
        ("bad-empty", "bad-empty.wav"),
        ("bad-random", "bad-random.wav"),
        ("bad-truncated", "bad-truncated.wav"),
        ("bad-text", "bad-text.wav"),
        ("zero", "not a regular file"),
        ("pipe", "not a regular file"),
    ] {
        let (s, e) = status(id).unwrap_or_else(|| panic!("{id} missing: {rows:?}"));
        assert_eq!(s, "error", "{id}");
        assert!(e.contains(cause), "{id}: {e}");
    }
    assert_eq!(rows.len(), 16, "{rows:?}");
    // the muted agent is scored, and not as a pass
    let muted = callqa::store::query(
        &out,
        "SELECT score_items FROM calls WHERE call_id = 'muted' AND pass = false",
    )
    .unwrap();
    assert_eq!(muted.height(), 1);
    let items = format!("{:?}", muted.column("score_items").unwrap().get(0).unwrap());
    assert!(items.contains("acoustic.no_agent_speech"), "{items}");
}

#[test]
fn a_hostile_manifest_is_scored_or_reported_row_by_row() {
    let d = common::tempdir().unwrap();
    let good = fixture("mulaw_8k_stereo.wav");
    let good = good.to_str().unwrap();
    let m = d.path().join("m.csv");
    std::fs::write(
        &m,
        format!(
            "path,call_id,agent_id,team,started_at,agent_channel,language\n\
             {good},C1,A1,t,2026-11-26,0,zh\n\
             {good},C2,A1,t,2026-11-26,left,zh\n\
             {good},C3,A1,t,2026-02-30,0,zh\n\
             {good},C4,A1,t,2026-11-26,0,xx\n\
             /dev/zero,C5,A1,t,2026-11-26,0,zh\n\
             missing.wav,C6,A1,t,2026-11-26,0,zh\n\
             {good},C1,A1,t,2026-11-26,0,zh\n\
             {good},=HYPERLINK(\"x\"),A\u{1b}[31m,t,2026-11-26,1,ZH\n\
             {good},C9,A1,t,2026-11-26,0,zh,extra\n"
        ),
    )
    .unwrap();
    let out = d.path().join("ds");
    let (code, err, _) = run_bounded(
        &[
            "batch".as_ref(),
            "--no-asr".as_ref(),
            m.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "control characters reach the log: {err:?}"
    );
    let rows = rows(&out);
    let status = |id: &str| rows.get(id).map(|r| (r.0.as_str(), r.1.as_str())).unwrap();
    assert_eq!(status("C1").0, "ok");
    assert_eq!(status("=HYPERLINK(\"x\")").0, "ok", "{rows:?}");
    for (id, cause) in [
        ("C2", "row 3: agent_channel \"left\""),
        ("C3", "row 4: started_at \"2026-02-30\""),
        ("C4", "row 5: language \"xx\""),
        ("C5", "not a regular file"),
        ("C6", "missing.wav"),
        ("C9", "row 10: 8 cells"),
    ] {
        let (s, e) = status(id);
        assert_eq!(s, "error", "{id}");
        assert!(e.contains(cause), "{id}: {e}");
    }
    assert!(err.contains("listed 2 times"), "{err}");
    assert_eq!(rows.len(), 8, "{rows:?}");
}

/// The audio classes of issue #37, one file each in one batch: every call scored, with a
/// warning where decoding repaired something, or an error row saying "truncated".
#[test]
fn damaged_and_unusual_audio_is_decoded_or_named_call_by_call() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(input.join(name), bytes).unwrap();
    let read = |name: &str| std::fs::read(fixture(name)).unwrap();
    // samples that are not numbers, at a rate that is resampled (the rubato panic)
    common::write_f32_wav(&input.join("nan.wav"), 44_100, 2, 44_100 * 6, |i, c| {
        if c == 1 && i % 500 == 0 {
            f32::NAN
        } else {
            common::two_voices(44_100, i, c)
        }
    });
    common::write_f32_wav(&input.join("huge.wav"), 16_000, 1, 16_000 * 4, |i, _| {
        common::two_voices(16_000, i, 0) * 1e30
    });
    // two Ogg streams one after the other; an MP3 behind a 2.5 MB ID3v2 tag (a cover)
    let ogg = read("vorbis_48k_stereo.ogg");
    write("chained.ogg", &[ogg.clone(), ogg].concat());
    write(
        "cover.mp3",
        &[id3v2_tag(2_500_000), read("mp3_44k_stereo.mp3")].concat(),
    );
    // WAV chunks ffmpeg reads: odd data without its pad byte then a LIST, a 17-byte fmt
    let pcm8: Vec<u8> = (0..8001 * 3)
        .map(|i| if i / 20 % 2 == 0 { 60 } else { 196 })
        .collect();
    let fmt8 = common::fmt_body(1, 1, 8000, 8);
    let list = b"INFOISFT\x05\0\0\0abcde";
    write(
        "odd.wav",
        &common::wav_bytes(&[
            (b"fmt ", &fmt8, true),
            (b"data", &pcm8, false),
            (b"LIST", list, false),
        ]),
    );
    let fmt17 = [common::fmt_body(1, 1, 8000, 8), vec![0]].concat();
    write(
        "fmt17.wav",
        &common::wav_bytes(&[(b"fmt ", &fmt17, true), (b"data", &pcm8, true)]),
    );
    // a data chunk that claims twice the bytes the file has (RIFF size right): cut short
    let mut past = common::wav_bytes(&[(b"fmt ", &fmt8, true), (b"data", &pcm8, true)]);
    let at = past.windows(4).position(|w| w == b"data").unwrap() + 4;
    past[at..at + 4].copy_from_slice(&(pcm8.len() as u32 * 2).to_le_bytes());
    write("data-past-end.wav", &past);
    // 4 KB of damage in the middle of each compressed format; an M4A cut in half
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for name in [
        "flac_8k_stereo.flac",
        "mp3_22k_stereo.mp3",
        "vorbis_48k_stereo.ogg",
        "aac_16k_stereo.m4a",
    ] {
        let mut b = read(&format!("long/{name}"));
        let mid = b.len() / 2;
        for v in &mut b[mid..mid + 4096] {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            *v = rng as u8;
        }
        write(&format!("damaged-{name}"), &b);
    }
    let m4a = read("aac_44k_stereo.m4a");
    write("cut.m4a", &m4a[..m4a.len() / 2]);

    let out = d.path().join("ds");
    let (code, err, _) = run_bounded(
        &[
            "batch".as_ref(),
            "--no-asr".as_ref(),
            input.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rows = rows(&out);
    let df = callqa::store::query(
        &out,
        "SELECT call_id, decode_warnings, duration_s, agent_peak_dbfs FROM calls",
    )
    .unwrap();
    let text = |n: &str, i: usize| {
        let c = df.column(n).unwrap().str().unwrap();
        c.get(i).unwrap_or_default().to_string()
    };
    let float = |n: &str, i: usize| df.column(n).unwrap().f64().unwrap().get(i);
    let row = |id: &str| {
        (0..df.height())
            .find(|&i| text("call_id", i) == id)
            .unwrap()
    };
    // (call, what its warning says, its duration in seconds)
    for (id, warning, duration) in [
        ("nan", "not a number", 6.0),
        ("huge", "beyond full scale", 4.0),
        ("chained", "", 1.0),
        ("cover", "", 0.5),
        ("odd", "", 3.0),
        ("fmt17", "", 3.0),
        ("damaged-flac_8k_stereo", "damaged data", 4.0),
        ("damaged-aac_16k_stereo", "damaged data", 4.0),
        ("damaged-mp3_22k_stereo", "damaged data", 2.0),
        ("damaged-vorbis_48k_stereo", "damaged data", 1.5),
    ] {
        let (status, error) = &rows[id];
        assert_eq!(status, "ok", "{id}: {error}");
        let i = row(id);
        let w = text("decode_warnings", i);
        match warning {
            "" => assert_eq!(w, "", "{id}"),
            _ => assert!(w.contains(warning), "{id}: {w:?}"),
        }
        let got = float("duration_s", i).unwrap();
        assert!(
            got >= duration - 0.05 && got <= 4.2_f64.max(duration + 0.15),
            "{id}: {got} s"
        );
    }
    // levels stay sane: the 1e30 call's peak is full scale, not +594 dBFS
    assert!(float("agent_peak_dbfs", row("huge")).unwrap_or(0.0) <= 0.0);
    for id in ["data-past-end", "cut"] {
        let (status, error) = &rows[id];
        assert_eq!(status, "error", "{id}");
        assert!(error.contains("truncated"), "{id}: {error}");
    }
    assert_eq!(rows.len(), 12, "{rows:?}");
}

/// An ID3v2.3 tag of `size` bytes in all: one APIC frame of noise, as a big embedded cover.
fn id3v2_tag(size: usize) -> Vec<u8> {
    let body = size - 10;
    let frame = body - 10;
    let mut t = b"ID3\x03\x00\x00".to_vec();
    t.extend((0..4).rev().map(|k| ((body >> (7 * k)) & 0x7F) as u8));
    t.extend_from_slice(b"APIC");
    t.extend_from_slice(&(frame as u32).to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend((0..frame).map(|i| (i * 7 % 251) as u8));
    t
}
