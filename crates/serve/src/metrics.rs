//! Counters in the Prometheus text format (`GET /metrics`): requests by
//! route and status, their durations, evaluations by guideline, reloads.
//! Fixed arrays of atomics: counting costs no lock on the request path.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The routes, as the router matched them.
pub const ROUTES: &[&str] = &[
    "/v1/guidelines",
    "/v1/guidelines/{id}/evaluate",
    "/v1/guidelines/{id}/evaluate-ndjson",
    "/cds-services",
    "/cds-services/{id}",
    "/healthz",
    "/metrics",
    "/openapi.json",
    "other",
];

const STATUSES: &[u16] = &[200, 400, 404, 405, 408, 412, 413, 415, 422, 500, 503];
/// Upper bounds of the duration buckets, in seconds.
const BUCKETS: &[f64] = &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0];

const NR: usize = 9;
const NS: usize = 12;
const NB: usize = 13;

pub struct Metrics {
    requests: [[AtomicU64; NS]; NR],
    buckets: [[AtomicU64; NB]; NR],
    count: [AtomicU64; NR],
    sum_micros: [AtomicU64; NR],
    pub ndjson_records: AtomicU64,
    pub reloads_ok: AtomicU64,
    pub reloads_failed: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            buckets: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            count: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: std::array::from_fn(|_| AtomicU64::new(0)),
            ndjson_records: AtomicU64::new(0),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
        }
    }
}

pub fn route_index(path: Option<&str>) -> usize {
    path.and_then(|p| ROUTES.iter().position(|r| *r == p)).unwrap_or(NR - 1)
}

impl Metrics {
    pub fn record(&self, route: usize, status: u16, seconds: f64) {
        let r = route.min(NR - 1);
        let s = STATUSES.iter().position(|x| *x == status).unwrap_or(NS - 1);
        self.requests[r][s].fetch_add(1, Relaxed);
        self.count[r].fetch_add(1, Relaxed);
        self.sum_micros[r].fetch_add((seconds * 1e6) as u64, Relaxed);
        if let Some(b) = BUCKETS.iter().position(|le| seconds <= *le) {
            self.buckets[r][b].fetch_add(1, Relaxed);
        }
    }

    /// The text format, with `evaluations` by guideline and the number of
    /// guidelines loaded.
    pub fn render(&self, evaluations: &[(String, u64)], loaded: usize) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# HELP guidepath_http_requests_total HTTP requests by route and status.");
        let _ = writeln!(o, "# TYPE guidepath_http_requests_total counter");
        for (r, route) in ROUTES.iter().enumerate() {
            for (s, n) in self.requests[r].iter().enumerate() {
                let n = n.load(Relaxed);
                if n == 0 {
                    continue;
                }
                let status = STATUSES.get(s).map_or("other".to_string(), |c| c.to_string());
                let _ = writeln!(o, "guidepath_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
        }
        let _ = writeln!(o, "# HELP guidepath_http_request_duration_seconds Time to answer, by route.");
        let _ = writeln!(o, "# TYPE guidepath_http_request_duration_seconds histogram");
        for (r, route) in ROUTES.iter().enumerate() {
            let count = self.count[r].load(Relaxed);
            if count == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (b, le) in BUCKETS.iter().enumerate() {
                cumulative += self.buckets[r][b].load(Relaxed);
                let _ = writeln!(
                    o,
                    "guidepath_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ =
                writeln!(o, "guidepath_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}");
            let sum = self.sum_micros[r].load(Relaxed) as f64 / 1e6;
            let _ = writeln!(o, "guidepath_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}");
            let _ = writeln!(o, "guidepath_http_request_duration_seconds_count{{route=\"{route}\"}} {count}");
        }
        let _ = writeln!(o, "# HELP guidepath_evaluations_total Patients evaluated, by guideline.");
        let _ = writeln!(o, "# TYPE guidepath_evaluations_total counter");
        for (id, n) in evaluations {
            let _ = writeln!(o, "guidepath_evaluations_total{{guideline=\"{}\"}} {n}", escape(id));
        }
        let _ = writeln!(o, "# HELP guidepath_ndjson_records_total NDJSON lines answered.");
        let _ = writeln!(o, "# TYPE guidepath_ndjson_records_total counter");
        let _ = writeln!(o, "guidepath_ndjson_records_total {}", self.ndjson_records.load(Relaxed));
        let _ = writeln!(o, "# HELP guidepath_guidelines_loaded Guidelines being served.");
        let _ = writeln!(o, "# TYPE guidepath_guidelines_loaded gauge");
        let _ = writeln!(o, "guidepath_guidelines_loaded {loaded}");
        let _ = writeln!(o, "# HELP guidepath_reloads_total Reloads (SIGHUP), by result.");
        let _ = writeln!(o, "# TYPE guidepath_reloads_total counter");
        let _ = writeln!(o, "guidepath_reloads_total{{result=\"ok\"}} {}", self.reloads_ok.load(Relaxed));
        let _ = writeln!(o, "guidepath_reloads_total{{result=\"failed\"}} {}", self.reloads_failed.load(Relaxed));
        o
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
