//! Text Whisper writes for sound that is not speech: its annotations of music and noise, and
//! the subtitle credits it learnt from film subtitles and recites over hold music and hiss.

/// Whisper's own marks for non-speech: (音乐), (自然的声音), [Music], ♪.
const BRACKETS: [(char, char); 5] = [
    ('(', ')'),
    ('（', '）'),
    ('[', ']'),
    ('【', '】'),
    ('*', '*'),
];

/// Subtitle credits and sign-offs of the video subtitles Whisper was trained on, in lower case
/// and without spaces. None of them is said on a service call; each is specific enough that a
/// sentence holding it is the hallucination, not speech (订阅 alone is said: 您订阅的套餐).
const CREDITS: [&str; 13] = [
    "amara.org",
    "字幕由",
    "字幕志愿者",
    "中文字幕",
    "明镜与点点",
    "点点栏目",
    "不吝点赞",
    "独播剧场",
    "yoyotelevision",
    "谢谢观看",
    "感谢观看",
    "thankyouforwatching",
    "thanksforwatching",
];

/// Whether a segment's text is no speech at all: only bracketed annotations and music signs, or
/// a subtitle credit, in simplified or traditional characters.
pub(super) fn is_non_speech(text: &str) -> bool {
    // Whisper writes them in traditional characters as often as in simplified
    let squeezed: String = fast2s::convert(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if CREDITS.iter().any(|c| squeezed.contains(c)) {
        return true;
    }
    let mut rest = String::new();
    let mut open: Option<char> = None;
    for c in squeezed.chars() {
        match open {
            Some(close) if c == close => open = None,
            Some(_) => {}
            None => match BRACKETS.iter().find(|b| b.0 == c) {
                Some(&(_, close)) => open = Some(close),
                None => rest.push(c),
            },
        }
    }
    !squeezed.is_empty() && !rest.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::is_non_speech;

    #[test]
    fn annotations_and_credits_are_not_speech() {
        for t in [
            "(音乐)",
            "（掌声）",
            "[Music]",
            "♪ ♪",
            "*笑*",
            "(自然的声音)。",
            "字幕由Amara.org社区提供",
            "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
            "Thank you for watching!",
            "請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目",
            "謝謝觀看",
        ] {
            assert!(is_non_speech(t), "{t}");
        }
        for t in [
            "您好，蓝河银行，工号1174。",
            "好的(笑)我知道了",
            "您订阅的套餐已经生效",
            "谢谢您的耐心等待",
            "Zither Harp",
            "",
        ] {
            assert!(!is_non_speech(t), "{t}");
        }
    }
}
