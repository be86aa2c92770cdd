//! Metrics as the services publish them, for tests that assert exact points without going
//! through CloudWatch: a [`MetricRecorder`] takes the bus's metric sink, and
//! [`TestSandbox::sample_metrics`] reads every registered metric source as CloudWatch's
//! minute sampler would.

use std::sync::Arc;

use nimbus_core::bus::ServiceBus;
use nimbus_core::bus::metrics::{MetricDatum, MetricSink};
use parking_lot::Mutex;

use crate::TestSandbox;

/// Records every event metric handed to the bus's sink.
#[derive(Default)]
pub struct MetricRecorder {
    events: Mutex<Vec<MetricDatum>>,
}

impl MetricSink for MetricRecorder {
    fn record(&self, datum: MetricDatum) {
        self.events.lock().push(datum);
    }
}

impl MetricRecorder {
    /// Every datum recorded so far, in order.
    pub fn events(&self) -> Vec<MetricDatum> {
        self.events.lock().clone()
    }

    /// The recorded data of `metric` whose dimensions are exactly `dimensions`.
    pub fn of(&self, metric: &str, dimensions: &[(&str, &str)]) -> Vec<MetricDatum> {
        self.events
            .lock()
            .iter()
            .filter(|d| d.metric_name == metric && same_dimensions(d, dimensions))
            .cloned()
            .collect()
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        self.events.lock().clear();
    }
}

/// Whether `d` has exactly `dimensions`, in order.
pub fn same_dimensions(d: &MetricDatum, dimensions: &[(&str, &str)]) -> bool {
    d.dimensions.len() == dimensions.len()
        && d.dimensions
            .iter()
            .zip(dimensions)
            .all(|((n, v), (n2, v2))| n == n2 && v == v2)
}

/// A fresh bus, with `recorder` as its metric sink when given.
pub(crate) fn bus_with(recorder: Option<&Arc<MetricRecorder>>) -> Arc<ServiceBus> {
    let bus = ServiceBus::new();
    if let Some(r) = recorder {
        bus.register_metrics(r.clone());
    }
    bus
}

impl TestSandbox {
    /// The recorder of the services' event metrics (the sandbox must have been built with
    /// [`crate::Builder::record_metrics`]).
    pub fn metrics(&self) -> &MetricRecorder {
        self.metrics
            .as_deref()
            .expect("the sandbox records metrics (Builder::record_metrics)")
    }

    /// What every metric source reports for the minute ending at `minute_end_millis`, as
    /// CloudWatch's sampler reads it (counters reset).
    pub fn sample_metrics(&self, minute_end_millis: u64) -> Vec<MetricDatum> {
        let mut out = Vec::new();
        for source in self.bus.metric_sources() {
            source.sample(minute_end_millis, &mut out);
        }
        out
    }

    /// [`TestSandbox::sample_metrics`] for the clock minute the sandbox clock is in.
    pub fn sample_this_minute(&self) -> Vec<MetricDatum> {
        use nimbus_core::Clock;
        let now = self.clock.now_millis();
        self.sample_metrics(now - now % 60_000 + 60_000)
    }
}
