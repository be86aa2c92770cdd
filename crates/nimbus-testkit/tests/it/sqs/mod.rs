//! SQS tests, one module per group of operations.
