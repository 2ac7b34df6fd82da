//! What the phone system knows about a call and the recording cannot show: how long it rang,
//! hold time, transfers, who hung up, the queue, the customer's rating. Optional manifest
//! columns, stored on `calls`, read by the rules' `when` conditions.

use serde::{Deserialize, Serialize};

/// Who ended the call, as the phone system's call record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HangupBy {
    Agent,
    Customer,
    System,
}

/// A call's metadata; None where the manifest does not say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallMeta {
    /// Seconds the call rang (or waited at the agent's phone) before the agent answered.
    pub ring_s: Option<f64>,
    /// Hold time the phone system recorded, in seconds.
    pub reported_hold_s: Option<f64>,
    pub transferred: Option<bool>,
    pub hangup_by: Option<HangupBy>,
    pub queue: Option<String>,
    /// The customer's satisfaction rating, 1–5.
    pub csat: Option<i64>,
    pub resolved: Option<bool>,
}

/// What kind of value a metadata column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaType {
    /// Seconds: a finite number ≥ 0.
    Seconds,
    /// An integer 1–5.
    Rating,
    /// true/false (also yes/no, y/n, 1/0).
    Flag,
    /// agent, customer or system.
    Hangup,
    Text,
}

/// The metadata columns: each name is the manifest header, the `calls` column and the field a
/// rule's `when` names.
pub const META_COLUMNS: [(&str, MetaType); 7] = [
    ("ring_s", MetaType::Seconds),
    ("reported_hold_s", MetaType::Seconds),
    ("transferred", MetaType::Flag),
    ("hangup_by", MetaType::Hangup),
    ("queue", MetaType::Text),
    ("csat", MetaType::Rating),
    ("resolved", MetaType::Flag),
];

/// A metadata value, as a `when` condition compares it.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Number(f64),
    Flag(bool),
    Text(String),
}

impl std::fmt::Display for MetaValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetaValue::Number(v) => write!(f, "{v}"),
            MetaValue::Flag(v) => write!(f, "{v}"),
            MetaValue::Text(v) => write!(f, "{v}"),
        }
    }
}

/// The type of metadata column `name`, None when there is no such column.
pub fn meta_type(name: &str) -> Option<MetaType> {
    META_COLUMNS.iter().find(|(n, _)| *n == name).map(|c| c.1)
}

/// A value of type `ty` from text (a manifest cell or a `when` condition's right side); the
/// error says what was expected.
pub fn parse_meta(ty: MetaType, text: &str) -> Result<MetaValue, String> {
    let v = text.trim();
    match ty {
        MetaType::Seconds => v
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(MetaValue::Number)
            .ok_or_else(|| format!("{v:?}: not a number of seconds (≥ 0)")),
        MetaType::Rating => v
            .parse::<i64>()
            .ok()
            .filter(|r| (1..=5).contains(r))
            .map(|r| MetaValue::Number(r as f64))
            .ok_or_else(|| format!("{v:?}: not a rating from 1 to 5")),
        MetaType::Flag => match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(MetaValue::Flag(true)),
            "false" | "no" | "n" | "0" => Ok(MetaValue::Flag(false)),
            _ => Err(format!("{v:?}: not true or false")),
        },
        MetaType::Hangup => v
            .to_ascii_lowercase()
            .parse::<HangupBy>()
            .map(|h| MetaValue::Text(h.to_string()))
            .map_err(|_| format!("{v:?}: not agent, customer or system")),
        MetaType::Text => Ok(MetaValue::Text(v.to_string())),
    }
}

impl CallMeta {
    /// Set column `name` from a manifest cell (empty: unknown). The error names the column.
    pub fn set(&mut self, name: &str, cell: &str) -> Result<(), String> {
        let ty = meta_type(name).ok_or_else(|| format!("{name}: not a metadata column"))?;
        if cell.trim().is_empty() {
            return Ok(());
        }
        let value = parse_meta(ty, cell).map_err(|e| format!("{name} {e}"))?;
        let (num, flag, text) = match &value {
            MetaValue::Number(n) => (Some(*n), None, None),
            MetaValue::Flag(b) => (None, Some(*b), None),
            MetaValue::Text(t) => (None, None, Some(t.clone())),
        };
        match name {
            "ring_s" => self.ring_s = num,
            "reported_hold_s" => self.reported_hold_s = num,
            "transferred" => self.transferred = flag,
            "hangup_by" => self.hangup_by = text.and_then(|t| t.parse().ok()),
            "queue" => self.queue = text,
            "csat" => self.csat = num.map(|n| n as i64),
            "resolved" => self.resolved = flag,
            // a column added to META_COLUMNS but not here must not land in another field
            other => return Err(format!("{other}: metadata column not stored")),
        }
        Ok(())
    }

    /// Column `name`'s value, None when unknown.
    pub fn get(&self, name: &str) -> Option<MetaValue> {
        use MetaValue::{Flag, Number, Text};
        match name {
            "ring_s" => self.ring_s.map(Number),
            "reported_hold_s" => self.reported_hold_s.map(Number),
            "transferred" => self.transferred.map(Flag),
            "hangup_by" => self.hangup_by.map(|h| Text(h.to_string())),
            "queue" => self.queue.clone().map(Text),
            "csat" => self.csat.map(|c| Number(c as f64)),
            "resolved" => self.resolved.map(Flag),
            _ => None,
        }
    }
}
