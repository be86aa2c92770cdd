//! test kit (in progress)
