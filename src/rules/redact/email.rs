//! E-mail addresses, written (`@`, Chinese local parts) or spoken (dot/at, 艾特/点).

use super::{JOIN, Mask};

/// E-mail addresses in `chars`, written or spoken, as whole masks.
pub(super) fn email_masks(chars: &[char]) -> Vec<Mask> {
    // the regexes see a segment join as a space
    let text: String = chars
        .iter()
        .map(|&c| if c == JOIN { ' ' } else { c })
        .collect();
    let byte_to_char: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let char_at = |b: usize| byte_to_char.partition_point(|&x| x < b);
    [email_regex(), spoken_email_regex()]
        .iter()
        .flat_map(|re| re.find_iter(&text))
        .map(|m| Mask {
            start: char_at(m.start()),
            end: char_at(m.end()),
            whole: true,
        })
        .collect()
}

/// A written address: a local part (Latin, digits, up to four Chinese characters before them),
/// `@` or `＠`, a dotted Latin domain (`.`, `．` or `。`: Chinese text after it is no label).
pub(in crate::rules) fn email_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)(?:\p{Han}{1,4})?[a-z0-9._%+\-]*\s*[@＠]\s*[a-z0-9\-]+(?:\s*[.．。]\s*[a-z0-9\-]+)+",
        )
        .expect("valid regex")
    })
}

/// A spoken address: name parts joined by "dot"/点/"underscore", then "at" (艾特, 圈a), then a
/// domain ending in a common top-level domain said as "dot com" or 点com.
fn spoken_email_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        let part = r"(?:[a-z0-9]+|\p{Han}{1,3})";
        let join = r"\s*(?:\bdot\b|\bunderscore\b|\bdash\b|点|下划线|[._\-])\s*";
        let at = r"(?:\s+at\s+|\s*(?:艾特|爱特|圈a|[@＠]|[\[(]\s*at\s*[\])])\s*)";
        let dot = r"\s*(?:\bdot\b|\bperiod\b|点|[.．。]|[\[(]\s*dot\s*[\])])\s*";
        // a label may be said in words: "one six three dot com"
        let label = r"[a-z0-9\-]+(?:\s+[a-z0-9\-]+){0,3}";
        let tld =
            r"(?:com|cn|net|org|edu|gov|info|biz|io|co|me|hk|tw|uk|us|jp|de|top|vip|xyz|cc)\b";
        regex::Regex::new(&format!(
            r"(?i){part}(?:{join}{part})*{at}{label}(?:{dot}{label})*{dot}{tld}"
        ))
        .expect("valid regex")
    })
}
