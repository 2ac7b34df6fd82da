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

/// Recorders restart their numbering every day (issue #37 S3): two nights, the same file names,
/// different audio. Both recordings are kept, each with its own verdicts; the same recording
/// listed again resumes under the id it has; a rerun of either night does nothing.
#[test]
fn a_later_night_with_the_same_names_keeps_both_recordings() {
    let d = common::tempdir().unwrap();
    let (day1, day2) = (d.path().join("day1"), d.path().join("day2"));
    for dir in [&day1, &day2] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let tone = |f: f32| move |i: usize, c: usize| 0.3 * (i as f32 * f * (c + 1) as f32).sin();
    // speech, so that the rules find something to give a verdict on
    std::fs::copy(fixture("speech/en_agent.wav"), day1.join("0001.wav")).unwrap();
    std::fs::copy(fixture("speech/en_card.wav"), day2.join("0001.wav")).unwrap();
    write_mulaw_wav(&day1.join("0002.wav"), 8000, 2, 8000 * 3, tone(0.06));
    // the same recording exported again the next night
    std::fs::copy(day1.join("0002.wav"), day2.join("0002.wav")).unwrap();
    let out = d.path().join("ds");
    let (rules, model) = (common::bank_rules_file(d.path()), common::model_path());
    let batch = |dir: &Path| {
        common::callqa(&[
            "batch",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
            "--quiet",
        ])
    };
    let (code, _, err) = batch(&day1);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = common::callqa(&[
        "review",
        "--out",
        out.to_str().unwrap(),
        "--call",
        "0001",
        "--verdict",
        "appeal-upheld",
        "--reviewer",
        "qa1",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, stdout, err) = batch(&day2);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("stored as 0001~2"), "{err}");
    assert!(
        stdout.contains("1 scored") && stdout.contains("1 already done"),
        "{stdout}"
    );
    assert!(!stdout.contains("superseded"), "{stdout}");
    let paths = |sql: &str| -> Vec<String> {
        let df = callqa::store::query(&out, sql).unwrap();
        (0..df.width())
            .flat_map(|k| {
                let col = df.select_at_idx(k).unwrap().str().unwrap().clone();
                col.into_iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let sql = "SELECT call_id || ' ' || path AS c FROM calls ORDER BY call_id";
    let want = |dir: &str| format!("{}/{dir}", d.path().display());
    assert_eq!(
        paths(sql),
        vec![
            format!("0001 {}/0001.wav", want("day1")),
            format!("0001~2 {}/0001.wav", want("day2")),
            format!("0002 {}/0002.wav", want("day1")),
        ]
    );
    // the verdict stays with the recording it was given on
    assert_eq!(paths("SELECT call_id FROM reviews"), vec!["0001"]);
    for dir in [&day2, &day1] {
        let (code, stdout, err) = batch(dir);
        assert_eq!(code, 0, "{err}");
        assert!(
            stdout.contains("0 scored") && stdout.contains("2 already done"),
            "{stdout}"
        );
    }
    assert_eq!(paths(sql).len(), 3);
}
