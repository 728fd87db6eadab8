//! Smooth unconstrained minimisation for the linear classifiers: L-BFGS with a
//! strong-Wolfe line search, and a deterministic parallel sum over rows.
//!
//! Written here rather than taken from linfa-logistic or argmin because the
//! objectives must read sparse feature matrices row by row (a TF-IDF matrix of
//! 100,000 sentences is never densified) and sum their rows in parallel; linfa-logistic
//! only takes a dense ndarray matrix, and argmin's ndarray backend would make every
//! step copy its vectors through its own state types for no gain. The method is
//! scipy's L-BFGS-B without bounds, which is what scikit-learn's `lbfgs` solver
//! calls: the same stopping rules (`max |gradient| ≤ tol`, or a relative decrease of
//! the objective below `64 · ε`), memory 10, up to 50 line-search steps.

use rayon::prelude::*;

use crate::features::FeatureMatrix;

/// Rows summed by one task of [`sum_rows`]. Chunks depend only on the number of
/// rows, never on the number of threads, so sums (and so fits) come out bit for bit
/// the same on every machine.
pub const CHUNK_ROWS: usize = 8192;

/// `Σ` over rows `0..n` of a loss and its gradient: `rows(range, grad)` adds the
/// gradient of the rows in `range` into `grad` (length `dim`) and returns their loss.
/// Fixed chunks of [`CHUNK_ROWS`] rows run in parallel and are added in chunk order.
pub fn sum_rows<F>(n: usize, dim: usize, rows: F) -> (f64, Vec<f64>)
where
    F: Fn(std::ops::Range<usize>, &mut [f64]) -> f64 + Sync,
{
    let mut grad = vec![0.0; dim];
    if n <= CHUNK_ROWS {
        let loss = rows(0..n, &mut grad);
        return (loss, grad);
    }
    let chunks = n.div_ceil(CHUNK_ROWS);
    let parts: Vec<(f64, Vec<f64>)> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut g = vec![0.0; dim];
            let range = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
            let loss = rows(range, &mut g);
            (loss, g)
        })
        .collect();
    let mut loss = 0.0;
    for (l, g) in parts {
        loss += l;
        grad.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
    }
    (loss, grad)
}

/// When L-BFGS stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Stop when the largest gradient entry is at most this (scipy's `gtol`).
    pub tol: f64,
    /// Most iterations (each one line search).
    pub max_iter: usize,
}

/// How a minimisation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The gradient fell below the tolerance.
    Gradient,
    /// The objective stopped decreasing (relative change below `64 · ε`).
    Objective,
    /// `max_iter` iterations ran out first.
    MaxIter,
    /// No step along the search direction decreased the objective enough (the
    /// point is as good as rounding allows).
    LineSearch,
}

/// The minimiser found.
#[derive(Clone, Debug)]
pub struct Minimum {
    /// The point.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Why it stopped.
    pub stop: Stop,
}

impl Minimum {
    /// Whether it stopped because it converged.
    pub fn converged(&self) -> bool {
        matches!(self.stop, Stop::Gradient | Stop::Objective)
    }
}

const MEMORY: usize = 10;
const MAX_LINE_SEARCH: usize = 50;
const C1: f64 = 1e-4;
const C2: f64 = 0.9;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// One evaluated point of the line search.
struct Point {
    step: f64,
    value: f64,
    slope: f64,
    x: Vec<f64>,
    grad: Vec<f64>,
}

/// The minimiser of the cubic through `(a, fa, da)` and `(b, fb, db)`, kept inside
/// the interval with a margin of a tenth of its width (bisection when the cubic has
/// no minimum there).
fn cubic_step(a: &Point, b: &Point) -> f64 {
    let (lo, hi) = if a.step < b.step { (a, b) } else { (b, a) };
    let width = hi.step - lo.step;
    let d1 = lo.slope + hi.slope - 3.0 * (lo.value - hi.value) / (lo.step - hi.step);
    let disc = d1 * d1 - lo.slope * hi.slope;
    let mid = lo.step + width / 2.0;
    if disc < 0.0 || !disc.is_finite() {
        return mid;
    }
    let d2 = disc.sqrt();
    let t = hi.step - width * (hi.slope + d2 - d1) / (hi.slope - lo.slope + 2.0 * d2);
    if !t.is_finite() {
        return mid;
    }
    t.clamp(lo.step + 0.1 * width, hi.step - 0.1 * width)
}

/// Minimises `f` from `x0`; `f(x, grad)` returns the objective at `x` and writes its
/// gradient into `grad`.
pub fn minimise<F>(mut f: F, x0: Vec<f64>, settings: Settings) -> Minimum
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let dim = x0.len();
    let mut x = x0;
    let mut grad = vec![0.0; dim];
    let mut value = f(&x, &mut grad);
    // Curvature pairs (s, y, 1/yᵀs), oldest first.
    let mut memory: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::with_capacity(MEMORY);
    let mut iterations = 0;
    let finish = |x, value, iterations, stop| Minimum {
        x,
        value,
        iterations,
        stop,
    };
    loop {
        if max_abs(&grad) <= settings.tol {
            return finish(x, value, iterations, Stop::Gradient);
        }
        if iterations >= settings.max_iter {
            return finish(x, value, iterations, Stop::MaxIter);
        }
        // The two-loop recursion: direction = −H·grad.
        let mut d: Vec<f64> = grad.iter().map(|g| -g).collect();
        let mut alphas = Vec::with_capacity(memory.len());
        for (s, y, rho) in memory.iter().rev() {
            let a = rho * dot(s, &d);
            d.iter_mut().zip(y).for_each(|(di, yi)| *di -= a * yi);
            alphas.push(a);
        }
        if let Some((s, y, _)) = memory.back() {
            let gamma = dot(s, y) / dot(y, y);
            d.iter_mut().for_each(|di| *di *= gamma);
        }
        for ((s, y, rho), a) in memory.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &d);
            d.iter_mut().zip(s).for_each(|(di, si)| *di += (a - b) * si);
        }
        let mut slope = dot(&grad, &d);
        let mut first = if memory.is_empty() {
            // No curvature known yet: a unit step in the largest coordinate.
            1.0 / max_abs(&grad).max(1.0)
        } else {
            1.0
        };
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction (rounding): restart from steepest descent.
            memory.clear();
            d = grad.iter().map(|g| -g).collect();
            slope = dot(&grad, &d);
            first = 1.0 / max_abs(&grad).max(1.0);
        }
        iterations += 1;
        let Some(next) = line_search(&mut f, &x, value, slope, &d, first) else {
            if memory.is_empty() {
                return finish(x, value, iterations, Stop::LineSearch);
            }
            // The quasi-Newton direction failed: forget the curvature and retry.
            memory.clear();
            continue;
        };
        let s: Vec<f64> = next.x.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = next.grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let ys = dot(&y, &s);
        let decrease = value - next.value;
        let scale = value.abs().max(next.value.abs()).max(1.0);
        x = next.x;
        grad = next.grad;
        let old = value;
        value = next.value;
        if ys > f64::EPSILON * dot(&y, &y) {
            if memory.len() == MEMORY {
                memory.pop_front();
            }
            memory.push_back((s, y, 1.0 / ys));
        }
        if decrease <= 64.0 * f64::EPSILON * scale && old >= value {
            if max_abs(&grad) <= settings.tol {
                return finish(x, value, iterations, Stop::Gradient);
            }
            return finish(x, value, iterations, Stop::Objective);
        }
    }
}

/// A step along `d` from `x` meeting the strong Wolfe conditions (Nocedal & Wright,
/// algorithms 3.5 and 3.6, with cubic interpolation), or `None`.
fn line_search<F>(
    f: &mut F,
    x: &[f64],
    value0: f64,
    slope0: f64,
    d: &[f64],
    first: f64,
) -> Option<Point>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let mut eval = |step: f64| -> Point {
        let xs: Vec<f64> = x.iter().zip(d).map(|(a, b)| a + step * b).collect();
        let mut grad = vec![0.0; x.len()];
        let value = f(&xs, &mut grad);
        let slope = dot(&grad, d);
        Point {
            step,
            value,
            slope,
            x: xs,
            grad,
        }
    };
    let sufficient = |p: &Point| p.value <= value0 + C1 * p.step * slope0 && p.value.is_finite();
    let curvature = |p: &Point| p.slope.abs() <= -C2 * slope0;
    let mut prev = Point {
        step: 0.0,
        value: value0,
        slope: slope0,
        x: Vec::new(),
        grad: Vec::new(),
    };
    let mut step = first;
    let mut evals = 0;
    let (mut lo, mut hi) = loop {
        if evals >= MAX_LINE_SEARCH {
            return None;
        }
        let p = eval(step);
        evals += 1;
        if !p.value.is_finite() {
            // Overflow far out: come back towards the last good point.
            step = prev.step + (step - prev.step) / 10.0;
            continue;
        }
        if !sufficient(&p) || (evals > 1 && p.value >= prev.value) {
            break (prev, p);
        }
        if curvature(&p) {
            return Some(p);
        }
        if p.slope >= 0.0 {
            break (p, prev);
        }
        step = 2.0 * p.step;
        prev = p;
    };
    // Zoom: `lo` satisfies sufficient decrease with the lowest value so far; the
    // minimiser lies between `lo` and `hi`.
    while evals < MAX_LINE_SEARCH {
        let t = cubic_step(&lo, &hi);
        if (hi.step - lo.step).abs() <= f64::EPSILON * lo.step.abs().max(1e-300) {
            break;
        }
        let p = eval(t);
        evals += 1;
        if !sufficient(&p) || p.value >= lo.value {
            hi = p;
        } else {
            if curvature(&p) {
                return Some(p);
            }
            if p.slope * (hi.step - lo.step) >= 0.0 {
                hi = lo;
            }
            lo = p;
        }
    }
    // Out of steps: take the best point if it decreased the objective at all.
    (lo.step > 0.0 && lo.value < value0).then_some(lo)
}

/// Solves `A·d = b` for a symmetric positive definite `A` given as its product
/// `hv(v, out)` by conjugate gradients, until the residual is at most `tol` (or
/// `max_iter` products ran; the last iterate is still a descent direction for a
/// Newton step).
pub fn conjugate_gradient(
    mut hv: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    tol: f64,
    max_iter: usize,
) -> Vec<f64> {
    let dim = b.len();
    let mut d = vec![0.0; dim];
    let mut r = b.to_vec();
    let mut p = r.clone();
    let mut ap = vec![0.0; dim];
    let mut rr = dot(&r, &r);
    for _ in 0..max_iter {
        if rr.sqrt() <= tol {
            break;
        }
        hv(&p, &mut ap);
        let pap = dot(&p, &ap);
        if pap.is_nan() || pap <= 0.0 {
            break;
        }
        let alpha = rr / pap;
        d.iter_mut().zip(&p).for_each(|(di, pi)| *di += alpha * pi);
        r.iter_mut().zip(&ap).for_each(|(ri, ai)| *ri -= alpha * ai);
        let next = dot(&r, &r);
        let beta = next / rr;
        rr = next;
        p.iter_mut()
            .zip(&r)
            .for_each(|(pi, ri)| *pi = ri + beta * *pi);
    }
    d
}

/// The largest absolute entry.
pub fn max_abs_entry(a: &[f64]) -> f64 {
    max_abs(a)
}

/// Where a linear model's numbers sit in the optimiser's vector: the weight of
/// feature `j` for output `c` at `j · outputs + c` (one row's entries side by side,
/// so a sparse row touches contiguous memory), then one intercept per output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Matrix columns.
    pub features: usize,
    /// Decision values per row (1 for a binary model, else one per class).
    pub outputs: usize,
    /// Whether intercepts follow the weights.
    pub fit_intercept: bool,
}

impl Layout {
    /// Length of the vector.
    pub fn dim(&self) -> usize {
        (self.features + usize::from(self.fit_intercept)) * self.outputs
    }

    /// Row `i`'s decision values into `z`.
    pub fn decision(&self, x: &FeatureMatrix, i: usize, w: &[f64], z: &mut [f64]) {
        let k = self.outputs;
        if k == 1 {
            // One output: its weights are contiguous, a plain dot product (the hot
            // loop of a binary fit on a million dense rows).
            let b = if self.fit_intercept {
                w[self.features]
            } else {
                0.0
            };
            z[0] = b + match x {
                FeatureMatrix::Dense(m) => match m.row(i).to_slice() {
                    Some(row) => row.iter().zip(w).map(|(a, b)| a * b).sum(),
                    None => x.row_dot(i, &w[..self.features]),
                },
                FeatureMatrix::Sparse(_) => x.row_dot(i, &w[..self.features]),
            };
            return;
        }
        if self.fit_intercept {
            z.copy_from_slice(&w[self.features * k..]);
        } else {
            z.fill(0.0);
        }
        x.for_each_in_row(i, |j, v| {
            for (zc, wc) in z.iter_mut().zip(&w[j * k..(j + 1) * k]) {
                *zc += v * wc;
            }
        });
    }

    /// Adds `r[c] · x_i` (and `r` to the intercepts) into `grad`.
    pub fn add_gradient(&self, x: &FeatureMatrix, i: usize, r: &[f64], grad: &mut [f64]) {
        let k = self.outputs;
        if k == 1 {
            let r0 = r[0];
            if r0 == 0.0 {
                // A row past its margin (squared hinge) adds nothing.
                return;
            }
            let row = match x {
                FeatureMatrix::Dense(m) => Some(m.row(i)),
                FeatureMatrix::Sparse(_) => None,
            };
            match row.as_ref().and_then(|r| r.to_slice()) {
                Some(row) => {
                    for (g, v) in grad[..self.features].iter_mut().zip(row) {
                        *g += r0 * v;
                    }
                }
                None => x.for_each_in_row(i, |j, v| grad[j] += r0 * v),
            }
            if self.fit_intercept {
                grad[self.features] += r0;
            }
            return;
        }
        x.for_each_in_row(i, |j, v| {
            for (gc, rc) in grad[j * k..(j + 1) * k].iter_mut().zip(r) {
                *gc += v * rc;
            }
        });
        if self.fit_intercept {
            for (gc, rc) in grad[self.features * k..].iter_mut().zip(r) {
                *gc += rc;
            }
        }
    }

    /// The weights as one row per output, and the intercepts (zeros without).
    pub fn unpack(&self, w: &[f64]) -> (Vec<Vec<f64>>, Vec<f64>) {
        let k = self.outputs;
        let coef = (0..k)
            .map(|c| (0..self.features).map(|j| w[j * k + c]).collect())
            .collect();
        let intercept = if self.fit_intercept {
            w[self.features * k..].to_vec()
        } else {
            vec![0.0; k]
        };
        (coef, intercept)
    }
}

/// A penalised linear objective: `scale · Σ_i loss_i(z_i) + ½ · l2 · ‖w‖²`, where
/// `z_i` are row `i`'s decision values and `w` the weights (and the intercepts too
/// when `penalise_intercept`, as liblinear does).
pub struct LinearObjective<'a, L> {
    /// The rows.
    pub x: &'a FeatureMatrix,
    /// Where the numbers sit.
    pub layout: Layout,
    /// `row_loss(i, z, r)`: row `i`'s loss at decision values `z`, its derivative
    /// with respect to each `z_c` written into `r`.
    pub row_loss: L,
    /// Factor of the summed loss (1 / the total sample weight).
    pub scale: f64,
    /// Strength of the L2 penalty.
    pub l2: f64,
    /// Whether the intercepts are penalised too.
    pub penalise_intercept: bool,
}

impl<L> LinearObjective<'_, L>
where
    L: Fn(usize, &[f64], &mut [f64]) -> f64 + Sync,
{
    /// The objective at `w`, its gradient written into `grad`.
    pub fn value(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let k = self.layout.outputs;
        let (loss, g) = sum_rows(self.x.n_rows(), w.len(), |range, g| {
            let mut z = vec![0.0; k];
            let mut r = vec![0.0; k];
            let mut loss = 0.0;
            for i in range {
                self.layout.decision(self.x, i, w, &mut z);
                loss += (self.row_loss)(i, &z, &mut r);
                self.layout.add_gradient(self.x, i, &r, g);
            }
            loss
        });
        let penalised = if self.penalise_intercept || !self.layout.fit_intercept {
            w.len()
        } else {
            self.layout.features * k
        };
        let mut norm = 0.0;
        for (j, (gj, (wj, lj))) in grad.iter_mut().zip(w.iter().zip(&g)).enumerate() {
            *gj = self.scale * lj;
            if j < penalised {
                *gj += self.l2 * wj;
                norm += wj * wj;
            }
        }
        self.scale * loss + 0.5 * self.l2 * norm
    }

    /// Minimises the objective from zero.
    pub fn minimise(&self, settings: Settings) -> Minimum {
        minimise(
            |w, g| self.value(w, g),
            vec![0.0; self.layout.dim()],
            settings,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_the_rosenbrock_function() {
        let rosen = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimise(
            rosen,
            vec![-1.2, 1.0],
            Settings {
                tol: 1e-10,
                max_iter: 1000,
            },
        );
        assert!(m.converged(), "{:?}", m.stop);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8,
            "{:?}",
            m.x
        );
    }

    #[test]
    fn a_quadratic_converges_and_the_iteration_cap_is_kept() {
        let quad = |x: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                let c = (i + 1) as f64;
                *gi = c * (xi - 1.0);
                v += 0.5 * c * (xi - 1.0).powi(2);
            }
            v
        };
        let s = Settings {
            tol: 1e-12,
            max_iter: 200,
        };
        let m = minimise(quad, vec![0.0; 30], s);
        // Stopped by the gradient or, as scipy does, once the objective (near 0 here)
        // no longer decreases by 64·ε: ½·c·(x − 1)² ≈ 1e-14 leaves x within 1e-6.
        assert!(m.converged());
        assert!(m.x.iter().all(|v| (v - 1.0).abs() < 1e-6), "{:?}", m.x);
        let m = minimise(quad, vec![0.0; 30], Settings { max_iter: 2, ..s });
        assert_eq!((m.stop, m.iterations), (Stop::MaxIter, 2));
    }

    #[test]
    fn conjugate_gradients_solve_a_positive_definite_system() {
        let a = [[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]];
        let hv = |v: &[f64], out: &mut [f64]| {
            for (o, row) in out.iter_mut().zip(&a) {
                *o = dot(row, v);
            }
        };
        let d = conjugate_gradient(hv, &[1.0, 2.0, 3.0], 1e-14, 10);
        let mut back = [0.0; 3];
        hv(&d, &mut back);
        for (x, b) in back.iter().zip([1.0, 2.0, 3.0]) {
            assert!((x - b).abs() < 1e-12);
        }
    }

    #[test]
    fn row_sums_do_not_depend_on_chunking() {
        let n = 3 * CHUNK_ROWS + 17;
        let rows = |r: std::ops::Range<usize>, g: &mut [f64]| {
            let mut l = 0.0;
            for i in r {
                let v = (i as f64).sin();
                g[i % 3] += v;
                l += v * v;
            }
            l
        };
        let (l, g) = sum_rows(n, 3, rows);
        let (l2, g2) = sum_rows(n, 3, rows);
        assert_eq!((l.to_bits(), g.clone()), (l2.to_bits(), g2));
        let mut seq = vec![0.0; 3];
        let ls = rows(0..n, &mut seq);
        assert!((l - ls).abs() < 1e-9 && (g[0] - seq[0]).abs() < 1e-9);
    }
}
