//! A bounded cache of recent rows' answers (`--cache N`): least recently used out.

use std::collections::{BTreeMap, HashMap};

/// At most `capacity` answers by row key.
#[derive(Debug)]
pub struct Cache<V> {
    capacity: usize,
    tick: u64,
    entries: HashMap<String, (u64, V)>,
    by_age: BTreeMap<u64, String>,
}

impl<V: Clone> Cache<V> {
    /// An empty cache of `capacity` rows.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            tick: 0,
            entries: HashMap::with_capacity(capacity.min(1 << 16)),
            by_age: BTreeMap::new(),
        }
    }

    /// The answer for `key`, now the most recently used.
    pub fn get(&mut self, key: &str) -> Option<V> {
        self.tick += 1;
        let tick = self.tick;
        let (old, v) = self.entries.get_mut(key)?;
        let k = self.by_age.remove(old).expect("ages mirror entries");
        *old = tick;
        self.by_age.insert(tick, k);
        Some(v.clone())
    }

    /// Keeps `value` for `key`, dropping the least recently used when full.
    pub fn put(&mut self, key: String, value: V) {
        if self.capacity == 0 {
            return;
        }
        self.tick += 1;
        if let Some((old, _)) = self.entries.remove(&key) {
            self.by_age.remove(&old);
        } else if self.entries.len() >= self.capacity
            && let Some((_, oldest)) = self.by_age.pop_first()
        {
            self.entries.remove(&oldest);
        }
        self.by_age.insert(self.tick, key.clone());
        self.entries.insert(key, (self.tick, value));
    }

    /// Rows held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_goes_first() {
        let mut c = Cache::new(2);
        c.put("a".into(), 1);
        c.put("b".into(), 2);
        assert_eq!(c.get("a"), Some(1));
        c.put("c".into(), 3);
        assert_eq!(c.get("b"), None, "b was the least recently used");
        assert_eq!(c.get("a"), Some(1));
        assert_eq!(c.get("c"), Some(3));
        assert_eq!(c.len(), 2);
        c.put("a".into(), 10);
        assert_eq!(c.get("a"), Some(10));
        assert_eq!(c.len(), 2);
    }
}
