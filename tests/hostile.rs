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

/// `batch --no-asr INPUT --out OUT`, bounded as [`run_bounded`].
fn batch_bounded(input: &Path, out: &Path) -> (i32, String, f64) {
    let args = [
        "batch".as_ref(),
        "--no-asr".as_ref(),
        input.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    run_bounded(&args, &[])
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
    let (code, err, rss) = batch_bounded(&input, &out);
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

/// `callqa ARGS…` with `--no-asr` batches in mind: (exit code, stdout, stderr).
fn cli(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_callqa"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// Characters that show nothing or turn text round: bidi overrides and isolates, zero-width
/// ones, a BOM, a line separator, a no-break space, a Hangul filler.
const INVISIBLE: [char; 8] = [
    '\u{202e}', '\u{2066}', '\u{200b}', '\u{200d}', '\u{feff}', '\u{2028}', '\u{a0}', '\u{3164}',
];

/// File names, call ids and agent ids holding invisible characters reach no log line raw
/// (progress lines, warnings, errors, `probe`, the `query` table): each is shown as `\u{…}`,
/// so a name cannot pass for another or turn the rest of the line round. Chinese stays as is.
#[test]
fn invisible_characters_in_names_never_reach_a_log_line_raw() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for (i, c) in INVISIBLE.iter().enumerate() {
        let name = format!("录音{c}{i}.wav");
        let from = if i % 2 == 0 {
            fixture("mulaw_8k_stereo.wav")
        } else {
            fixture("bad/random.wav")
        };
        std::fs::copy(from, input.join(name)).unwrap();
    }
    let m = d.path().join("m.csv");
    let good = fixture("mulaw_8k_mono.wav");
    std::fs::write(
        &m,
        format!(
            "path,call_id,agent_id\n{g},C\u{202e}1,A\u{200b}1\n{g},C\u{202e}1,A\u{2066}2\n\
             nowhere\u{feff}.wav,C\u{2028}3,A3\n",
            g = good.display()
        ),
    )
    .unwrap();
    let out = d.path().join("ds");
    let mut stderr = String::new();
    for input in [input.as_os_str(), m.as_os_str()] {
        let (code, _, err) = cli(&[os("batch"), os("--no-asr"), input, os("--out"), os(&out)]);
        assert_eq!(code, 0, "{err}");
        stderr += &err;
    }
    assert!(
        stderr.contains("[8/8]") && stderr.contains("callqa: warning:"),
        "{stderr}"
    );
    let bad = input.join("录音\u{2066}1.wav");
    let (code, probe_out, err) = cli(&[os("probe"), os(&bad)]);
    assert_eq!(code, 1, "{err}");
    stderr += &err;
    let (code, table, err) = cli(&[
        os("query"),
        os("--out"),
        os(&out),
        os("SELECT call_id, agent_id, path, error FROM calls"),
    ]);
    assert_eq!(code, 0, "{err}");
    let shown = format!("{stderr}{probe_out}{table}");
    for c in INVISIBLE {
        assert!(!shown.contains(c), "U+{:04X} shown raw:\n{shown}", c as u32);
    }
    for escaped in [
        "\\u{202e}",
        "\\u{200b}",
        "\\u{2066}",
        "\\u{2028}",
        "\\u{feff}",
    ] {
        assert!(stderr.contains(escaped), "{escaped} missing:\n{stderr}");
    }
    assert!(
        table.contains("C\\u{202e}1") && stderr.contains("录音"),
        "{table}"
    );
    assert_eq!(
        callqa::call::printable("工号 3\u{3000}号 a-b_c.wav"),
        "工号 3\u{3000}号 a-b_c.wav"
    );
}

/// `%xx` → byte, as a browser reads a URL's path.
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'%', Some(v)) = (b[i], hex) {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The review queue's link to each recording opens that recording: read as a browser reads a
/// URL (a `#` starts the fragment, a `?` the query, `%xx` is a byte), each href's path is the
/// file's, whatever its name holds (`#`, `%`, `?`, a space, `&`, Chinese); the link text is
/// the path HTML-escaped.
#[test]
fn review_queue_links_reach_recordings_with_any_name() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let names = [
        "a#1.wav",
        "b%41.wav",
        "c?d=1.wav",
        "e f.wav",
        "中文 录音.wav",
        "g&h\".wav",
    ];
    for n in names {
        std::fs::copy(fixture("mulaw_8k_stereo.wav"), input.join(n)).unwrap();
    }
    let out = d.path().join("ds");
    let (code, _, err) = cli(&[
        os("batch"),
        os("--no-asr"),
        os("--quiet"),
        os(&input),
        os("--out"),
        os(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli(&[
        os("sample"),
        os("--out"),
        os(&out),
        os("--per-agent"),
        os("20"),
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(out.join("review-queue.html")).unwrap();
    let href = regex::Regex::new(r#"href="([^"]*)""#).unwrap();
    let urls: Vec<String> = href
        .captures_iter(&page)
        .map(|c| {
            c[1].replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect();
    let mut linked: Vec<std::path::PathBuf> = urls
        .iter()
        .map(|url| {
            let path = url
                .strip_prefix("file://")
                .unwrap_or_else(|| panic!("{url}"));
            let path = path.split(['#', '?']).next().unwrap();
            let bytes = percent_decode(path);
            std::path::PathBuf::from(String::from_utf8(bytes).unwrap())
        })
        .collect();
    linked.sort();
    let mut want: Vec<std::path::PathBuf> = names
        .iter()
        .map(|n| std::fs::canonicalize(input.join(n)).unwrap())
        .collect();
    want.sort();
    assert_eq!(linked, want, "{page}");
    // and a real browser (headless Chromium, which `make test` installs) opens each link as
    // the recording: a media page playing it, not "file not found"
    let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    for url in &urls {
        let o = Command::new(&browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
            .arg(url)
            .output()
            .unwrap_or_else(|e| panic!("{browser}: {e} (`make test` installs chromium)"));
        let dom = String::from_utf8_lossy(&o.stdout);
        assert!(
            dom.contains("<video") && dom.contains("type=\"audio/wav\""),
            "{url} does not open the recording: {dom}"
        );
    }
    assert!(
        page.contains("g&amp;h&quot;.wav") && !page.contains("g&h"),
        "{page}"
    );
}

/// `--pattern` is checked before anything runs: a group name other than agent_id, call_id,
/// team, started_at (a typo) is refused naming it and the allowed ones, and a bad regex is one
/// `error:` line. A group that matched an empty string is that file's error row, naming the
/// group; the other files run.
#[test]
fn a_pattern_with_unknown_groups_or_empty_captures_is_refused() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for n in ["A1_.wav", "_c2.wav", "A3_c3.wav"] {
        std::fs::copy(fixture("mulaw_8k_stereo.wav"), input.join(n)).unwrap();
    }
    let out = d.path().join("ds");
    let batch = |pattern: &str| {
        cli(&[
            os("batch"),
            os("--no-asr"),
            os("--quiet"),
            os(&input),
            os("--out"),
            os(&out),
            os("--pattern"),
            os(pattern),
        ])
    };
    let (code, _, err) = batch(r"^(?P<agent>A\d)_(?P<call_id>c\d)");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("unknown group name(s) agent;")
            && err.contains("agent_id, call_id, team, started_at"),
        "{err}"
    );
    assert!(!out.join("calls").exists(), "refused before running");
    let (code, _, err) = batch(r"^(?P<agent_id>A\d");
    assert_eq!(code, 1, "{err}");
    for line in err.lines() {
        assert_eq!(line.matches("error:").count(), 1, "{err}");
    }
    assert!(err.contains("not a valid regex"), "{err}");
    let (code, _, err) = batch(r"^(?P<agent_id>[A-Z0-9]*)_(?P<call_id>[a-z0-9]*)\.wav$");
    assert_eq!(code, 0, "{err}");
    let rows = rows(&out);
    assert_eq!(rows.get("c3").map(|r| r.0.as_str()), Some("ok"), "{rows:?}");
    for (id, group) in [("A1_", "call_id"), ("c2", "agent_id")] {
        let (s, e) = rows.get(id).unwrap_or_else(|| panic!("{id}: {rows:?}"));
        assert_eq!(s, "error", "{id}");
        assert!(
            e.contains(&format!(
                "--pattern group(s) {group} matched an empty string"
            )),
            "{id}: {e}"
        );
    }
    assert_eq!(rows.len(), 3, "{rows:?}");
}

/// A manifest's `started_at` in year 0001 or 9999 (what databases write for "no date") is
/// that row's error naming the cell, not a call filed under a date no report finds.
#[test]
fn implausible_call_years_are_row_errors() {
    let d = common::tempdir().unwrap();
    let good = fixture("mulaw_8k_stereo.wav");
    let m = d.path().join("m.csv");
    std::fs::write(
        &m,
        format!(
            "path,call_id,started_at\n{g},Y1,0001-01-01\n{g},Y2,9999-12-31T23:59:59\n{g},Y3,2026-11-26\n",
            g = good.display()
        ),
    )
    .unwrap();
    let out = d.path().join("ds");
    let (code, _, err) = cli(&[
        os("batch"),
        os("--no-asr"),
        os("--quiet"),
        os(&m),
        os("--out"),
        os(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = rows(&out);
    assert_eq!(rows["Y3"].0, "ok");
    for (id, cell) in [
        ("Y1", "row 2: started_at \"0001-01-01\""),
        ("Y2", "row 3: started_at \"9999-12-31T23:59:59\""),
    ] {
        let (s, e) = &rows[id];
        assert_eq!(s, "error", "{id}");
        assert!(e.contains(cell) && e.contains("1990 to 2100"), "{id}: {e}");
    }
    let dates = callqa::store::query(&out, "SELECT DISTINCT call_date FROM calls").unwrap();
    assert!(
        !format!("{dates}").contains("0001") && !format!("{dates}").contains("9999"),
        "{dates}"
    );
}

/// A dataset of two calls in two chunks (one per agent), for the quarantine tests.
fn two_chunks(d: &Path) -> std::path::PathBuf {
    let m = d.join("m.csv");
    let g = fixture("mulaw_8k_stereo.wav");
    std::fs::write(
        &m,
        format!(
            "path,call_id,agent_id,started_at\n{g},C1,A1,2026-11-20\n{g2},C2,A2,2026-11-20\n",
            g = g.display(),
            g2 = fixture("flac_11k_mono.flac").display()
        ),
    )
    .unwrap();
    let out = d.join("ds");
    let (code, _, err) = cli(&[
        os("batch"),
        os("--no-asr"),
        os("--quiet"),
        os("--chunk-calls"),
        os("1"),
        os(&m),
        os("--out"),
        os(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    out
}

/// A `reviews` part that cannot be read (cut short, a column of the wrong type, a verdict no
/// command knows) is moved to
/// quarantine/reviews/ and every command says, for as long as it lies there, that its verdicts
/// are not applied: `review` still records beside it, `rescore` still runs, `report` and
/// `query` still read — none of them silently.
#[test]
fn unreadable_verdicts_are_quarantined_and_said_by_every_command() {
    use polars::prelude::*;
    let d = common::tempdir().unwrap();
    let out = two_chunks(d.path());
    let reviews = out.join("reviews");
    std::fs::create_dir_all(&reviews).unwrap();
    std::fs::write(reviews.join("part-cut.parquet"), b"PAR1 cut short").unwrap();
    let mut wrong = df!(
        "call_id" => ["C1"], "rule_id" => ["x"], "start_s" => ["1.0"], "verdict" => ["reject"],
        "reviewer" => ["wang"], "note" => [""], "reviewed_at" => ["2026-11-21T00:00:00Z"]
    )
    .unwrap();
    callqa::store::write_parquet(&reviews.join("part-typed.parquet"), &mut wrong).unwrap();
    let mut unknown = df!(
        "call_id" => ["C1"], "verdict" => ["maybe"], "reviewer" => ["wang"]
    )
    .unwrap();
    callqa::store::write_parquet(&reviews.join("part-verdict.parquet"), &mut unknown).unwrap();
    let out_s = out.to_str().unwrap();
    for (i, args) in [
        vec!["report", "--out", out_s],
        vec!["report", "--out", out_s],
        vec!["rescore", "--out", out_s],
        vec!["query", "--out", out_s, "SELECT count(*) AS n FROM calls"],
        vec![
            "review",
            "--out",
            out_s,
            "--call",
            "C1",
            "--verdict",
            "confirm",
            "--reviewer",
            "li",
        ],
    ]
    .into_iter()
    .enumerate()
    {
        let (code, _, err) = common::callqa(&args);
        if args[0] == "review" {
            // no finding to judge on a --no-asr call: refused, but after the warning
            assert!(err.contains("no scored finding"), "{err}");
        } else {
            assert_eq!(code, 0, "{args:?}: {err}");
        }
        assert!(
            err.contains("3 verdict file(s) quarantined") && err.contains("NOT applied"),
            "{args:?}: {err}"
        );
        if i == 0 {
            assert!(
                err.contains("part-cut.parquet: unreadable Parquet"),
                "{err}"
            );
            assert!(
                err.contains("part-typed.parquet: schema mismatch: column start_s is str"),
                "{err}"
            );
            assert!(
                err.contains("part-verdict.parquet: row 0: verdict"),
                "{err}"
            );
        }
    }
    assert!(out.join("quarantine/reviews/part-cut.parquet").exists());
    assert!(out.join("quarantine/reviews/part-typed.parquet").exists());
}

/// A `calls` part whose `score` column is text (another tool rewrote it) is quarantined with a
/// warning naming the column, like an unreadable part: `query` of the table still works, the
/// report does not show its agent with 0 calls, and the next batch scores its call again.
#[test]
fn a_part_with_a_wrong_column_type_is_quarantined_naming_the_column() {
    use polars::prelude::*;
    let d = common::tempdir().unwrap();
    let out = two_chunks(d.path());
    let parts = callqa::store::parts(&out, "calls").unwrap();
    assert_eq!(parts.len(), 2);
    let victim = parts[0].path(&out, "calls");
    let mut df = callqa::store::read_parquet(&victim).unwrap();
    let agent = callqa::store::strings(&df, "agent_id")[0].clone().unwrap();
    let text: Vec<String> = callqa::store::floats(&df, "score")
        .iter()
        .map(|v| format!("{v:?}"))
        .collect();
    df.replace("score", Series::new("score".into(), text))
        .unwrap();
    callqa::store::write_parquet(&victim, &mut df).unwrap();
    let out_s = out.to_str().unwrap();
    let (code, stdout, err) = common::callqa(&[
        "query",
        "--out",
        out_s,
        "--csv",
        "SELECT agent_id, score FROM calls",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("schema mismatch: column score is str, the calls table's is f64")
            && err.contains("quarantine"),
        "{err}"
    );
    assert!(!victim.exists() && parts[0].path(&out.join("quarantine"), "calls").exists());
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    let (code, stdout, err) = common::callqa(&["report", "--out", out_s]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !stdout.contains(&agent),
        "{agent} is no longer in the dataset:\n{stdout}"
    );
    let m = d.path().join("m.csv");
    let (code, stdout, err) = cli(&[
        os("batch"),
        os("--no-asr"),
        os("--quiet"),
        os(&m),
        os("--out"),
        os(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("1 scored") && stdout.contains("1 already done"),
        "{stdout}"
    );
    let scores = callqa::store::query(&out, "SELECT score FROM calls").unwrap();
    assert_eq!(
        callqa::store::floats(&scores, "score")
            .iter()
            .flatten()
            .count(),
        2
    );
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
    // a run without transcription keeps the transcribed results (and what the verdicts are on)
    let (code, stdout, err) = common::callqa(&[
        "batch",
        day1.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-asr",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("0 scored") && err.contains("--no-asr run does not replace"),
        "{stdout}{err}"
    );
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
    let (code, err, _) = batch_bounded(&input, &out);
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

/// Recordings of one name in several folders keep their ids whatever the listing order makes
/// of them (a folder that sorts first added later), and a file that was cut short and is whole
/// now replaces its error row instead of being stored beside it.
#[test]
fn ids_follow_recordings_when_folders_are_added_or_files_completed() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    let tone = |f: f32| move |i: usize, c: usize| 0.3 * (i as f32 * f * (c + 1) as f32).sin();
    for (dir, f) in [("s1", 0.05), ("s2", 0.06)] {
        std::fs::create_dir_all(input.join(dir)).unwrap();
        write_mulaw_wav(&input.join(dir).join("d.wav"), 8000, 2, 8000 * 3, tone(f));
    }
    let whole = d.path().join("k.wav");
    write_mulaw_wav(&whole, 8000, 2, 8000 * 3, tone(0.08));
    let bytes = std::fs::read(&whole).unwrap();
    std::fs::write(input.join("s1/k.wav"), &bytes[..3000]).unwrap();
    let out = d.path().join("ds");
    let batch = || {
        let (code, stdout, err) = common::callqa(&[
            "batch",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-asr",
            "--quiet",
        ]);
        assert_eq!(code, 0, "{err}");
        stdout
    };
    batch();
    std::fs::create_dir_all(input.join("s0")).unwrap();
    write_mulaw_wav(&input.join("s0/d.wav"), 8000, 2, 8000 * 3, tone(0.07));
    std::fs::write(input.join("s1/k.wav"), &bytes).unwrap();
    let stdout = batch();
    assert!(
        stdout.contains("2 scored") && stdout.contains("2 already done"),
        "{stdout}"
    );
    let calls = rows(&out);
    let ids: Vec<(&str, &str)> = calls
        .iter()
        .map(|(id, (s, _))| (id.as_str(), s.as_str()))
        .collect();
    assert_eq!(ids.len(), 4, "{calls:?}");
    assert_eq!(
        ids.iter().filter(|(id, _)| id.starts_with('k')).count(),
        1,
        "{calls:?}"
    );
    assert!(ids.iter().all(|(_, s)| *s == "ok"), "{calls:?}");
    let stdout = batch();
    assert!(
        stdout.contains("0 scored") && stdout.contains("4 already done"),
        "{stdout}"
    );
}

/// A file longer than any call (a logger's dump) is that file's error row saying how to split
/// it, decoded no further than the limit: decoded whole it would hold gigabytes, and a failed
/// allocation aborts the process, the other calls with it.
#[test]
fn a_file_longer_than_any_call_is_an_error_row() {
    let d = common::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // the lowest rate a recording may have keeps the file small: 8 h 1 min at 2 kHz, 58 MB
    let frames = 2000 * (8 * 3600 + 60);
    write_mulaw_wav(&input.join("dump.wav"), 2000, 1, frames, |i, _| {
        0.2 * (i as f32 * 0.3).sin()
    });
    std::fs::copy(fixture("mulaw_8k_stereo.wav"), input.join("good.wav")).unwrap();
    let out = d.path().join("ds");
    let (code, err, _) = batch_bounded(&input, &out);
    assert_eq!(code, 0, "{err}");
    let rows = rows(&out);
    assert_eq!(rows["good"].0, "ok", "{rows:?}");
    let (status, error) = &rows["dump"];
    assert_eq!(status, "error");
    assert!(
        error.contains("longer than 8 hours") && error.contains("segment"),
        "{error}"
    );
}
