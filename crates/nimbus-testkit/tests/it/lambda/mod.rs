//! Lambda and CloudWatch Logs tests, one module per group of operations.
