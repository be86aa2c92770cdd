//! Metric alarms: their configuration, evaluation on the sandbox clock, state history and
//! actions.
