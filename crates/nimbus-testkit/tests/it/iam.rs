//! iam tests
