//! A rule's `when`: a condition on the call's metadata (`ring_s > 15`, `hangup_by = agent`,
//! `transferred and resolved = false`). Clauses joined by `and` must all hold; a clause on a
//! field the manifest did not give does not hold, so the rule does not apply to that call.

use crate::call::{CallMeta, META_COLUMNS, MetaType, MetaValue, meta_type, parse_meta};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    field: String,
    op: Op,
    value: MetaValue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub text: String,
    clauses: Vec<Clause>,
}

impl Condition {
    /// Parse `text`; the error names what is wrong (an unknown field lists the known ones).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut clauses = Vec::new();
        for part in text.split(" and ") {
            clauses.push(clause(part.trim())?);
        }
        Ok(Condition {
            text: text.trim().to_string(),
            clauses,
        })
    }

    /// Whether every clause holds for this call's metadata.
    pub fn holds(&self, meta: &CallMeta) -> bool {
        self.clauses.iter().all(|c| {
            let Some(v) = meta.get(&c.field) else {
                return false;
            };
            match (&v, &c.value) {
                (MetaValue::Number(a), MetaValue::Number(b)) => match c.op {
                    Op::Lt => a < b,
                    Op::Le => a <= b,
                    Op::Gt => a > b,
                    Op::Ge => a >= b,
                    Op::Eq => a == b,
                    Op::Ne => a != b,
                },
                _ => (v == c.value) == (c.op == Op::Eq),
            }
        })
    }

    /// The fields the condition reads with this call's values: a finding's evidence.
    pub fn evidence(&self, meta: &CallMeta) -> String {
        let mut fields: Vec<&str> = self.clauses.iter().map(|c| c.field.as_str()).collect();
        fields.dedup();
        fields
            .iter()
            .map(|f| match meta.get(f) {
                Some(v) => format!("{f} = {v}"),
                None => format!("{f} unknown"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn clause(text: &str) -> Result<Clause, String> {
    // longest operators first, so `>=` is not read as `>`
    let ops = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        ("==", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
    ];
    let (field, op, value) = match ops.iter().find_map(|(s, op)| {
        text.find(s)
            .map(|at| (text[..at].trim(), *op, text[at + s.len()..].trim()))
    }) {
        Some(parts) => parts,
        // a bare flag field: `transferred`, `not resolved`
        None => match text.strip_prefix("not ") {
            Some(f) => (f.trim(), Op::Eq, "false"),
            None => (text, Op::Eq, "true"),
        },
    };
    let ty = meta_type(field).ok_or_else(|| {
        let known: Vec<&str> = META_COLUMNS.iter().map(|c| c.0).collect();
        format!(
            "when {text:?}: unknown field {field:?} (the fields are {})",
            known.join(", ")
        )
    })?;
    let ordered = matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge);
    if ordered && !matches!(ty, MetaType::Seconds | MetaType::Rating) {
        return Err(format!("when {text:?}: {field} is not a number"));
    }
    let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
    // thresholds need not be whole ratings: `csat < 3` and `csat <= 2.5` both make sense
    let value = match ty {
        MetaType::Rating => unquoted
            .parse::<f64>()
            .map(MetaValue::Number)
            .map_err(|_| format!("{unquoted:?}: not a number")),
        _ => parse_meta(ty, unquoted),
    }
    .map_err(|e| format!("when {text:?}: {field} {e}"))?;
    Ok(Clause {
        field: field.to_string(),
        op,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_read_the_metadata() {
        let mut meta = CallMeta::default();
        let c = Condition::parse("ring_s > 15").unwrap();
        assert!(
            !c.holds(&meta),
            "unknown ring time: the rule does not apply"
        );
        meta.set("ring_s", "20").unwrap();
        assert!(c.holds(&meta));
        meta.set("ring_s", "8").unwrap();
        assert!(!c.holds(&meta));
        meta.set("hangup_by", "Agent").unwrap();
        assert!(Condition::parse("hangup_by = agent").unwrap().holds(&meta));
        assert!(!Condition::parse("hangup_by != agent").unwrap().holds(&meta));
        meta.set("transferred", "yes").unwrap();
        meta.set("resolved", "0").unwrap();
        assert!(
            Condition::parse("transferred and not resolved")
                .unwrap()
                .holds(&meta)
        );
        assert!(
            !Condition::parse("transferred and ring_s >= 10")
                .unwrap()
                .holds(&meta)
        );
        assert_eq!(
            Condition::parse("ring_s > 5 and hangup_by = agent")
                .unwrap()
                .evidence(&meta),
            "ring_s = 8, hangup_by = agent"
        );
        for bad in [
            "rign_s > 15",
            "queue > 3",
            "ring_s > soon",
            "hangup_by = boss",
        ] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
        assert!(
            Condition::parse("rign_s > 15")
                .unwrap_err()
                .contains("ring_s")
        );
    }
}
