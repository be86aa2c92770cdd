//! CloudWatch's operations on its three protocols, one module per group.
