//! foundation tests
