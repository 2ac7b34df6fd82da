//! How many calls run at once, and how many Whisper threads each gets.

pub fn num_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whisper threads per call when neither jobs nor threads are given.
const THREADS_PER_JOB: usize = 2;

/// Calls at once and Whisper threads per call on `cores`: whisper.cpp busy-waits, so their
/// product never exceeds the cores unless both are given. Two threads per call: each call
/// holds a Whisper state of ≈ 170 MiB, and one thread per call, though 9–15 % faster on two
/// cores, took the batch's peak memory past faster-whisper's (README, Nightly batch).
pub fn layout(cores: usize, jobs: Option<usize>, threads: Option<usize>) -> (usize, usize) {
    let cores = cores.max(1);
    match (jobs, threads) {
        (Some(j), Some(t)) => (j.max(1), t.max(1)),
        (Some(j), None) => (j.max(1), (cores / j.max(1)).max(1)),
        (None, Some(t)) => ((cores / t.max(1)).max(1), t.max(1)),
        (None, None) => {
            let t = THREADS_PER_JOB.min(cores);
            (cores / t, t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::layout;

    #[test]
    fn layout_never_oversubscribes_unless_told() {
        assert_eq!(layout(2, None, None), (1, 2));
        assert_eq!(layout(1, None, None), (1, 1));
        assert_eq!(layout(16, None, None), (8, 2));
        assert_eq!(layout(3, None, None), (1, 2));
        // --threads alone: as many calls as fit (it used to run cores × threads)
        assert_eq!(layout(2, None, Some(2)), (1, 2));
        assert_eq!(layout(7, None, Some(2)), (3, 2));
        assert_eq!(layout(8, Some(8), None), (8, 1));
        assert_eq!(layout(8, None, Some(4)), (2, 4));
        assert_eq!(layout(2, Some(2), Some(2)), (2, 2));
        assert_eq!(layout(2, Some(0), None), (1, 2));
    }
}
