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

/// The id a call's name gave it, before a suffix told two recordings of that name apart:
/// this module's `~n` and the listing's `#n` (`0001#2~2` → `0001`). All recordings of one name
/// go to one shard, so that one worker decides which is which.
pub fn listed_id(id: &str) -> &str {
    let strip = |id: &'_ str, mark: char| -> Option<usize> {
        let (base, n) = id.rsplit_once(mark)?;
        (!base.is_empty() && n.parse::<u32>().is_ok_and(|n| n >= 2)).then_some(base.len())
    };
    let id = strip(id, SUFFIX).map_or(id, |n| &id[..n]);
    strip(id, '#').map_or(id, |n| &id[..n])
}

/// Whether a stored row is of the recording at `path` with content `hash` (empty: unreadable).
/// An error row at the same path is: the file was cut short or damaged then, and is whole now.
fn same_recording(d: &Done, hash: &str, path: &str) -> bool {
    if hash.is_empty() || d.content_hash.is_empty() || d.status == CallStatus::Error {
        d.path == path
    } else {
        d.content_hash == hash
    }
}

/// Give each call its recording's id (in place): the stored id that holds this very content
/// under the same name, whatever the listing order made of it (`#2` one night, `#3` the next);
/// else its own id, unless that holds another recording: then a free `~n`. One message per
/// call given an id of its own, naming both recordings.
pub fn assign(calls: &mut [(CallInput, String)], done: &HashMap<String, Done>) -> Vec<String> {
    let listed: HashSet<String> = calls.iter().map(|(c, _)| c.call_id.clone()).collect();
    let mut claimed: HashSet<String> = HashSet::new();
    let held = recordings_held(done);
    let mut pending = Vec::new();
    for (k, (call, hash)) in calls.iter_mut().enumerate() {
        let stored = held.get(&(listed_id(&call.call_id), hash.as_str()));
        match stored {
            Some(id) if !hash.is_empty() && !claimed.contains(*id) => {
                call.call_id = (*id).to_string();
                claimed.insert(call.call_id.clone());
            }
            _ => pending.push(k),
        }
    }
    let mut notes = Vec::new();
    for k in pending {
        let (call, hash) = &mut calls[k];
        let path = os_text(call.path.as_os_str());
        let free = |id: &String, claimed: &HashSet<String>| {
            !claimed.contains(id) && done.get(id).is_none_or(|d| same_recording(d, hash, &path))
        };
        if free(&call.call_id, &claimed) {
            claimed.insert(call.call_id.clone());
            continue;
        }
        let id = (2u64..)
            .map(|n| format!("{}{SUFFIX}{n}", call.call_id))
            .find(|id| free(id, &claimed) && (done.contains_key(id) || !listed.contains(id)))
            .expect("an unbounded range has a free id");
        let other = done
            .get(&call.call_id)
            .map_or("another file of this run", |d| d.path.as_str());
        notes.push(format!(
            "{path}: call id {} already holds another recording ({other}); this one is stored \
             as {id}",
            call.call_id
        ));
        claimed.insert(id.clone());
        call.call_id = id;
    }
    notes
}

/// Each stored scored recording by (listed name, content hash) → its id.
fn recordings_held(done: &HashMap<String, Done>) -> HashMap<(&str, &str), &str> {
    done.iter()
        .filter(|(_, d)| d.status == CallStatus::Ok && !d.content_hash.is_empty())
        .map(|(id, d)| ((listed_id(id), d.content_hash.as_str()), id.as_str()))
        .collect()
}

/// Whether a call that cannot be read now (no content hash) has a scored row of a readable
/// recording at the same path: that result is kept, not replaced by an error row.
pub fn keeps_stored_result(hash: &str, path: &str, stored: Option<&Done>) -> bool {
    hash.is_empty()
        && stored.is_some_and(|d| {
            d.status == CallStatus::Ok && !d.content_hash.is_empty() && d.path == path
        })
}
