//! The batch's input side: which calls, with which ids, in which shard.

mod common;

use std::path::Path;

use callqa::batch;
use callqa::call::{Language, MonoAgent, UNKNOWN};
use regex::Regex;

fn touch(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

#[test]
fn a_directory_is_searched_recursively_for_audio_in_a_stable_order() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "2026-11-26/A017_c0002.wav", b"x");
    touch(d.path(), "2026-11-26/A017_c0001.WAV", b"y");
    touch(d.path(), "2026-11-27/B003_c0100.mp3", b"z");
    touch(d.path(), "2026-11-27/notes.txt", b"not audio");
    touch(d.path(), "2026-11-28/phone.amr", b"#!AMR\n");
    let re = Regex::new(r"^(?P<agent_id>[A-Z]\d+)_(?P<call_id>c\d+)\.").unwrap();
    let calls = batch::list_calls(d.path(), Some(&re)).unwrap().calls;
    let ids: Vec<(&str, &str)> = calls
        .iter()
        .map(|c| (c.agent_id.as_str(), c.call_id.as_str()))
        .collect();
    // the phone's AMR recording is listed (its error row says how to convert it), not skipped
    assert_eq!(
        ids,
        vec![
            ("A017", "c0001"),
            ("A017", "c0002"),
            ("B003", "c0100"),
            (UNKNOWN, "phone")
        ]
    );
    // without a pattern: file stem as call id, agent unknown
    let calls = batch::list_calls(d.path(), None).unwrap().calls;
    assert_eq!(calls[0].call_id, "A017_c0001");
    assert_eq!(
        (calls[0].agent_id.as_str(), calls[0].team.as_str()),
        (UNKNOWN, UNKNOWN)
    );
}

#[test]
fn a_manifest_gives_ids_and_settings_and_reports_bad_rows_by_line() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "audio/1.wav", b"x");
    touch(d.path(), "audio/2.wav", b"y");
    let m = d.path().join("manifest.csv");
    std::fs::write(
        &m,
        "path,call_id,agent_id,team,started_at,agent_channel,language\n\
         audio/1.wav,C1,A9,north,2026-11-26T09:15:00+08:00,1,en\n\
         audio/2.wav,,,,,,\n",
    )
    .unwrap();
    let calls = batch::list_calls(&m, None).unwrap().calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].path, d.path().join("audio/1.wav"));
    assert_eq!(
        (
            calls[0].call_id.as_str(),
            calls[0].agent_id.as_str(),
            calls[0].team.as_str()
        ),
        ("C1", "A9", "north")
    );
    assert_eq!(
        calls[0].started_at.as_deref(),
        Some("2026-11-26T09:15:00+08:00")
    );
    assert_eq!(
        (calls[0].agent_channel, calls[0].language),
        (Some(1), Some(Language::En))
    );
    assert_eq!(
        (calls[1].call_id.as_str(), calls[1].agent_id.as_str()),
        ("2", UNKNOWN)
    );

    // a bad cell is that row's error (named by row and cell); the other rows still run
    std::fs::write(
        &m,
        "path,agent_channel,language,started_at\n\
         audio/1.wav,left,,\n\
         audio/2.wav,1,zh,2026-11-26\n\
         audio/1.wav,,xx,\n\
         audio/2.wav,,,2026-02-30\n\
         ,,,\n\
         audio/1.wav,0,zh,2026-11-26,extra\n",
    )
    .unwrap();
    let calls = batch::list_calls(&m, None).unwrap().calls;
    let problems: Vec<Option<&str>> = calls.iter().map(|c| c.problem.as_deref()).collect();
    assert_eq!(calls.len(), 6, "{problems:?}");
    assert!(problems[1].is_none(), "{problems:?}");
    for (k, cell) in [
        (0, "\"left\""),
        (2, "\"xx\""),
        (3, "2026-02-30"),
        (4, "no path"),
        (5, "cells"),
    ] {
        let p = problems[k].unwrap_or_default();
        assert!(
            p.contains(&format!("row {}", k + 2)) && p.contains(cell),
            "{p}"
        );
    }
    // which voice of a mono recording is the agent: first or second, any case
    std::fs::write(
        &m,
        "path,mono_agent\naudio/1.wav,Second\naudio/2.wav,first\naudio/1.wav,third\n",
    )
    .unwrap();
    let calls = batch::list_calls(&m, None).unwrap().calls;
    assert_eq!(calls[0].mono_agent, Some(MonoAgent::Second));
    assert_eq!(calls[1].mono_agent, Some(MonoAgent::First));
    let p = calls[2].problem.as_deref().unwrap_or_default();
    assert!(p.contains("mono_agent") && p.contains("\"third\""), "{p}");

    // an unknown column is the whole manifest's error: nothing would be read as meant
    std::fs::write(&m, "path,agent_chanel\naudio/1.wav,1\n").unwrap();
    let e = batch::list_calls(&m, None).unwrap_err().to_string();
    assert!(
        e.contains("manifest.csv") && e.contains("agent_chanel"),
        "{e}"
    );
    let e = batch::list_calls(&d.path().join("missing.csv"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.csv"), "{e}");
}

#[test]
fn duplicate_call_ids_are_made_unique() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "a/call.wav", b"x");
    touch(d.path(), "b/call.wav", b"y");
    let calls = batch::list_calls(d.path(), None).unwrap().calls;
    assert_eq!(
        calls.iter().map(|c| c.call_id.as_str()).collect::<Vec<_>>(),
        vec!["call", "call#2"]
    );
    // a recording whose own id is the suffix another would get: no clash, all three kept
    touch(d.path(), "c/call#2.wav", b"z");
    let listing = batch::list_calls(d.path(), None).unwrap();
    assert_eq!(
        listing
            .calls
            .iter()
            .map(|c| c.call_id.as_str())
            .collect::<Vec<_>>(),
        vec!["call", "call#3", "call#2"]
    );
    assert_eq!(listing.warnings.len(), 1, "{:?}", listing.warnings);
    // a manifest giving four recordings two ids
    let m = d.path().join("m.csv");
    std::fs::write(
        &m,
        "path,call_id\na/call.wav,X\nb/call.wav,X\nc/call#2.wav,Y\na/call.wav,X\na/call.wav,Z\n",
    )
    .unwrap();
    let listing = batch::list_calls(&m, None).unwrap();
    let ids: Vec<&str> = listing.calls.iter().map(|c| c.call_id.as_str()).collect();
    // the fourth row repeats the first: scored once, and said so; the fifth gives the same
    // file another id, which says it is another call
    assert_eq!(ids, vec!["X", "X#2", "Y", "Z"]);
    assert!(
        listing
            .warnings
            .iter()
            .any(|w| w.contains("listed 2 times")),
        "{:?}",
        listing.warnings
    );
}

/// Link loops end, a recording reached twice is listed once, and a FIFO or a link to a device
/// named like a recording is an error row that is never opened (opening a FIFO blocks).
#[test]
fn link_loops_fifos_and_devices_neither_hang_nor_multiply() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "in/a.wav", b"x");
    std::os::unix::fs::symlink(d.path().join("in"), d.path().join("in/loop")).unwrap();
    std::os::unix::fs::symlink("..", d.path().join("in/up")).unwrap();
    std::os::unix::fs::symlink(d.path().join("in/a.wav"), d.path().join("in/again.wav")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join("in/zero.wav")).unwrap();
    let fifo = std::ffi::CString::new(d.path().join("in/pipe.wav").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let listing = batch::list_calls(&d.path().join("in"), None).unwrap();
    let calls: Vec<(&str, Option<&str>)> = listing
        .calls
        .iter()
        .map(|c| (c.call_id.as_str(), c.problem.as_deref()))
        .collect();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[0], ("a", None));
    for (id, problem) in &calls[1..] {
        assert!(["pipe", "zero"].contains(id), "{calls:?}");
        assert!(
            problem.unwrap_or_default().contains("not a regular file"),
            "{calls:?}"
        );
    }
    assert!(batch::content_hash(&d.path().join("in/pipe.wav")).is_err());
}

#[test]
fn shards_partition_the_calls_deterministically() {
    let d = common::tempdir().unwrap();
    for i in 0..200 {
        touch(d.path(), &format!("c{i:03}.wav"), b"x");
    }
    let all = batch::list_calls(d.path(), None).unwrap().calls;
    let parts: Vec<Vec<String>> = (0..3)
        .map(|i| {
            batch::shard(all.clone(), i, 3)
                .into_iter()
                .map(|c| c.call_id)
                .collect()
        })
        .collect();
    let mut union: Vec<String> = parts.concat();
    union.sort();
    assert_eq!(
        union,
        all.iter().map(|c| c.call_id.clone()).collect::<Vec<_>>(),
        "every call exactly once"
    );
    assert!(
        parts.iter().all(|p| (40..=90).contains(&p.len())),
        "{:?}",
        parts.iter().map(Vec::len).collect::<Vec<_>>()
    );
    assert_eq!(
        batch::shard(all.clone(), 1, 3).len(),
        parts[1].len(),
        "same split every time"
    );
}

#[test]
fn shard_arguments() {
    assert_eq!(batch::parse_shard(Some("1/4"), None).unwrap(), (1, 4));
    assert!(batch::parse_shard(Some("4/4"), None).is_err());
    assert!(batch::parse_shard(Some("x"), None).is_err());
    assert_eq!(batch::parse_shard(None, None).unwrap(), (0, 1));
}

#[test]
fn content_hash_follows_bytes_not_names() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "a.wav", b"same bytes");
    touch(d.path(), "b.wav", b"same bytes");
    touch(d.path(), "c.wav", b"other bytes");
    let h = |n: &str| batch::content_hash(&d.path().join(n)).unwrap();
    assert_eq!(h("a.wav"), h("b.wav"));
    assert_ne!(h("a.wav"), h("c.wav"));
    assert_eq!(h("a.wav").len(), 32);
}

/// Property: any manifest row, however garbled, is listed as a call (valid, or with a problem
/// naming its row) — never a panic, never a dropped row except an exact repeat.
#[test]
fn garbled_manifest_rows_become_error_rows_not_a_failed_batch() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "a.wav", b"x");
    let cells: [&[&str]; 6] = [
        &[
            "a.wav",
            "",
            "missing.wav",
            "../a.wav",
            "a.wav\u{0}",
            "\"a,b\".wav",
            "/dev/null",
        ],
        &["", "C1", "=cmd()", "id with spaces", "é\u{1b}[31m", "C1#2"],
        &["", "A1", "\t"],
        &[
            "",
            "2026-11-26",
            "2026-02-30",
            "26/11/2026",
            "2026-11-26T09:00:00+08:00x",
            "0",
        ],
        &["", "0", "1", "left", "-1", "99999999999999999999", "1.5"],
        &["", "zh", "en", "auto", "ZH", "xx", "fr"],
    ];
    let mut seed = 7u64;
    let mut rnd = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) % n as u64) as usize
    };
    for _ in 0..200 {
        let mut csv = String::from("path,call_id,agent_id,started_at,agent_channel,language\n");
        let rows = 1 + rnd(6);
        for _ in 0..rows {
            let mut row: Vec<String> = cells
                .iter()
                .map(|c| {
                    let v = c[rnd(c.len())];
                    if v.contains([',', '"']) {
                        format!("\"{}\"", v.replace('"', "\"\""))
                    } else {
                        v.to_string()
                    }
                })
                .collect();
            match rnd(10) {
                0 => row.truncate(1 + rnd(5)),
                1 => row.push("extra".into()),
                _ => {}
            }
            csv += &row.join(",");
            csv.push('\n');
        }
        let m = d.path().join("m.csv");
        std::fs::write(&m, &csv).unwrap();
        // a blank line is no row (CSV readers skip it)
        let rows = csv.lines().skip(1).filter(|l| !l.is_empty()).count();
        let listing = batch::list_calls(&m, None).unwrap();
        assert!(
            (rows == 0 || !listing.calls.is_empty()) && listing.calls.len() <= rows,
            "{} of {rows}: {:?}\n{csv}",
            listing.calls.len(),
            listing.warnings
        );
        let mut ids: Vec<&str> = listing.calls.iter().map(|c| c.call_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), listing.calls.len(), "ids unique: {csv}");
        for c in &listing.calls {
            if let Some(p) = &c.problem {
                assert!(
                    p.contains("row ") || p.contains("regular file"),
                    "{p}\n{csv}"
                );
            }
        }
        let dropped = rows - listing.calls.len();
        assert!(
            dropped == 0 || listing.warnings.iter().any(|w| w.contains("listed")),
            "{csv}"
        );
    }
}

/// Names that are not UTF-8 keep their difference: undecodable bytes become `\xNN`, not one
/// shared `�` that would store two recordings under one id and one path.
#[test]
fn non_utf8_names_stay_distinct() {
    use std::os::unix::ffi::OsStrExt;
    let d = common::tempdir().unwrap();
    for name in [&b"call-\xff.wav"[..], &b"call-\xfe.wav"[..]] {
        std::fs::write(d.path().join(std::ffi::OsStr::from_bytes(name)), b"x").unwrap();
    }
    let listing = batch::list_calls(d.path(), None).unwrap();
    let ids: Vec<&str> = listing.calls.iter().map(|c| c.call_id.as_str()).collect();
    assert_eq!(ids, vec!["call-\\xFE", "call-\\xFF"]);
    assert!(listing.warnings.is_empty(), "{:?}", listing.warnings);
    assert_eq!(
        callqa::call::os_text(listing.calls[1].path.file_name().unwrap()),
        "call-\\xFF.wav"
    );
}

/// A manifest as Excel saves it on a Chinese Windows: "CSV" is GBK, "CSV UTF-8" has a BOM,
/// "Unicode" is UTF-16 with a BOM. All read the same; a UTF-8 manifest with one damaged row
/// fails that row only and keeps every other Chinese name (never re-read as GBK).
#[test]
fn manifests_in_gbk_or_with_a_bom_read_like_utf8() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "录音/通话 一.wav", b"x");
    touch(d.path(), "录音/二.wav", b"y");
    let text = "path,call_id,agent_id,team\r\n录音/通话 一.wav,C1,张三,一组\r\n录音/二.wav,C2,李四,二组\r\n";
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let saved: [(&str, Vec<u8>); 4] = [
        ("utf-8", text.as_bytes().to_vec()),
        (
            "utf-8 bom",
            [&b"\xef\xbb\xbf"[..], text.as_bytes()].concat(),
        ),
        ("gbk", encoding_rs::GBK.encode(text).0.into_owned()),
        ("utf-16 bom", utf16),
    ];
    for (how, bytes) in saved {
        let m = d.path().join("m.csv");
        std::fs::write(&m, &bytes).unwrap();
        let calls = batch::list_calls(&m, None).unwrap().calls;
        let got: Vec<(&str, &str, bool, bool)> = calls
            .iter()
            .map(|c| {
                (
                    c.agent_id.as_str(),
                    c.team.as_str(),
                    c.path.is_file(),
                    c.problem.is_none(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![("张三", "一组", true, true), ("李四", "二组", true, true)],
            "{how}"
        );
    }
    // one damaged byte in 李四: that row is an error row naming it, 张三 stays 张三
    let bytes: Vec<u8> = text
        .replace("李四", "李@")
        .bytes()
        .flat_map(|b| if b == b'@' { vec![0xe5, 0x9b] } else { vec![b] })
        .collect();
    let m = d.path().join("m.csv");
    std::fs::write(&m, &bytes).unwrap();
    let calls = batch::list_calls(&m, None).unwrap().calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].agent_id.as_str(), calls[0].problem.is_none()),
        ("张三", true)
    );
    let p = calls[1].problem.as_deref().unwrap_or_default();
    assert!(p.contains("row 3") && p.contains("UTF-8"), "{p}");
}

/// Dates as manifests give them: ISO kept as given; Excel's 2026/11/1 8:05 and a time without
/// seconds rewritten in ISO form, so the call date (the first ten characters) is right.
#[test]
fn started_at_in_iso_or_as_excel_writes_it() {
    for (given, kept) in [
        ("2026-11-27", "2026-11-27"),
        ("2026-11-27T08:00:00+08:00", "2026-11-27T08:00:00+08:00"),
        ("2026-11-27 08:00:00", "2026-11-27 08:00:00"),
        ("2026-11-27T08:00:00.250", "2026-11-27T08:00:00.250"),
        ("2026/11/1 8:05", "2026-11-01T08:05:00"),
        ("2026/11/01 08:05:09", "2026-11-01T08:05:09"),
        ("2026/11/1", "2026-11-01"),
        ("2026-11-1", "2026-11-01"),
        ("2026-11-1 8:05:00", "2026-11-01T08:05:00"),
        ("2026-11-27 08:05", "2026-11-27T08:05:00"),
        ("20261101_083015", "2026-11-01T08:30:15"),
        ("20261101083015", "2026-11-01T08:30:15"),
        ("20261101", "2026-11-01"),
    ] {
        assert_eq!(
            batch::parse_started_at(given).as_deref(),
            Ok(kept),
            "{given}"
        );
    }
    for bad in [
        "26/11/2026",
        "2026-02-30",
        "11/27/2026",
        "2026/13/01 8:00",
        "yesterday",
        "",
    ] {
        let e = batch::parse_started_at(bad).unwrap_err();
        assert!(e.contains("not a date"), "{bad}: {e}");
    }
}

/// A year no recorded call has (0001 and 9999 are what databases and spreadsheets write for
/// "no date", 2206 a typo) is refused naming the cell and the accepted range; the ends of the
/// range are accepted, in every form a date may take.
#[test]
fn started_at_outside_1990_to_2100_is_refused() {
    for bad in [
        "0001-01-01",
        "9999-12-31",
        "9999-12-31T23:59:59",
        "1989-12-31",
        "2101-01-01",
        "2206/11/27 8:00",
        "00010101",
        "0001-01-01T00:00:00+00:00",
    ] {
        let e = batch::parse_started_at(bad).unwrap_err();
        assert!(
            e.contains(&format!("started_at {bad:?}")) && e.contains("1990 to 2100"),
            "{bad}: {e}"
        );
    }
    for good in ["1990-01-01", "2100-12-31T23:59:59", "2026/11/1 8:05"] {
        assert!(batch::parse_started_at(good).is_ok(), "{good}");
    }
}

/// A manifest made on Windows: `录音\0001.wav` is found as `录音/0001.wav`; a drive path is the
/// row's error, saying why, not a bare "no such file".
#[test]
fn windows_paths_in_a_manifest() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "录音/0001.wav", b"x");
    let m = d.path().join("m.csv");
    std::fs::write(
        &m,
        "path,call_id\n录音\\0001.wav,W1\nD:\\录音\\0001.wav,W2\n",
    )
    .unwrap();
    let calls = batch::list_calls(&m, None).unwrap().calls;
    assert_eq!(calls[0].path, d.path().join("录音/0001.wav"));
    assert_eq!(calls[0].problem, None);
    let p = calls[1].problem.as_deref().unwrap_or_default();
    assert!(
        p.contains("row 3") && p.contains("Windows drive path"),
        "{p}"
    );
}

/// "CSV UTF-8" (with its byte-order mark) with one row pasted in from a GBK file: that row is
/// an error row naming it, as without the mark, and every other row runs.
#[test]
fn a_bom_manifest_with_one_gbk_row_fails_that_row_only() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "录音/一.wav", b"x");
    touch(d.path(), "录音/二.wav", b"y");
    let bytes = [
        &b"\xef\xbb\xbf"[..],
        "path,call_id,agent_id\r\n录音/一.wav,C1,张三\r\n".as_bytes(),
        &encoding_rs::GBK.encode("录音/二.wav,C2,李四\r\n").0,
    ]
    .concat();
    let m = d.path().join("m.csv");
    std::fs::write(&m, &bytes).unwrap();
    let calls = batch::list_calls(&m, None).unwrap().calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (
            calls[0].call_id.as_str(),
            calls[0].agent_id.as_str(),
            calls[0].problem.as_deref()
        ),
        ("C1", "张三", None)
    );
    let p = calls[1].problem.as_deref().unwrap_or_default();
    assert!(p.contains("row 3") && p.contains("UTF-8"), "{p}");
}

/// A column given twice (`agent_channel,agent_channel`) is an error naming it, in a manifest
/// and in a reviewer's verdicts: which of the two cells counts would be a guess.
#[test]
fn a_column_given_twice_is_an_error_naming_it() {
    let d = common::tempdir().unwrap();
    touch(d.path(), "1.wav", b"x");
    let m = d.path().join("m.csv");
    std::fs::write(
        &m,
        "path,agent_channel,call_id,agent_channel\n1.wav,0,C1,1\n",
    )
    .unwrap();
    let err = batch::list_calls(&m, None).unwrap_err().to_string();
    assert!(
        err.contains("m.csv")
            && err.contains("\"agent_channel\"")
            && err.contains("more than once"),
        "{err}"
    );
    assert!(!err.contains("call_id"), "{err}");
    let v = d.path().join("verdicts.csv");
    std::fs::write(
        &v,
        "call_id,verdict,reviewer,verdict\nC1,reject,li,confirm\n",
    )
    .unwrap();
    let err = batch::review::reviews_from_csv(&v, "2026-12-08T00:00:00.000Z")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("verdicts.csv")
            && err.contains("\"verdict\"")
            && err.contains("more than once"),
        "{err}"
    );
    // once each, both read
    std::fs::write(&m, "path,agent_channel,call_id\n1.wav,1,C1\n").unwrap();
    let calls = batch::list_calls(&m, None).unwrap().calls;
    assert_eq!(calls[0].agent_channel, Some(1));
}
