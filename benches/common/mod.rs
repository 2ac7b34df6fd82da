//! Shared by the benches.

use std::time::Instant;

/// Median wall time (s) of `runs` calls of `f`: robust to the odd slow run on a shared machine.
pub fn median_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}
