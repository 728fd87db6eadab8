//! What the server counts, for `/metrics` (Prometheus text format) and the editor's
//! live display: requests by endpoint, errors by kind, a latency histogram, rows
//! scored, predicted classes, cache hits.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency histogram bounds, seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.0,
];

/// The counters.
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<Inner>,
    in_flight: AtomicU64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<String, u64>,
    errors: BTreeMap<&'static str, u64>,
    buckets: [u64; BUCKETS.len()],
    latency_sum: f64,
    latency_count: u64,
    rows: u64,
    classes: BTreeMap<String, u64>,
    cache_hits: u64,
    cache_misses: u64,
}

/// A copy of the counters, for the editor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Requests answered, all endpoints.
    pub requests: u64,
    /// Of them, errors.
    pub errors: u64,
    /// Rows scored.
    pub rows: u64,
    /// Mean latency of the scoring requests, seconds.
    pub mean_latency: f64,
    /// Requests being answered now.
    pub in_flight: u64,
    /// The scoring requests the latency figures are over.
    pub scored_requests: u64,
    /// The histogram bound 99 % of the scoring requests took at most, seconds (`None`
    /// before the first, or when the slowest 1 % took longer than the last bound).
    pub p99_at_most: Option<f64>,
    /// Rows predicted per class (classifiers).
    pub classes: BTreeMap<String, u64>,
}

impl Stats {
    /// A request arrived (its head read); [`Stats::request`] follows when answered.
    pub fn arrived(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
    }

    /// A request that [`Stats::arrived`] was answered or dropped.
    pub fn left(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// One request to `endpoint` answered with `status` after `took`.
    pub fn request(
        &self,
        endpoint: &str,
        status: u16,
        error: Option<&'static str>,
        took: Duration,
    ) {
        let mut s = self.inner.lock().expect("stats lock");
        *s.requests
            .entry(format!("{endpoint}\",status=\"{status}"))
            .or_default() += 1;
        if let Some(kind) = error {
            *s.errors.entry(kind).or_default() += 1;
        }
        if endpoint == "/invocations" || endpoint == "/v1/predict" {
            let secs = took.as_secs_f64();
            for (b, &le) in s.buckets.iter_mut().zip(&BUCKETS) {
                if secs <= le {
                    *b += 1;
                }
            }
            s.latency_sum += secs;
            s.latency_count += 1;
        }
    }

    /// Rows scored, and each predicted class (classifiers).
    pub fn scored<'a>(&self, rows: usize, labels: impl IntoIterator<Item = &'a str>) {
        let mut s = self.inner.lock().expect("stats lock");
        s.rows += rows as u64;
        for l in labels {
            match s.classes.get_mut(l) {
                Some(n) => *n += 1,
                None => {
                    s.classes.insert(l.to_owned(), 1);
                }
            }
        }
    }

    /// Cache lookups.
    pub fn cache(&self, hits: usize, misses: usize) {
        let mut s = self.inner.lock().expect("stats lock");
        s.cache_hits += hits as u64;
        s.cache_misses += misses as u64;
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        let s = self.inner.lock().expect("stats lock");
        Snapshot {
            requests: s.requests.values().sum(),
            errors: s.errors.values().sum(),
            rows: s.rows,
            mean_latency: if s.latency_count == 0 {
                0.0
            } else {
                s.latency_sum / s.latency_count as f64
            },
            in_flight: self.in_flight.load(Ordering::SeqCst),
            scored_requests: s.latency_count,
            p99_at_most: {
                // Buckets are cumulative: the first holding 99 % of the requests.
                let need = (s.latency_count as f64 * 0.99).ceil() as u64;
                (s.latency_count > 0)
                    .then(|| {
                        BUCKETS
                            .iter()
                            .zip(&s.buckets)
                            .find(|(_, n)| **n >= need)
                            .map(|(le, _)| *le)
                    })
                    .flatten()
            },
            classes: s.classes.clone(),
        }
    }

    /// Prometheus' text exposition format.
    pub fn prometheus(&self, model: &[(&str, &str)], cache_on: bool) -> String {
        let s = self.inner.lock().expect("stats lock");
        let mut o = String::new();
        let labels: Vec<String> = model
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        writeln!(o, "# HELP pipewright_model_info The model being served.").ok();
        writeln!(o, "# TYPE pipewright_model_info gauge").ok();
        writeln!(o, "pipewright_model_info{{{}}} 1", labels.join(",")).ok();
        writeln!(
            o,
            "# HELP pipewright_requests_in_flight Requests being answered now."
        )
        .ok();
        writeln!(o, "# TYPE pipewright_requests_in_flight gauge").ok();
        writeln!(
            o,
            "pipewright_requests_in_flight {}",
            self.in_flight.load(Ordering::SeqCst)
        )
        .ok();
        writeln!(
            o,
            "# HELP pipewright_requests_total Requests answered, by endpoint and status."
        )
        .ok();
        writeln!(o, "# TYPE pipewright_requests_total counter").ok();
        for (k, n) in &s.requests {
            writeln!(o, "pipewright_requests_total{{endpoint=\"{k}\"}} {n}").ok();
        }
        writeln!(
            o,
            "# HELP pipewright_errors_total Requests refused, by kind."
        )
        .ok();
        writeln!(o, "# TYPE pipewright_errors_total counter").ok();
        for kind in [
            "bad_request",
            "unauthorized",
            "not_found",
            "method_not_allowed",
            "unsupported_media_type",
            "too_large",
            "unprocessable",
            "internal",
        ] {
            let n = s.errors.get(kind).copied().unwrap_or(0);
            writeln!(o, "pipewright_errors_total{{kind=\"{kind}\"}} {n}").ok();
        }
        writeln!(
            o,
            "# HELP pipewright_request_duration_seconds Scoring request latency."
        )
        .ok();
        writeln!(o, "# TYPE pipewright_request_duration_seconds histogram").ok();
        for (b, le) in s.buckets.iter().zip(BUCKETS) {
            writeln!(
                o,
                "pipewright_request_duration_seconds_bucket{{le=\"{le}\"}} {b}"
            )
            .ok();
        }
        writeln!(
            o,
            "pipewright_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            s.latency_count
        )
        .ok();
        writeln!(
            o,
            "pipewright_request_duration_seconds_sum {}",
            s.latency_sum
        )
        .ok();
        writeln!(
            o,
            "pipewright_request_duration_seconds_count {}",
            s.latency_count
        )
        .ok();
        writeln!(o, "# HELP pipewright_rows_scored_total Rows scored.").ok();
        writeln!(o, "# TYPE pipewright_rows_scored_total counter").ok();
        writeln!(o, "pipewright_rows_scored_total {}", s.rows).ok();
        if !s.classes.is_empty() {
            writeln!(
                o,
                "# HELP pipewright_predicted_class_total Rows predicted, by class."
            )
            .ok();
            writeln!(o, "# TYPE pipewright_predicted_class_total counter").ok();
            for (c, n) in &s.classes {
                writeln!(
                    o,
                    "pipewright_predicted_class_total{{class=\"{}\"}} {n}",
                    c.replace('"', "\\\"")
                )
                .ok();
            }
        }
        if cache_on {
            let total = s.cache_hits + s.cache_misses;
            writeln!(
                o,
                "# HELP pipewright_cache_hits_total Rows answered from the cache."
            )
            .ok();
            writeln!(o, "# TYPE pipewright_cache_hits_total counter").ok();
            writeln!(o, "pipewright_cache_hits_total {}", s.cache_hits).ok();
            writeln!(o, "# TYPE pipewright_cache_misses_total counter").ok();
            writeln!(o, "pipewright_cache_misses_total {}", s.cache_misses).ok();
            writeln!(o, "# HELP pipewright_cache_hit_ratio Hits over lookups.").ok();
            writeln!(o, "# TYPE pipewright_cache_hit_ratio gauge").ok();
            writeln!(
                o,
                "pipewright_cache_hit_ratio {}",
                if total == 0 {
                    0.0
                } else {
                    s.cache_hits as f64 / total as f64
                }
            )
            .ok();
        }
        o
    }
}
