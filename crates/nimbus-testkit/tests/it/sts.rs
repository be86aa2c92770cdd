//! sts tests
