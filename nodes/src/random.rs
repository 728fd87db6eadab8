//! numpy's legacy random stream (`numpy.random.RandomState`), bit for bit: the
//! Mersenne Twister MT19937 with numpy's integer seeding, and `permutation` as numpy's
//! `shuffle` draws it. scikit-learn shuffles with it (`check_random_state(seed)` is a
//! `RandomState`), so a split with the same seed picks the same rows as
//! `train_test_split(…, random_state=seed)`.

/// Words of MT19937's state.
const N: usize = 624;
/// MT19937's middle word offset.
const M: usize = 397;

/// `numpy.random.RandomState(seed)`.
#[derive(Clone)]
pub struct RandomState {
    key: [u32; N],
    pos: usize,
}

impl std::fmt::Debug for RandomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RandomState")
            .field("pos", &self.pos)
            .finish()
    }
}

impl RandomState {
    /// Seeded as numpy seeds an integer (`mt19937_seed`, Knuth's initialiser).
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; N];
        let mut s = seed;
        for (pos, k) in key.iter_mut().enumerate() {
            *k = s;
            s = 1_812_433_253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(pos as u32 + 1);
        }
        Self { key, pos: N }
    }

    fn generate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        let mix = |a: u32, b: u32, c: u32| {
            let y = (a & UPPER) | (b & LOWER);
            c ^ (y >> 1) ^ (if y & 1 == 1 { MATRIX_A } else { 0 })
        };
        for i in 0..N - M {
            self.key[i] = mix(self.key[i], self.key[i + 1], self.key[i + M]);
        }
        for i in N - M..N - 1 {
            self.key[i] = mix(self.key[i], self.key[i + 1], self.key[i + M - N]);
        }
        self.key[N - 1] = mix(self.key[N - 1], self.key[0], self.key[M - 1]);
        self.pos = 0;
    }

    /// The next 32 random bits (MT19937's tempered output).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == N {
            self.generate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// The next 64 random bits, as numpy joins two draws (high word first).
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// A uniform integer in `0..=max`, by numpy's `random_interval`: draws masked to
    /// the smallest covering power of two, rejected while above `max`.
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        if max <= u64::from(u32::MAX) {
            loop {
                let v = u64::from(self.next_u32()) & mask;
                if v <= max {
                    return v;
                }
            }
        }
        loop {
            let v = self.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `RandomState.permutation(n)`: `arange(n)` shuffled by Fisher–Yates from the
    /// last position down, as numpy's legacy `shuffle` does.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            // `interval(i) ≤ i < n`, which fits usize.
            let j = self.interval(i as u64) as usize;
            out.swap(i, j);
        }
        out
    }

    /// `RandomState.choice(pop_size, size, replace=False)` without weights: numpy's
    /// legacy `choice` takes the first `size` entries of `permutation(pop_size)`, so
    /// it draws exactly what that permutation draws. `size` is at most `pop_size`.
    pub fn choice_without_replacement(&mut self, pop_size: usize, size: usize) -> Vec<usize> {
        let mut out = self.permutation(pop_size);
        out.truncate(size);
        out
    }

    /// `RandomState.permutation(items)` of an array: the items in the order of
    /// `permutation(items.len())` (numpy shuffles a copy with the same swaps).
    pub fn permuted<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        self.permutation(items.len())
            .into_iter()
            .map(|i| items[i].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_mt19937s() {
        // The reference output of mt19937ar.c seeded with init_genrand(5489), the
        // generator's default seed: 3499211612, 581869302, 3890346734, …
        let mut r = RandomState::new(5489);
        assert_eq!(
            [r.next_u32(), r.next_u32(), r.next_u32()],
            [3_499_211_612, 581_869_302, 3_890_346_734]
        );
        // The 10,000th output of the default-seeded generator is 4123659995 (C++'s
        // std::mt19937 conformance value).
        let mut r = RandomState::new(5489);
        let last = (0..10_000).map(|_| r.next_u32()).last();
        assert_eq!(last, Some(4_123_659_995));
    }

    #[test]
    fn a_permutation_holds_every_index_once() {
        let mut p = RandomState::new(7).permutation(1000);
        p.sort_unstable();
        assert!(p.iter().enumerate().all(|(i, x)| i == *x));
        assert!(RandomState::new(1).permutation(0).is_empty());
        assert_eq!(RandomState::new(1).permutation(1), [0]);
    }

    #[test]
    fn choice_and_array_permutation_are_numpys() {
        // numpy 2.4.6: r = RandomState(0);
        //   r.choice(np.arange(10, 17), 4, replace=False) is [16, 12, 11, 13], then
        //   r.permutation(np.array([5, 9, 2, 8, 1])) is [9, 8, 1, 5, 2];
        // with RandomState(42): [10, 11, 15, 12] then [8, 9, 2, 5, 1].
        for (seed, chosen, permuted) in [
            (0, [16, 12, 11, 13], [9, 8, 1, 5, 2]),
            (42, [10, 11, 15, 12], [8, 9, 2, 5, 1]),
        ] {
            let mut r = RandomState::new(seed);
            let picked: Vec<usize> = r
                .choice_without_replacement(7, 4)
                .into_iter()
                .map(|i| i + 10)
                .collect();
            assert_eq!(picked, chosen, "seed {seed}");
            assert_eq!(r.permuted(&[5, 9, 2, 8, 1]), permuted, "seed {seed}");
        }
    }
}
