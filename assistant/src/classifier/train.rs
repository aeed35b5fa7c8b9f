//! Training: multinomial logistic regression by SGD, softmax and the temperature fitted on
//! held-out data.

use super::features::Sparse;
use super::TrainConfig;

/// A small deterministic random generator (xorshift64*), for shuffling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Index of the largest value.
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// In-place softmax of `v / t`.
pub fn softmax(v: &mut [f32], t: f32) {
    let max = v.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = ((*x - max) / t).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

fn nll(held_out: &[(Vec<f32>, usize)], t: f32) -> f64 {
    let mut total = 0.0f64;
    let mut p = Vec::new();
    for (s, y) in held_out {
        p.clear();
        p.extend_from_slice(s);
        softmax(&mut p, t);
        total -= f64::from(p[*y].max(1e-12)).ln();
    }
    total
}

/// The temperature in [0.02, 20] minimising held-out negative log-likelihood (golden-section
/// search on log t).
pub fn fit_temperature(held_out: &[(Vec<f32>, usize)]) -> f32 {
    if held_out.is_empty() {
        return 1.0;
    }
    let (mut a, mut b) = ((0.02f32).ln(), (20f32).ln());
    let g = 0.618_034f32;
    for _ in 0..40 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if nll(held_out, c.exp()) < nll(held_out, d.exp()) {
            b = d;
        } else {
            a = c;
        }
    }
    ((a + b) / 2.0).exp()
}

/// Multinomial logistic regression by SGD with L2 (lazy weight scaling) and a linearly decaying
/// step. Returns (feature × label weights, biases).
pub(super) fn sgd(xs: &[Sparse], ys: &[usize], c: usize, nf: usize, cfg: &TrainConfig) -> (Vec<f32>, Vec<f32>) {
    let mut w = vec![0f32; nf * c];
    let mut b = vec![0f32; c];
    let mut scale = 1.0f32;
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = Rng(cfg.seed | 1);
    let total = (cfg.epochs * xs.len()).max(1) as f32;
    let mut t = 0usize;
    let mut g = vec![0f32; c];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let eta = cfg.learning_rate * (1.0 - t as f32 / total).max(1e-4);
            g.copy_from_slice(&b);
            for &(j, v) in &xs[i] {
                let f = v * scale;
                let row = &w[j as usize * c..(j as usize + 1) * c];
                for (gc, wc) in g.iter_mut().zip(row) {
                    *gc += f * wc;
                }
            }
            softmax(&mut g, 1.0);
            g[ys[i]] -= 1.0;
            scale *= 1.0 - eta * cfg.l2;
            let step = eta / scale;
            for &(j, v) in &xs[i] {
                let f = step * v;
                let row = &mut w[j as usize * c..(j as usize + 1) * c];
                for (wc, gc) in row.iter_mut().zip(&g) {
                    *wc -= f * gc;
                }
            }
            for (bc, gc) in b.iter_mut().zip(&g) {
                *bc -= eta * gc;
            }
            if scale < 1e-4 {
                for x in w.iter_mut() {
                    *x *= scale;
                }
                scale = 1.0;
            }
            t += 1;
        }
    }
    for x in w.iter_mut() {
        *x *= scale;
    }
    (w, b)
}
