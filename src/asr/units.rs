//! Rate units of transcript text: what a speech rate counts, and what tells a packed region
//! Whisper skipped most of.

use crate::call::Language;

/// Rate units in a transcript: English words, a number counting one per digit (numbers on calls
/// are read digit by digit, and Whisper writes "one six four six" as 1646 or as words as it
/// likes); for Mandarin (and anything else) CJK characters and digits (each read as one
/// syllable) plus Latin words.
pub fn transcript_units(text: &str, language: Language) -> usize {
    if language == Language::En {
        return text
            .split_whitespace()
            .map(|w| match w.chars().filter(char::is_ascii_digit).count() {
                0 => usize::from(w.chars().any(char::is_alphanumeric)),
                digits => digits,
            })
            .sum();
    }
    let mut n = 0;
    let mut in_word = false;
    for c in text.chars() {
        if is_cjk(c) || c.is_ascii_digit() {
            n += 1;
            in_word = false;
        } else if c.is_alphabetic() {
            if !in_word {
                n += 1;
            }
            in_word = true;
        } else {
            in_word = false;
        }
    }
    n
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF)
}
