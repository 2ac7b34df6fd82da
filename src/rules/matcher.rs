//! Approximate phrase search over normalised text: the one algorithm behind the exact, fuzzy and
//! homophone modes, which differ only in how two characters compare and how many edits pass.

use std::collections::{HashMap, HashSet};

use pinyin::{ToPinyin, ToPinyinMulti};

/// A phrase ready to search for, in one match mode.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub chars: Vec<char>,
    /// Per character, its toneless readings (homophone mode only).
    pub sounds: Vec<HashSet<String>>,
    pub max_edits: usize,
    pub homophone: bool,
}

/// A hit: [start, end) in the searched characters, and the edits it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub edits: usize,
}

impl Pattern {
    pub fn new(chars: Vec<char>, max_edits: usize, homophone: bool) -> Self {
        let sounds = if homophone {
            chars.iter().map(|&c| sounds(c)).collect()
        } else {
            Vec::new()
        };
        Pattern {
            chars,
            sounds,
            max_edits,
            homophone,
        }
    }

    fn same(&self, j: usize, c: char, text_sounds: Option<&HashSet<String>>) -> bool {
        if self.chars[j] == c {
            return true;
        }
        match text_sounds {
            Some(s) if self.homophone => !self.sounds[j].is_disjoint(s),
            _ => false,
        }
    }

    /// Non-overlapping best hits, left to right. `text_sounds` is `heard()` of each text char
    /// (computed once per text, needed in homophone mode).
    pub fn find(&self, text: &[char], text_sounds: &[HashSet<String>]) -> Vec<Hit> {
        let m = self.chars.len();
        if m == 0 || text.is_empty() {
            return Vec::new();
        }
        // Sellers' algorithm: edit distance of the pattern against every substring ending at i,
        // with a free start. start[j] tracks where the best alignment began.
        let mut cost: Vec<usize> = (0..=m).collect();
        let mut start: Vec<usize> = vec![0; m + 1];
        let mut candidates: Vec<Hit> = Vec::new();
        for (i, &c) in text.iter().enumerate() {
            let ts = if self.homophone {
                text_sounds.get(i)
            } else {
                None
            };
            let (mut diag, mut diag_start) = (0usize, i);
            cost[0] = 0;
            start[0] = i + 1;
            for j in 1..=m {
                let (up, up_start) = (cost[j], start[j]);
                let sub = diag + usize::from(!self.same(j - 1, c, ts));
                let del = cost[j - 1] + 1; // pattern char missing from text
                let ins = up + 1; // extra text char
                let (v, s) = if sub <= del && sub <= ins {
                    (sub, diag_start)
                } else if ins <= del {
                    (ins, up_start)
                } else {
                    (del, start[j - 1])
                };
                diag = up;
                diag_start = up_start;
                cost[j] = v;
                start[j] = s;
            }
            if cost[m] <= self.max_edits {
                candidates.push(Hit {
                    start: start[m],
                    end: i + 1,
                    edits: cost[m],
                });
            }
        }
        // Keep the fewest-edit hit among overlapping candidates.
        let mut hits: Vec<Hit> = Vec::new();
        for h in candidates {
            match hits.last_mut() {
                Some(last) if h.start < last.end => {
                    if h.edits < last.edits {
                        *last = h;
                    }
                }
                _ => hits.push(h),
            }
        }
        hits
    }
}

/// A regex pattern's own Chinese characters by sound, to respell a transcript with them before
/// the pattern runs: 工号 in a pattern finds 功耗/公号/共号 in the text.
#[derive(Debug, Clone, Default)]
pub struct Spelling {
    by_sound: HashMap<String, char>,
    own: HashSet<char>,
}

impl Spelling {
    /// From the Chinese characters of a regex's source (all their readings). A sound two of
    /// them share keeps the first.
    pub fn of_pattern(source: &str) -> Self {
        let mut sp = Spelling::default();
        for c in source.chars().filter(|c| is_cjk(*c)) {
            if sp.own.insert(c) {
                for s in sounds(c) {
                    sp.by_sound.entry(s).or_insert(c);
                }
            }
        }
        sp
    }

    /// `text` with every character that is not the pattern's own but sounds like one of them
    /// (by its everyday reading, `heard`) replaced by it. Same length, so positions hold.
    pub fn respell(&self, text: &[char], heard: &[HashSet<String>]) -> Vec<char> {
        text.iter()
            .enumerate()
            .map(|(i, &c)| {
                if self.own.contains(&c) || !is_cjk(c) {
                    return c;
                }
                heard
                    .get(i)
                    .and_then(|h| h.iter().find_map(|s| self.by_sound.get(s)))
                    .copied()
                    .unwrap_or(c)
            })
            .collect()
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

/// What a transcript's character was heard as: its everyday reading only. Whisper spells what
/// it heard with characters in their common reading; the rare readings the pinyin data also
/// lists (以 as sì, 去以 → 去死) must not turn ordinary words into hits.
pub fn heard(c: char) -> HashSet<String> {
    match c.to_pinyin() {
        Some(p) => std::iter::once(lenient(p.plain())).collect(),
        None => std::iter::once(c.to_string()).collect(),
    }
}

/// Every toneless reading of a rule phrase's character (an author may mean any of them, 行 in
/// 银行 is háng), lenient where Mandarin speakers (and Whisper) blur: zh/ch/sh → z/c/s,
/// l → n, -ng → -n. Non-Chinese characters sound as themselves.
pub fn sounds(c: char) -> HashSet<String> {
    match c.to_pinyin_multi() {
        Some(multi) => multi.into_iter().map(|p| lenient(p.plain())).collect(),
        None => std::iter::once(c.to_string()).collect(),
    }
}

fn lenient(p: &str) -> String {
    let p = p.replace('ü', "v");
    let p = ["zh", "ch", "sh"]
        .iter()
        .find(|i| p.starts_with(**i))
        .map_or(p.clone(), |i| p.replacen(i, &i[..1], 1));
    // n/l: merged by many southern speakers, and Whisper on phone audio writes 南 for 蓝
    let p = match p.strip_prefix('l') {
        Some(rest) => format!("n{rest}"),
        None => p,
    };
    p.strip_suffix("ng")
        .filter(|s| s.ends_with(['e', 'i']))
        .map_or(p.clone(), |s| format!("{s}n"))
}
