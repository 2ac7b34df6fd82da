//! Reference transcripts and the edit distance that scores against them: shared by the
//! dataset generator, the evaluation and the tests.

use std::path::Path;

/// The `words` tier of a THCHS-30 TextGrid: (start, end, character), silences dropped.
pub fn textgrid_words(path: &Path) -> Vec<(f64, f64, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let tier = &text[text.find("name = \"words\"").expect("words tier")..];
    let mut out = Vec::new();
    let mut lines = tier.lines().map(str::trim);
    while let Some(l) = lines.next() {
        if let Some(v) = l.strip_prefix("xmin = ") {
            let xmin: f64 = v.parse().unwrap();
            let Some(xmax) = lines.next().and_then(|l| l.strip_prefix("xmax = ")) else {
                continue;
            };
            let Some(t) = lines.next().and_then(|l| l.strip_prefix("text = ")) else {
                continue;
            };
            let t = t.trim_matches('"');
            if !t.is_empty() && t != "[SIL]" {
                out.push((xmin, xmax.parse().unwrap(), t.to_string()));
            }
        }
    }
    out
}

pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(x != y))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
