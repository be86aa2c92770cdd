//! S3 tests, one module per group of operations.
