//! Latency samples and the summary line.

use std::time::Duration;

/// Collected latencies (microseconds) and a count of operations (messages may be more than
/// requests for batch scenarios).
#[derive(Default)]
pub struct Samples {
    /// One entry per request.
    pub latencies_us: Vec<u32>,
    /// Units of work done (messages).
    pub ops: u64,
    /// Requests that failed.
    pub errors: u64,
}

impl Samples {
    /// Adds another task's samples.
    pub fn merge(&mut self, other: Samples) {
        self.latencies_us.extend(other.latencies_us);
        self.ops += other.ops;
        self.errors += other.errors;
    }

    /// The `q`-quantile latency in milliseconds.
    pub fn percentile_ms(&mut self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        self.latencies_us.sort_unstable();
        let i = ((self.latencies_us.len() as f64 - 1.0) * q).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }

    /// Prints `RESULT <name> rate=… <unit>/s p50_ms=… p99_ms=… errors=…`.
    pub fn report(&mut self, name: &str, unit: &str, elapsed: Duration) {
        let rate = self.ops as f64 / elapsed.as_secs_f64();
        let p50 = self.percentile_ms(0.50);
        let p99 = self.percentile_ms(0.99);
        println!(
            "RESULT {name:<28} {rate:>10.0} {unit}/s  p50_ms={p50:.3} p99_ms={p99:.3} requests={} errors={}",
            self.latencies_us.len(),
            self.errors
        );
    }
}
