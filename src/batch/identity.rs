//! A call is a recording, not a file name. Recorders restart their numbering every day, so
//! tonight's `0001.wav` is another call than the `0001` a dataset holds from last night. A call
//! whose id the dataset already holds for a different recording (other content; where either
//! could not be read, another path) is stored as `ID~2`, `ID~3`, …: the first such id that is
//! free or already holds this very recording, so that a rerun finds it again and resumes.
//! Nothing is merged or replaced, and verdicts stay with the recording they were given on.

use std::collections::{HashMap, HashSet};

use crate::call::{CallInput, CallStatus, os_text};
use crate::store::Done;

/// What stands between a listed id and the number of the recording stored under it.
const SUFFIX: char = '~';

/// The id a call was listed under, before [`assign`] gave it a suffix (`0001~2` → `0001`).
pub fn listed_id(id: &str) -> &str {
    match id.rsplit_once(SUFFIX) {
        Some((base, n)) if !base.is_empty() && n.parse::<u32>().is_ok_and(|n| n >= 2) => base,
        _ => id,
    }
}

/// Whether a stored row is of the recording at `path` with content `hash` (empty: unreadable).
fn same_recording(d: &Done, hash: &str, path: &str) -> bool {
    if hash.is_empty() || d.content_hash.is_empty() {
        d.path == path
    } else {
        d.content_hash == hash
    }
}

/// Give each call whose id the dataset holds for another recording an id of its own (in
/// place); one message per call renamed, naming both recordings.
pub fn assign(calls: &mut [(CallInput, String)], done: &HashMap<String, Done>) -> Vec<String> {
    let listed: HashSet<String> = calls.iter().map(|(c, _)| c.call_id.clone()).collect();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut notes = Vec::new();
    for (call, hash) in calls.iter_mut() {
        let path = os_text(call.path.as_os_str());
        let Some(stored) = done.get(&call.call_id) else {
            continue;
        };
        if same_recording(stored, hash, &path) {
            continue;
        }
        let id = (2u64..)
            .map(|n| format!("{}{SUFFIX}{n}", call.call_id))
            .find(|id| match done.get(id) {
                Some(d) => same_recording(d, hash, &path),
                None => !listed.contains(id) && !claimed.contains(id),
            })
            .expect("an unbounded range has a free id");
        notes.push(format!(
            "{path}: call id {} already holds another recording ({}); this one is stored as {id}",
            call.call_id, stored.path
        ));
        claimed.insert(id.clone());
        call.call_id = id;
    }
    notes
}

/// Whether a call that cannot be read now (no content hash) has a scored row of a readable
/// recording at the same path: that result is kept, not replaced by an error row.
pub fn keeps_stored_result(hash: &str, path: &str, stored: Option<&Done>) -> bool {
    hash.is_empty()
        && stored.is_some_and(|d| {
            d.status == CallStatus::Ok && !d.content_hash.is_empty() && d.path == path
        })
}
