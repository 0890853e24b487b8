//! How samples are taken and compared: rounds in which ours and its
//! baselines each take one sample, in a shuffled order, and ratios read round
//! by round, with the median's confidence interval, so that a reader can tell
//! a real miss from this machine's noise.

use super::Result;
use std::time::{Duration, Instant};

/// The median of some samples (NaN for none).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    quantile(&v, 0.5)
}

/// Calls `f` (one unit of work per call, returning how many units it did)
/// until `min` has passed; returns units per second.
pub fn rate(min: Duration, mut f: impl FnMut() -> Result<u64>) -> Result<f64> {
    let start = Instant::now();
    let mut units = 0u64;
    loop {
        units += f()?;
        let elapsed = start.elapsed();
        if elapsed >= min {
            return Ok(units as f64 / elapsed.as_secs_f64());
        }
    }
}

/// A sampler: one call measures one sample (a rate).
pub type Sampler<'a> = Box<dyn FnMut() -> Result<f64> + 'a>;

/// Runs `runs` rounds; in each round every sampler takes one sample, so that
/// ours and its baselines see the same machine load. Each round takes them in
/// a new order (shuffled, the same shuffles every run): a sample can read
/// faster or slower for what ran just before it, and a fixed order would put
/// that into a ratio (the noise-floor rows of item 2 showed it).
pub fn side_by_side(runs: usize, samplers: &mut [Sampler<'_>]) -> Result<Measured> {
    for s in samplers.iter_mut() {
        s()?; // warm-up, not counted
    }
    let mut rounds = Vec::with_capacity(runs);
    let rng = pareta_core::rng::Rng::seeded(0);
    for _ in 0..runs {
        let mut samples = vec![0.0; samplers.len()];
        let mut order: Vec<usize> = (0..samplers.len()).collect();
        // Fisher-Yates.
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        for i in order {
            samples[i] = samplers[i]()?;
        }
        rounds.push(samples);
    }
    let medians = (0..samplers.len()).map(|i| median(rounds.iter().map(|r| r[i]).collect())).collect();
    Ok(Measured { rounds, medians })
}

/// The samples of [`side_by_side`], round by round. Indexing gives a
/// sampler's median.
#[derive(Debug)]
pub struct Measured {
    rounds: Vec<Vec<f64>>,
    medians: Vec<f64>,
}

impl Measured {
    /// Sampler `a` over sampler `b`: the median of their ratios within each
    /// round. Load that drifts over the run (this machine is shared) moves
    /// both samples of a round together, so it cancels here and not in a
    /// ratio of two medians.
    pub fn ratio(&self, a: usize, b: usize) -> Paired {
        let mut v: Vec<f64> = self.rounds.iter().map(|r| r[a] / r[b]).collect();
        v.sort_by(f64::total_cmp);
        let (low, high) = (quantile(&v, 0.25), quantile(&v, 0.75));
        Paired { median: quantile(&v, 0.5), low, high, interval: median_interval(&v, INTERVAL) }
    }
}

/// The `q` quantile of `sorted` (ascending), interpolated between the two
/// samples around it, so that a quartile of eleven rounds sits as far from
/// either end (NaN for no samples).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else { return f64::NAN };
    let at = last as f64 * q;
    let (below, frac) = (at.floor() as usize, at.fract());
    match sorted.get(below + 1) {
        Some(next) if frac > 0.0 => sorted[below] + (next - sorted[below]) * frac,
        _ => sorted[below],
    }
}

/// A round-by-round ratio: its median and the quartiles of the rounds, which
/// show how far one round's ratio wanders on this machine.
#[derive(Clone, Copy, Debug)]
pub struct Paired {
    /// The median of the rounds' ratios.
    pub median: f64,
    /// Lower quartile.
    pub low: f64,
    /// Upper quartile.
    pub high: f64,
    /// Where the true median lies with at least [`INTERVAL`] confidence (see
    /// [`median_interval`]); `None` with too few rounds for one.
    pub interval: Option<Interval>,
}

/// The confidence the intervals of [`Paired`] are taken at.
pub const INTERVAL: f64 = 0.90;

/// A confidence interval for a median.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Its lower end.
    pub low: f64,
    /// Its upper end.
    pub high: f64,
    /// Its nominal coverage (at least the level asked for).
    pub coverage: f64,
}

impl Interval {
    /// Whether the interval lies wholly on one side of `goal`: only then did
    /// the run tell a ratio above the goal from one below it.
    pub fn resolves(&self, goal: f64) -> bool {
        goal < self.low || self.high < goal
    }
}

/// A distribution-free confidence interval for the median of `sorted`
/// (ascending; the sign test's): the k-th smallest and k-th largest rounds,
/// for the largest k whose coverage, 1 - 2 P(Binomial(n, 1/2) < k), is still
/// at least `level`. The coverage is nominal: it holds for rounds that are
/// independent draws of one distribution. The shuffled order of
/// [`side_by_side`] keeps a round's order out of its ratio, but load that
/// drifts over a run makes rounds alike, so read the interval as the run's own
/// account of its spread, not a guarantee. At 90%, five rounds give the
/// smallest and largest (94%), eleven the third of each end (93%), and fewer
/// than five none. `None` too when an end is not a finite number (a sample of
/// zero).
pub fn median_interval(sorted: &[f64], level: f64) -> Option<Interval> {
    debug_assert!(sorted.is_sorted_by(|a, b| a.total_cmp(b).is_le()), "median_interval needs sorted samples");
    let n = sorted.len();
    // Each term P(Binomial(n, 1/2) = i) in logarithms, so that neither
    // 0.5^n nor the binomial coefficient leaves f64's range for large n.
    let mut log_term = n as f64 * 0.5f64.ln();
    let (mut below, mut best) = (0.0f64, None);
    for k in 1..=n / 2 {
        // `below` is P(Binomial(n, 1/2) < k) after this step.
        below += log_term.exp();
        log_term += ((n - (k - 1)) as f64 / k as f64).ln();
        let coverage = 1.0 - 2.0 * below;
        if coverage < level {
            break;
        }
        best = Some(Interval { low: sorted[k - 1], high: sorted[n - k], coverage });
    }
    best.filter(|i| i.low.is_finite() && i.high.is_finite())
}

impl std::ops::Index<usize> for Measured {
    type Output = f64;
    fn index(&self, i: usize) -> &f64 {
        &self.medians[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(n: usize) -> Vec<f64> {
        (1..=n).map(|i| i as f64).collect()
    }

    #[test]
    fn the_median_interval_takes_the_order_statistics_the_sign_test_allows() {
        // Five rounds: only the extremes reach 90% (1 - 2/32).
        let i = median_interval(&sorted(5), 0.9).unwrap();
        assert_eq!((i.low, i.high), (1.0, 5.0));
        assert!((i.coverage - 0.9375).abs() < 1e-12);
        // Eleven: the third from each end (1 - 2 * 67/2048).
        let i = median_interval(&sorted(11), 0.9).unwrap();
        assert_eq!((i.low, i.high), (3.0, 9.0));
        assert!((i.coverage - (1.0 - 134.0 / 2048.0)).abs() < 1e-12);
        // A lower level narrows it: eleven rounds at 75% keep the fourth (1 - 2 * 232/2048 = 77%).
        assert_eq!(median_interval(&sorted(11), 0.75).map(|i| (i.low, i.high)), Some((4.0, 8.0)));
        // Ten and twenty rounds: the second and the sixth from each end.
        assert_eq!(median_interval(&sorted(10), 0.9).map(|i| (i.low, i.high)), Some((2.0, 9.0)));
        assert_eq!(median_interval(&sorted(20), 0.9).map(|i| (i.low, i.high)), Some((6.0, 15.0)));
        // Many rounds stay in f64's range (0.5^2000 alone underflows): the
        // 963rd from each end, 90.65% (exact binomial sums, worked in Python).
        let i = median_interval(&sorted(2_000), 0.9).unwrap();
        assert_eq!((i.low, i.high), (963.0, 1_038.0));
        assert!((i.coverage - 0.906_492_254).abs() < 1e-6, "{i:?}");
        // A sample of zero makes a ratio infinite: no interval, not an "inf" one.
        assert_eq!(median_interval(&[0.9, 0.95, 1.0, 1.02, f64::INFINITY], 0.9), None);
        // Four rounds cannot reach 90% (1 - 2/16 = 87.5%); none cannot at all.
        assert_eq!(median_interval(&sorted(4), 0.9), None);
        assert_eq!(median_interval(&[], 0.9), None);
    }

    #[test]
    fn an_interval_resolves_a_goal_only_from_one_side() {
        let i = Interval { low: 0.92, high: 1.04, coverage: 0.94 };
        assert!(!i.resolves(0.95));
        assert!(i.resolves(0.9));
        assert!(i.resolves(1.05));
    }

    #[test]
    fn a_ratio_is_read_round_by_round() {
        // Ours at 0.9x, 1.0x, 1.1x, 0.8x, 1.2x of the baseline, round by round.
        let rounds = [0.9, 1.0, 1.1, 0.8, 1.2].iter().map(|r| vec![100.0 * r, 100.0]).collect();
        let m = Measured { rounds, medians: vec![100.0, 100.0] };
        let p = m.ratio(0, 1);
        assert!((p.median - 1.0).abs() < 1e-12);
        assert_eq!((p.low, p.high), (0.9, 1.1));
        let i = p.interval.unwrap();
        assert_eq!((i.low, i.high), (0.8, 1.2));
    }

    #[test]
    fn quartiles_sit_as_far_from_either_end() {
        // Eleven rounds: the quartiles are the 3.5th and the 8.5th.
        let v = sorted(11);
        assert_eq!((quantile(&v, 0.25), quantile(&v, 0.75)), (3.5, 8.5));
        assert_eq!(quantile(&v, 0.5), 6.0);
        assert_eq!(quantile(&sorted(5), 0.25), 2.0);
        assert!(quantile(&[], 0.25).is_nan());
    }
}
