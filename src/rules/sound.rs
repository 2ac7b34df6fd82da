//! How a character sounds, for matching by sound: toneless pinyin syllables packed in integers,
//! blurred the way Mandarin speakers and Whisper on phone audio blur them, and which syllables
//! are near (misheard for each other without being homophones).

use pinyin::{ToPinyin, ToPinyinMulti};

/// A toneless syllable (as said, or blurred: [`lenient`]) or a character that has none, packed
/// in an integer so that the search compares sounds without hashing or allocating strings.
/// Letters a–z are 1–26, five bits each, the first lowest; the pinyin data's other letters (ê)
/// are 27: such a syllable is never near another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sound(u32);

/// A character without a reading (a digit, punctuation), kept as itself.
const OTHER: u32 = 1 << 31;
/// A syllable as spelt, apart from the blurred forms (a short phrase's sounds).
const AS_SPELT: u32 = 1 << 30;
const MAX_LETTERS: usize = 6;

impl Sound {
    fn syllable(letters: &[u8], as_spelt: bool) -> Sound {
        debug_assert!(letters.len() <= MAX_LETTERS, "{letters:?}");
        let code = letters
            .iter()
            .take(MAX_LETTERS)
            .rev()
            .fold(0u32, |acc, &b| (acc << 5) | letter_code(b));
        Sound(code | if as_spelt { AS_SPELT } else { 0 })
    }

    /// A character with no reading sounds as itself; a lone Latin letter is the one-letter
    /// syllable (a is 啊's sound).
    fn of_other(c: char) -> Sound {
        if c.is_ascii_lowercase() {
            Sound::syllable(&[c as u8], false)
        } else {
            Sound(OTHER | c as u32)
        }
    }
}

fn letter_code(b: u8) -> u32 {
    if b.is_ascii_lowercase() {
        u32::from(b - b'a' + 1)
    } else {
        27
    }
}

/// What one transcript character was heard as: its everyday reading blurred and as spelt, or
/// the character itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    sounds: [Sound; 2],
    n: u8,
}

impl Heard {
    pub fn iter(&self) -> impl Iterator<Item = Sound> + '_ {
        self.sounds[..usize::from(self.n)].iter().copied()
    }

    pub(super) fn shares(&self, with: &[Sound]) -> bool {
        self.iter().any(|s| with.contains(&s))
    }
}

/// Each digit's readings (toneless): 幺 and 两 as well as 一 and 二, 洞 for 0 as radio and
/// phone operators say it.
const DIGIT_READINGS: [&[&str]; 10] = [
    &["ling", "dong"],
    &["yi", "yao"],
    &["er", "liang"],
    &["san"],
    &["si"],
    &["wu"],
    &["liu"],
    &["qi"],
    &["ba"],
    &["jiu"],
];

/// A syllable (toneless, as said) that is a digit's reading: Whisper writes a spoken number it
/// does not recognise as one with same-sounding characters (幺九七幺七 → 要久期要期).
pub(super) fn digit_of_sound(c: char) -> Option<char> {
    if c.is_ascii_digit() {
        return Some(c);
    }
    let p = c.to_pinyin()?;
    let d = DIGIT_READINGS.iter().position(|r| r.contains(&p.plain()))?;
    char::from_digit(d as u32, 10)
}

/// What a transcript's character was heard as: its everyday reading only (blurred, and as spelt
/// for short phrases). Whisper spells what it heard with characters in their common reading;
/// the rare readings the pinyin data also lists (以 as sì, 去以 → 去死) must not turn ordinary
/// words into hits.
pub fn heard(c: char) -> Heard {
    match c.to_pinyin() {
        Some(p) => Heard {
            sounds: [lenient(p.plain()), strict(p.plain())],
            n: 2,
        },
        None => Heard {
            sounds: [Sound::of_other(c); 2],
            n: 1,
        },
    }
}

/// A syllable as spelt, marked apart from the lenient forms (a short phrase's sounds).
fn strict(p: &str) -> Sound {
    let (letters, n) = ascii_letters(p);
    Sound::syllable(&letters[..n], true)
}

/// A pinyin syllable's letters, ü as v.
fn ascii_letters(p: &str) -> ([u8; MAX_LETTERS], usize) {
    let mut out = [0u8; MAX_LETTERS];
    let mut n = 0;
    for c in p.chars().take(MAX_LETTERS) {
        out[n] = match c {
            'ü' => b'v',
            c if c.is_ascii() => c as u8,
            _ => b'?',
        };
        n += 1;
    }
    (out, n)
}

/// [`sounds`] without the blurring, for phrases shorter than LENIENT_LEN.
pub(super) fn strict_sounds(c: char) -> Vec<Sound> {
    match c.to_pinyin_multi() {
        Some(multi) if c.to_digit(10).is_none() => {
            dedup(multi.into_iter().map(|p| strict(p.plain())))
        }
        _ => sounds(c),
    }
}

fn dedup(sounds: impl Iterator<Item = Sound>) -> Vec<Sound> {
    let mut out: Vec<Sound> = Vec::new();
    for s in sounds {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Every toneless reading of a rule phrase's character (an author may mean any of them, 行 in
/// 银行 is háng), lenient where Mandarin speakers (and Whisper) blur: zh/ch/sh → z/c/s,
/// l → n, -ng → -n. A digit sounds as itself and as said (1: yi, yao); other non-Chinese
/// characters as themselves.
pub fn sounds(c: char) -> Vec<Sound> {
    if let Some(d) = c.to_digit(10) {
        // a digit in a phrase is also said: 打12315 is 打妖儿三妖舞 as Whisper writes it
        let said = DIGIT_READINGS[d as usize].iter().map(|p| lenient(p));
        return dedup(std::iter::once(Sound::of_other(c)).chain(said));
    }
    match c.to_pinyin_multi() {
        Some(multi) => dedup(multi.into_iter().map(|p| lenient(p.plain()))),
        None => vec![Sound::of_other(c)],
    }
}

/// Two toneless (lenient) pinyin syllables that Whisper confuses on phone audio without being
/// homophones: the same final after initials of one class (ge for he), or the same initial
/// before finals with the same vowel (lai for lan, yi for yin). Not: de for he, nin for lan (您的 is not
/// 蓝河). Only Chinese syllables; digits and letters are never near.
pub(super) fn near(a: Sound, b: Sound) -> bool {
    let (Some(a_), Some(b_)) = (Shape::of(a), Shape::of(b)) else {
        return false;
    };
    if a == b {
        return false;
    }
    let initials_alike = a_.initial == b_.initial
        || (a_.initial != 0 && b_.initial != 0 && class_of(a_.initial) & class_of(b_.initial) != 0);
    (a_.fin == b_.fin && initials_alike) || (a_.initial == b_.initial && a_.vowel == b_.vowel)
}

/// A blurred syllable of letters a–z cut into its initial (0: none) and final, as letter codes.
struct Shape {
    initial: u32,
    fin: u32,
    /// The vowel the final is built on: a of ian, i of in and i (yi/yin differ by the n alone).
    vowel: Option<u32>,
}

impl Shape {
    fn of(s: Sound) -> Option<Shape> {
        if s.0 & (OTHER | AS_SPELT) != 0 || s.0 == 0 {
            return None;
        }
        let mut code = s.0;
        while code != 0 {
            if code & 31 > 26 {
                return None;
            }
            code >>= 5;
        }
        let first = s.0 & 31;
        let (initial, fin) = if INITIALS & (1 << first) != 0 {
            (first, s.0 >> 5)
        } else {
            (0, s.0)
        };
        if fin == 0 {
            return None;
        }
        let (mut rest, mut glide) = (fin, None);
        while rest != 0 && GLIDES & (1 << (rest & 31)) != 0 {
            glide = Some(rest & 31);
            rest >>= 5;
        }
        let vowel = if rest != 0 && VOWELS & (1 << (rest & 31)) != 0 {
            Some(rest & 31)
        } else {
            glide
        };
        Some(Shape {
            initial,
            fin,
            vowel,
        })
    }
}

const fn letter_set(letters: &[u8]) -> u32 {
    let mut set = 0;
    let mut k = 0;
    while k < letters.len() {
        set |= 1 << (letters[k] - b'a' + 1);
        k += 1;
    }
    set
}

const INITIALS: u32 = letter_set(b"bpmfdtngkhjqxrzcsyw");
const GLIDES: u32 = letter_set(b"iuv");
const VOWELS: u32 = letter_set(b"aeo");
/// Initials Whisper confuses, one class per bit.
const CLASSES: [u32; 7] = [
    letter_set(b"gkh"),
    letter_set(b"fh"),
    letter_set(b"bp"),
    letter_set(b"dt"),
    letter_set(b"jqx"),
    letter_set(b"zcs"),
    letter_set(b"mn"),
];

fn class_of(letter: u32) -> u32 {
    CLASSES
        .iter()
        .enumerate()
        .filter(|(_, c)| *c & (1 << letter) != 0)
        .fold(0, |acc, (k, _)| acc | 1 << k)
}

/// A syllable blurred: zh/ch/sh → z/c/s, l → n, -eng/-ing → -en/-in.
fn lenient(p: &str) -> Sound {
    let (mut l, mut n) = ascii_letters(p);
    if n >= 2 && matches!(l[0], b'z' | b'c' | b's') && l[1] == b'h' {
        l.copy_within(2..n, 1);
        n -= 1;
    }
    // n/l: merged by many southern speakers, and Whisper on phone audio writes 南 for 蓝
    if l[0] == b'l' {
        l[0] = b'n';
    }
    if n >= 3 && l[n - 2..n] == *b"ng" && matches!(l[n - 3], b'e' | b'i') {
        n -= 1;
    }
    Sound::syllable(&l[..n], false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule `near` implements, on the syllables' spellings.
    fn near_spelt(a: &str, b: &str) -> bool {
        const CLASSES: [&str; 7] = ["gkh", "fh", "bp", "dt", "jqx", "zcs", "mn"];
        fn split(p: &str) -> Option<(&str, &str)> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_lowercase()) {
                return None;
            }
            let n = usize::from(p.starts_with(|c| "bpmfdtngkhjqxrzcsyw".contains(c)));
            Some(p.split_at(n))
        }
        // the vowel a final is built on: a of ian, i of in and i (yi/yin differ by the n alone)
        let vowel = |f: &str| {
            let rest = f.trim_start_matches(['i', 'u', 'v']);
            match rest.chars().next() {
                Some(c) if "aeo".contains(c) => Some(c),
                _ => f[..f.len() - rest.len()].chars().last(),
            }
        };
        match (split(a), split(b)) {
            (Some((ia, fa)), Some((ib, fb))) if a != b && !fa.is_empty() && !fb.is_empty() => {
                let initials_alike = ia == ib
                    || CLASSES.iter().any(|c| {
                        !ia.is_empty() && !ib.is_empty() && c.contains(ia) && c.contains(ib)
                    });
                (fa == fb && initials_alike) || (ia == ib && vowel(fa) == vowel(fb))
            }
            _ => false,
        }
    }

    /// A blurred syllable's letters.
    fn letters(s: Sound) -> Option<String> {
        let mut code = s.0;
        let mut out = String::new();
        while code != 0 {
            out.push(char::from(b'a' + (code & 31) as u8 - 1));
            code >>= 5;
        }
        (s.0 & (OTHER | AS_SPELT) == 0).then_some(out)
    }

    fn spelt(p: &str) -> Sound {
        if p.bytes().all(|b| b.is_ascii_lowercase()) {
            Sound::syllable(p.as_bytes(), false)
        } else {
            Sound::of_other(p.chars().next().expect("a sound"))
        }
    }

    #[test]
    fn near_is_its_rule_on_every_pair_of_syllables() {
        let mut all: Vec<String> = (0x4E00..=0x9FFF)
            .filter_map(char::from_u32)
            .filter_map(|c| c.to_pinyin_multi())
            .flat_map(|m| m.into_iter().map(|p| p.plain().replace('ü', "v")))
            .flat_map(|p| {
                let l = letters(lenient(&p));
                [Some(p), l]
            })
            .flatten()
            .chain(["4", "a", "e"].map(String::from))
            .collect();
        all.sort();
        all.dedup();
        assert!(all.len() > 400, "{}", all.len());
        let mut pairs = 0;
        for a in &all {
            for b in &all {
                let want = near_spelt(a, b);
                assert_eq!(near(spelt(a), spelt(b)), want, "{a}/{b}");
                pairs += usize::from(want);
            }
        }
        assert!(pairs > 1000, "{pairs} near pairs");
    }

    #[test]
    fn near_sounds_share_a_final_after_like_initials_or_an_initial_and_vowel() {
        for (a, b) in [
            ("he", "ge"),
            ("nan", "nai"),
            ("he", "ke"),
            ("si", "ci"),
            ("fu", "hu"),
            ("yi", "yin"),
            ("du", "dun"),
        ] {
            assert!(near(spelt(a), spelt(b)), "{a}/{b}");
        }
        for (a, b) in [
            ("he", "de"),
            ("nan", "nin"),
            ("nan", "mai"),
            ("he", "he"),
            ("4", "si"),
            ("yi", "yu"),
        ] {
            assert!(!near(spelt(a), spelt(b)), "{a}/{b}");
        }
    }
}
