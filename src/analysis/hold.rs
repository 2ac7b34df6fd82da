//! Announced holds: a silence right after the agent said 请您稍等 is a hold the customer was
//! told about, not dead air.

use super::{Acoustics, AnalysisConfig, Interval, total};
use crate::asr::Transcript;
use crate::call::Speaker;

/// Move the dead air the agent announced into `holds`.
pub(super) fn separate_holds(
    acoustics: &mut Acoustics,
    transcript: &Transcript,
    cfg: &AnalysisConfig,
) {
    let (holds, dead_air): (Vec<Interval>, Vec<Interval>) = acoustics
        .dead_air
        .iter()
        .partition(|gap| announced(gap, transcript, cfg));
    acoustics.hold_s += total(&holds);
    acoustics.holds.extend(holds);
    acoustics.dead_air_s = total(&dead_air);
    acoustics.dead_air = dead_air;
}

/// Whether the agent announced the silence `gap`: a segment of theirs ending near its start
/// holds a hold phrase.
fn announced(gap: &Interval, transcript: &Transcript, cfg: &AnalysisConfig) -> bool {
    let plain = |t: &str| -> String {
        t.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    transcript
        .segments
        .iter()
        .filter(|s| matches!(s.speaker, Speaker::Agent | Speaker::Mixed))
        .filter(|s| s.end >= gap.start - cfg.hold_window_s && s.end <= gap.start + 1.0)
        .any(|s| {
            let text = plain(&s.text);
            cfg.hold_phrases.iter().any(|p| text.contains(&plain(p)))
        })
}
