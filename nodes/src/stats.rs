//! Accurate sums and means for the statistics the steps report.

/// A sum with Neumaier's compensation: the correctly rounded sum for all practical
/// inputs, so statistics agree with numpy's pairwise sums to the last bits instead
/// of drifting with the row count.
pub fn sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for v in values {
        let t = s + v;
        c += if s.abs() >= v.abs() {
            (s - t) + v
        } else {
            (v - t) + s
        };
        s = t;
    }
    s + c
}

/// The mean (0 for no values).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        sum(values.iter().copied()) / values.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensation_keeps_small_terms() {
        // Naive summation returns 0 here: 1 is lost next to 1e100.
        assert_eq!(sum([1e100, 1.0, -1e100]), 1.0);
        assert_eq!(sum([0.1; 10]), 1.0);
        assert_eq!(mean(&[1.0, 2.0, 4.5]), 2.5);
        assert_eq!(mean(&[]), 0.0);
    }
}
