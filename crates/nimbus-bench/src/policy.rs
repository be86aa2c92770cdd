//! `--policy`: benchmark with a resource policy on the queue or bucket, as the access-control
//! issue asks ("with policies present"): `grant` adds a policy of grants to another account
//! (the owner's requests take `authorize`'s fast path), `deny` adds a `Deny` for a third
//! account too (every owner request is evaluated statement by statement).

use clap::ValueEnum;
use serde_json::json;

/// Which resource policy the benchmarked queue or bucket carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PolicyMode {
    /// No policy.
    #[default]
    None,
    /// Grants to another account only.
    Grant,
    /// Grants, and a `Deny` for a third account (forces a full evaluation).
    Deny,
}

impl PolicyMode {
    /// The policy document for a resource `arn` whose actions start with `service:`.
    pub fn document(self, service: &str, arn: &str) -> Option<String> {
        let grant = json!({
            "Sid": "GrantOther", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": format!("{service}:*"), "Resource": [arn, format!("{arn}/*")],
        });
        let deny = json!({
            "Sid": "DenyThird", "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
            "Action": format!("{service}:*"), "Resource": [arn, format!("{arn}/*")],
        });
        let statements = match self {
            PolicyMode::None => return None,
            PolicyMode::Grant => vec![grant],
            PolicyMode::Deny => vec![grant, deny],
        };
        Some(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
    }
}
