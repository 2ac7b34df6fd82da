//! Approximate phrase search over normalised text: the one algorithm behind the exact, fuzzy and
//! homophone modes, which differ only in how two characters compare and how many edits pass.

use std::collections::{HashMap, HashSet};

use super::sound::{Heard, Sound, digit_of_sound, near, sounds, strict_sounds};

/// The characters and sounds a text holds: a phrase needing more of its own than the text
/// offers cannot be found in it, which rules out most phrases before the search.
#[derive(Debug, Default)]
pub struct Present {
    chars: HashSet<char>,
    sounds: HashSet<Sound>,
}

impl Present {
    pub fn of(text: &[char], heard: &[Heard]) -> Self {
        Present {
            chars: text.iter().copied().collect(),
            sounds: heard.iter().flat_map(|h| h.iter()).collect(),
        }
    }
}

/// Homophone phrases this long or longer pass one near sound (a half edit) on top of their edits.
const NEAR_FREE_LEN: usize = 3;
/// Homophone phrases this long or longer blur zh/z, l/n, -ng/-n; shorter ones must sound the
/// same exactly (toneless): two blurred syllables are too easily ordinary words (趋势 and 去世
/// are not 去死, 杀彘 is not 傻子).
const LENIENT_LEN: usize = 3;

/// A phrase ready to search for, in one match mode.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub chars: Vec<char>,
    /// Per character, its toneless readings (homophone mode only).
    pub sounds: Vec<Vec<Sound>>,
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
        let sounds = if homophone && chars.len() < LENIENT_LEN {
            chars.iter().map(|&c| strict_sounds(c)).collect()
        } else if homophone {
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

    /// What putting text char `c` in place of pattern char `j` costs, in half edits: 0 the same
    /// character or sound, 1 a near sound (homophone mode: the same initial or the same final,
    /// 来 for 蓝, 个 for 河, as Whisper mishears phone speech), 2 anything else.
    fn cost(&self, j: usize, c: char, text_sounds: Option<&Heard>) -> usize {
        if self.chars[j] == c {
            return 0;
        }
        match text_sounds {
            Some(s) if self.homophone => {
                if s.shares(&self.sounds[j]) {
                    0
                } else if self.sounds[j].iter().any(|&a| s.iter().any(|b| near(a, b))) {
                    1
                } else {
                    2
                }
            }
            _ => 2,
        }
    }

    /// Half edits a phrase gets beyond `max_edits`: in homophone mode one near sound in a phrase
    /// of NEAR_FREE_LEN syllables or more (急什么急 heard as 其什么急: jí/qí, 他妈的 as 唐妈的,
    /// 烦不烦 as 反部法); two syllables are too few (杂志 is near 傻子).
    fn near_allowance(&self) -> usize {
        usize::from(self.homophone && self.chars.len() >= NEAR_FREE_LEN)
    }

    /// The fewest half edits any hit in a text holding `present` can take: a character that
    /// is neither in it nor sounds like one of it costs a near sound at best (homophone mode)
    /// or an edit. False only where [`find`](Self::find) would find nothing.
    pub fn may_occur(&self, present: &Present) -> bool {
        let least: usize = (0..self.chars.len())
            .map(|j| {
                let c = self.chars[j];
                if c == ' ' || present.chars.contains(&c) {
                    0
                } else if !self.homophone {
                    2
                } else if self.sounds[j].iter().any(|s| present.sounds.contains(s)) {
                    0
                } else {
                    1
                }
            })
            .sum();
        least <= 2 * self.max_edits + self.near_allowance()
    }

    /// Non-overlapping best hits, left to right. `text_sounds` is `heard()` of each text char
    /// (computed once per text, needed in homophone mode). A hit's `edits` are whole edits,
    /// two near sounds making one.
    pub fn find(&self, text: &[char], text_sounds: &[Heard]) -> Vec<Hit> {
        let m = self.chars.len();
        if m == 0 || text.is_empty() {
            return Vec::new();
        }
        // Sellers' algorithm: edit distance of the pattern against every substring ending at i,
        // with a free start. start[j] tracks where the best alignment began.
        let mut cost: Vec<usize> = (0..=m).map(|j| 2 * j).collect();
        let mut start: Vec<usize> = vec![0; m + 1];
        let mut candidates: Vec<(Hit, usize)> = Vec::new(); // with its cost in half edits
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
                let sub = diag + self.cost(j - 1, c, ts);
                // A space is no sound: Whisper writes Riverbank or River Bank as it likes.
                let del = cost[j - 1] + if self.chars[j - 1] == ' ' { 0 } else { 2 }; // pattern char missing from text
                let ins = up + if c == ' ' { 0 } else { 2 }; // extra text char
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
            if cost[m] <= 2 * self.max_edits + self.near_allowance() {
                let hit = Hit {
                    start: start[m],
                    end: i + 1,
                    edits: cost[m].div_ceil(2),
                };
                candidates.push((hit, cost[m]));
            }
        }
        // Keep the cheapest hit among overlapping candidates.
        let mut hits: Vec<(Hit, usize)> = Vec::new();
        for (h, c) in candidates {
            match hits.last_mut() {
                Some((last, last_c)) if h.start < last.end => {
                    if c < *last_c {
                        (*last, *last_c) = (h, c);
                    }
                }
                _ => hits.push((h, c)),
            }
        }
        hits.into_iter().map(|(h, _)| h).collect()
    }
}

/// A regex pattern's own Chinese characters by sound, to respell a transcript with them before
/// the pattern runs: 工号 in a pattern finds 功耗/公号/共号 in the text.
#[derive(Debug, Clone, Default)]
pub struct Spelling {
    by_sound: HashMap<Sound, char>,
    own: HashSet<char>,
    /// The pattern looks for digits: a run of characters read as digits becomes digits.
    digits: bool,
}

/// Shortest run of digit-sounding characters read as a number: four, since a 工号 has four or
/// more digits while everyday words rarely chain that many (一起吧 is three).
const DIGIT_RUN: usize = 4;

impl Spelling {
    /// From the Chinese characters of a regex's source (all their readings). A sound two of
    /// them share keeps the first.
    pub fn of_pattern(source: &str) -> Self {
        let mut sp = Spelling {
            digits: source.contains("0-9"),
            ..Spelling::default()
        };
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
    pub fn respell(&self, text: &[char], heard: &[Heard]) -> Vec<char> {
        let mut out: Vec<char> = text
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                if self.own.contains(&c) || !is_cjk(c) {
                    return c;
                }
                heard
                    .get(i)
                    .and_then(|h| h.iter().find_map(|s| self.by_sound.get(&s)))
                    .copied()
                    .unwrap_or(c)
            })
            .collect();
        if self.digits {
            let digit = |c: char| {
                (!self.own.contains(&c))
                    .then(|| digit_of_sound(c))
                    .flatten()
            };
            let mut i = 0;
            while i < text.len() {
                let run = text[i..]
                    .iter()
                    .take_while(|&&c| digit(c).is_some())
                    .count();
                if run >= DIGIT_RUN {
                    for k in i..i + run {
                        out[k] = digit(text[k]).expect("in the run");
                    }
                }
                i += run.max(1);
            }
        }
        out
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::sound::heard;

    #[test]
    fn two_near_syllables_cost_one_edit() {
        let company = Pattern::new("蓝河银行".chars().collect(), 1, true);
        let hits = |text: &str| {
            let chars: Vec<char> = text.chars().collect();
            let heard: Vec<_> = chars.iter().map(|&c| heard(c)).collect();
            company.find(&chars, &heard)
        };
        assert_eq!(hits("来个银行")[0].edits, 1);
        assert_eq!(hits("南非银行")[0].edits, 1);
        assert_eq!(hits("南河银行")[0].edits, 0);
        // a phrase of four syllables or more passes one near sound beyond its budget: 买 for
        // 蓝 (one edit) and 个 for 河 (near); never two unlike sounds
        assert_eq!(hits("买个银行")[0].edits, 2);
        assert!(hits("您的银行").is_empty());
        let find = |p: &Pattern, text: &str| {
            let chars: Vec<char> = text.chars().collect();
            let sounds: Vec<_> = chars.iter().map(|&c| heard(c)).collect();
            p.find(&chars, &sounds)
        };
        let strict = Pattern::new("蓝河银行".chars().collect(), 0, true);
        assert!(
            find(&strict, "来个银行").is_empty(),
            "no budget: one near sound, not two"
        );
        assert_eq!(find(&strict, "来河银行").len(), 1);
        let three = Pattern::new("他妈的".chars().collect(), 0, true);
        assert_eq!(
            find(&three, "唐妈的").len(),
            1,
            "three syllables: one near sound"
        );
        assert!(find(&three, "唐拿的").is_empty(), "not two near sounds");
        let short = Pattern::new("滚开".chars().collect(), 0, true);
        assert!(
            find(&short, "混开").is_empty(),
            "two syllables: exact sounds"
        );
        // … not blurred either: sh is not s, zh not z in two syllables
        let die = Pattern::new("去死".chars().collect(), 0, true);
        assert_eq!(find(&die, "去四").len(), 1);
        for ordinary in ["趋势", "去世", "趣事"] {
            assert!(find(&die, ordinary).is_empty(), "{ordinary}");
        }
        let fool = Pattern::new("傻子".chars().collect(), 0, true);
        assert!(find(&fool, "杀彘").is_empty() && find(&fool, "洒自").is_empty());
    }

    #[test]
    fn a_phrase_ruled_out_up_front_is_never_found() {
        let phrases = [
            "蓝河银行",
            "你听不懂吗",
            "滚开",
            "傻子",
            "打12315",
            "not my job",
            "烦不烦",
        ];
        // the phrases' own characters, homophones and near sounds of them, and others
        let pool: Vec<char> =
            "蓝河银行南来个买您的你听不懂吗泥停部东马滚开混凯傻子杀彘沙打12315幺儿三舞\
             notmyjb 烦不烦反部法我们好的一下"
                .chars()
                .collect();
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let (mut found, mut ruled_out) = (0, 0);
        for phrase in phrases {
            for (edits, homophone) in [(0, true), (1, true), (2, true), (0, false), (1, false)] {
                let p = Pattern::new(phrase.chars().collect(), edits, homophone);
                for _ in 0..300 {
                    let mut text: Vec<char> =
                        (0..next(4)).map(|_| pool[next(pool.len())]).collect();
                    for c in phrase.chars() {
                        match next(5) {
                            0 => text.push(pool[next(pool.len())]),
                            1 => {}
                            2 => text.extend([c, pool[next(pool.len())]]),
                            _ => text.push(c),
                        }
                    }
                    text.extend((0..next(4)).map(|_| pool[next(pool.len())]));
                    let heard: Vec<_> = text.iter().map(|&c| heard(c)).collect();
                    let hits = p.find(&text, if homophone { &heard } else { &[] });
                    let may = p.may_occur(&Present::of(&text, &heard));
                    let t: String = text.iter().collect();
                    assert!(
                        hits.is_empty() || may,
                        "{phrase} ({edits}, {homophone}) in {t}"
                    );
                    found += usize::from(!hits.is_empty());
                    ruled_out += usize::from(!may);
                }
            }
        }
        assert!(
            found > 1000 && ruled_out > 1000,
            "{found} found, {ruled_out} ruled out"
        );
    }
}
