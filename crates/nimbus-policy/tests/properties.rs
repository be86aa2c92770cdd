//! Property-style checks over random statement orders and subsets: an applicable explicit
//! Deny always wins, whatever else the policies hold and in whatever order; and the order
//! of statements and policies never changes a decision.

mod common;

use common::*;
use nimbus_policy::{Decision, Policies, Policy, Request, evaluate};

const A1: &str = "111111111111";
const A2: &str = "222222222222";

/// Resource-policy statements; the last one is an applicable Deny.
const RESOURCE_POOL: &[&str] = &[
    r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}"#,
    r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/u"}, "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}"#,
    r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/r"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}"#,
    r#"{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}"#,
    r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}"#,
    r#"{"Effect": "Deny", "Principal": {"AWS": "333333333333"}, "Action": "*", "Resource": "*"}"#,
    r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#,
];

/// Identity-policy statements; the last one is an applicable Deny.
const IDENTITY_POOL: &[&str] = &[
    r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}"#,
    r#"{"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#,
    r#"{"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::other/*"}"#,
];

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A random subset of `pool[..pool.len() - 1]` in random order, with `pool`'s last
    /// statement inserted at a random place when `with_last`.
    fn pick(&mut self, pool: &[&'static str], with_last: bool) -> Vec<&'static str> {
        let mut out: Vec<&str> = pool[..pool.len() - 1]
            .iter()
            .copied()
            .filter(|_| self.next().is_multiple_of(2))
            .collect();
        for i in (1..out.len()).rev() {
            let j = self.below(i + 1);
            out.swap(i, j);
        }
        if with_last {
            let at = self.below(out.len() + 1);
            out.insert(at, pool[pool.len() - 1]);
        }
        out
    }
}

fn doc(statements: &[&str]) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",")
    )
}

fn requests() -> Vec<Request> {
    let k = "arn:aws:s3:::b/k";
    vec![
        q(root(A1), "s3:GetObject", k, A1),
        q(root(A2), "s3:GetObject", k, A1),
        q(user(A1, "u"), "s3:GetObject", k, A1),
        q(user(A2, "u"), "s3:GetObject", k, A1).c("aws:SourceIp", "10.1.2.3"),
        q(session(A1, "r", "s"), "s3:GetObject", k, A1),
        q(session(A2, "r", "s"), "s3:GetObject", k, A1),
        q(anon(), "s3:GetObject", k, A1).c("aws:SourceIp", "10.0.0.1"),
        q(svc("s3.amazonaws.com"), "s3:GetObject", k, A1),
    ]
}

fn decide(resource: &[&str], identity: &[Vec<&str>], req: &Request) -> Decision {
    let resource =
        (!resource.is_empty()).then(|| Policy::resource(&doc(resource)).expect("resource policy"));
    let identity: Vec<Policy> = identity
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| Policy::identity(&doc(s)).expect("identity policy"))
        .collect();
    // Roots, services and anonymous callers have no identity policies.
    let has_identity = !matches!(
        req.principal.kind,
        nimbus_policy::PrincipalKind::Root
            | nimbus_policy::PrincipalKind::Service
            | nimbus_policy::PrincipalKind::Anonymous
    );
    let none: &[Policy] = &[];
    evaluate(
        req,
        &Policies {
            identity: if has_identity { &identity } else { none },
            resource: resource.as_ref(),
            ..Policies::default()
        },
    )
    .decision
}

#[test]
fn an_applicable_deny_in_the_resource_policy_always_wins() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..300 {
        let resource = rng.pick(RESOURCE_POOL, true);
        let identity = vec![
            rng.pick(IDENTITY_POOL, false),
            rng.pick(IDENTITY_POOL, false),
        ];
        for req in requests() {
            let req = req.c("aws:SecureTransport", "false");
            assert_eq!(
                decide(&resource, &identity, &req),
                Decision::ExplicitDeny,
                "{resource:?} {identity:?} {req:?}"
            );
        }
    }
}

#[test]
fn an_applicable_deny_in_an_identity_policy_always_wins() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..300 {
        let resource = rng.pick(RESOURCE_POOL, false);
        let mut identity = vec![
            rng.pick(IDENTITY_POOL, false),
            rng.pick(IDENTITY_POOL, true),
        ];
        if rng.next().is_multiple_of(2) {
            identity.swap(0, 1);
        }
        for req in requests() {
            if matches!(
                req.principal.kind,
                nimbus_policy::PrincipalKind::Root
                    | nimbus_policy::PrincipalKind::Service
                    | nimbus_policy::PrincipalKind::Anonymous
            ) {
                continue;
            }
            assert_eq!(
                decide(&resource, &identity, &req),
                Decision::ExplicitDeny,
                "{resource:?} {identity:?} {req:?}"
            );
        }
    }
}

#[test]
fn statement_and_policy_order_never_changes_a_decision() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut seen = [0usize; 3];
    for _ in 0..300 {
        let (deny_r, deny_i) = (rng.next().is_multiple_of(4), rng.next().is_multiple_of(4));
        let resource = rng.pick(RESOURCE_POOL, deny_r);
        let identity = vec![
            rng.pick(IDENTITY_POOL, false),
            rng.pick(IDENTITY_POOL, deny_i),
        ];
        let mut resource_rev = resource.clone();
        resource_rev.reverse();
        let identity_rev: Vec<Vec<&str>> = identity
            .iter()
            .rev()
            .map(|s| s.iter().rev().copied().collect())
            .collect();
        for req in requests() {
            let a = decide(&resource, &identity, &req);
            let b = decide(&resource_rev, &identity_rev, &req);
            assert_eq!(a, b, "{resource:?} {identity:?} {req:?}");
            seen[a as usize] += 1;
        }
    }
    // The random policies reach every decision.
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
}

/// Nothing panics on input: every prefix and every one-byte deletion of a policy with every
/// operator family parses or is refused, and odd request values evaluate.
#[test]
fn malformed_input_never_panics() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "x", "Effect": "Allow", "Principal": {"AWS": ["*", "111111111111"]},
      "Action": ["s3:Get*", "s3:?ut*"], "Resource": "arn:aws:s3:::b/${aws:username}/${*}é*",
      "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00.123+02:00"}, "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::1/128"]},
        "ForAnyValue:StringLike": {"aws:TagKeys": "é?*"}, "NumericLessThan": {"s3:max-keys": 10.5}, "ArnLike": {"aws:SourceArn": "arn:aws:*:${aws:region, 'x'}:*:*"},
        "Null": {"aws:TokenIssueTime": "true"}, "BoolIfExists": {"aws:SecureTransport": true}}}]}"#;
    let compiled = Policy::resource(policy).expect("the full policy parses");
    for end in 0..policy.len() {
        if policy.is_char_boundary(end) {
            let _ = Policy::resource(&policy[..end]);
        }
    }
    for (i, _) in policy.char_indices() {
        let mut s = policy.to_owned();
        s.remove(i);
        let _ = Policy::resource(&s);
        let _ = Policy::identity(&s);
    }
    let odd = [
        "",
        "é",
        "9".repeat(60).as_str(),
        "-1",
        "1e999",
        "NaN",
        "::",
        "10.0.0.1/33",
        "2030-02-30",
        "${aws:username}",
        "*",
    ]
    .map(str::to_owned);
    for v in &odd {
        let req = q(
            user(A1, v),
            "s3:GetObject",
            &format!("arn:aws:s3:::b/{v}/*é"),
            A1,
        )
        .c("aws:CurrentTime", v)
        .c("aws:SourceIp", v)
        .cm("aws:TagKeys", &[v, "é"])
        .c("s3:max-keys", v)
        .c("aws:SourceArn", v)
        .c("aws:SecureTransport", v);
        let _ = evaluate(
            &req,
            &Policies {
                resource: Some(&compiled),
                ..Policies::default()
            },
        );
    }
}
