//! The context a service builds holds only the keys the policies read
//! ([`ContextBuilder::for_policies`]): for random policies over a pool of conditions (every
//! operator family, `IfExists`, `Null`, negated and set operators, tag families, policy
//! variables in resources and condition values, keys in odd case) and random requests, the
//! decision with that minimal context equals the decision with the full one, and every key
//! left out is one no policy reads.

mod common;

use common::*;
use nimbus_policy::{
    Context, ContextBuilder, Decision, KeySet, Policies, Policy, Principal, RequestView,
    evaluate_view,
};

const A1: &str = "111111111111";
const A2: &str = "222222222222";

/// Statements over the keys of [`UNIVERSE`]; `{E}` is replaced by `Allow` or `Deny`.
const POOL: &[&str] = &[
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"AWS:SourceIP": "10.0.0.0/8"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24"]}}}"#,
    r#"{"Effect": "{E}", "Principal": {"AWS": "222222222222"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"s3:ExistingObjectTag/Env": "prod"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:Put*", "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"s3:RequestObjectTag/team": "blue"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:ResourceTag/owner": "true"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["cost*"]}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"NumericLessThan": {"aws:EpochTime": "1700000000"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*"}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*", ""]}}}"#,
    r#"{"Effect": "{E}", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "*", "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:SourceAccount}-*"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:RequestTag/Project": "X"}, "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:PrincipalTag/owner}"}}}"#,
    r#"{"Effect": "{E}", "Principal": {"AWS": "arn:aws:iam::111111111111:user/alice"}, "Action": "s3:*", "Resource": "*"}"#,
    r#"{"Effect": "{E}", "Principal": "*", "Action": "s3:*", "Resource": "*"}"#,
];

/// Every key a request may carry, with the values it may take.
const UNIVERSE: &[(&str, &[&str])] = &[
    ("aws:SecureTransport", &["false", "true"]),
    ("aws:SourceIp", &["10.1.2.3", "192.0.2.7", "203.0.113.9"]),
    ("s3:ExistingObjectTag/env", &["prod", "dev"]),
    ("s3:ExistingObjectTag/other", &["prod"]),
    ("s3:RequestObjectTag/team", &["blue", "red"]),
    ("aws:ResourceTag/owner", &["alice", "bob"]),
    ("aws:ResourceTag/team", &["blue"]),
    (
        "aws:CurrentTime",
        &["2024-06-01T00:00:00Z", "2026-06-01T00:00:00Z"],
    ),
    ("aws:EpochTime", &["1600000000", "1800000000"]),
    ("aws:ResourceAccount", &[A1, A2]),
    ("aws:PrincipalTag/team", &["blue", "none"]),
    ("aws:PrincipalTag/owner", &["alice", "carol"]),
    ("s3:prefix", &["home/alice/x", "", "other/"]),
    (
        "aws:SourceArn",
        &["arn:aws:s3:::111111111111-b", "arn:aws:s3:::b"],
    ),
    ("aws:SourceAccount", &[A1, A2]),
    ("aws:RequestTag/project", &["x", "y"]),
    ("aws:MultiFactorAuthPresent", &["true", "false"]),
    ("aws:UserAgent", &["aws-cli/2"]),
    ("s3:x-amz-acl", &["private", "public-read"]),
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
}

/// A policy of one to four random statements of [`POOL`], or none.
fn random_policy(rng: &mut Rng, identity: bool) -> Option<Policy> {
    let n = rng.below(5);
    if n == 0 {
        return None;
    }
    let statements: Vec<String> = (0..n)
        .map(|_| {
            let s = POOL[rng.below(POOL.len())];
            let effect = if rng.below(3) == 0 { "Deny" } else { "Allow" };
            let s = s.replace("{E}", effect);
            if identity {
                // Identity policies name no principal.
                let start = s.find(r#""Principal""#).expect("a principal");
                let end = s[start..].find(r#", "Action""#).expect("an action") + start;
                format!("{}{}", &s[..start], &s[end + 2..])
            } else {
                s
            }
        })
        .collect();
    let doc = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",")
    );
    let parsed = if identity {
        Policy::identity(&doc)
    } else {
        Policy::resource(&doc)
    };
    Some(parsed.unwrap_or_else(|e| panic!("{e}: {doc}")))
}

/// The request's keys, inserted into `b` as a service would (principal keys first).
fn fill(b: &mut ContextBuilder<'_>, principal: &Principal, values: &[Option<&str>]) {
    b.principal_keys(principal);
    for ((key, _), v) in UNIVERSE.iter().zip(values) {
        let Some(v) = v else { continue };
        match key.split_once('/') {
            Some((family, name)) => {
                b.insert_in(&format!("{family}/"), name, *v);
            }
            None => {
                b.insert_with(key, || (*v).to_owned());
            }
        }
    }
    if values[0].is_some() {
        b.insert_multi_with("aws:TagKeys", || vec!["cost-center".into(), "a".into()]);
    }
}

#[test]
fn the_minimal_context_decides_as_the_full_one() {
    let principals = [
        root(A1),
        root(A2),
        user(A1, "alice"),
        user(A2, "bob"),
        session(A1, "r", "s"),
        anon(),
        svc("s3.amazonaws.com"),
    ];
    let actions = [
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "sqs:SendMessage",
    ];
    let resources = [
        "arn:aws:s3:::b/alice/k",
        "arn:aws:s3:::b/blue/k",
        "arn:aws:s3:::b",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut seen, mut left_out, mut none_read) = ([0usize; 3], 0usize, 0usize);
    for _ in 0..3000 {
        let resource = random_policy(&mut rng, false);
        let identity: Vec<Policy> = (0..rng.below(3))
            .filter_map(|_| random_policy(&mut rng, true))
            .collect();
        let boundary = (rng.below(4) == 0)
            .then(|| random_policy(&mut rng, true))
            .flatten();
        let policies = Policies {
            identity: &identity,
            resource: resource.as_ref(),
            session: &[],
            boundary: boundary.as_ref(),
        };
        let principal = &principals[rng.below(principals.len())];
        let values: Vec<Option<&str>> = UNIVERSE
            .iter()
            .map(|(_, vs)| (rng.below(4) != 0).then(|| vs[rng.below(vs.len())]))
            .collect();
        let mut full = ContextBuilder::all();
        fill(&mut full, principal, &values);
        let full = full.finish();
        let mut minimal = ContextBuilder::for_policies(&policies);
        fill(&mut minimal, principal, &values);
        let minimal = minimal.finish();
        if !policies.reads_any_key() {
            none_read += 1;
            assert_eq!(minimal, Context::new());
        }
        // Every key built is read, and every key read is built as in the full context.
        for (key, _) in UNIVERSE.iter().chain(&[("aws:TagKeys", &[][..])]).chain(&[
            ("aws:PrincipalAccount", &[][..]),
            ("aws:PrincipalArn", &[]),
            ("aws:PrincipalType", &[]),
            ("aws:username", &[]),
        ]) {
            if policies.reads(key) {
                assert_eq!(minimal.get(key), full.get(key), "{key}");
            } else {
                assert_eq!(minimal.get(key), None, "{key}");
                left_out += usize::from(full.get(key).is_some());
            }
        }
        let action = actions[rng.below(actions.len())];
        let arn = resources[rng.below(resources.len())];
        let owner = if rng.below(3) == 0 { A2 } else { A1 };
        let view = |context| RequestView {
            principal,
            action,
            resource: arn,
            resource_account: owner,
            context,
        };
        let a = evaluate_view(&view(&full), &policies).decision;
        let b = evaluate_view(&view(&minimal), &policies).decision;
        assert_eq!(
            a, b,
            "{principal:?} {action} {arn} {owner}\n{resource:?}\n{identity:?}\n{full:?}\n{minimal:?}"
        );
        seen[a as usize] += 1;
    }
    // The random cases reach every decision, leave keys out, and sometimes read none.
    assert!(seen.iter().all(|&n| n > 100), "{seen:?}");
    assert!(left_out > 1000 && none_read > 10, "{left_out} {none_read}");
}

#[test]
fn a_policy_knows_the_keys_it_reads_variables_included() {
    let p = Policy::resource(
        r#"{"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/Team}/*",
           "Condition": {"Bool": {"AWS:SecureTransport": "false"}, "ArnLike": {"aws:SourceArn": "arn:aws:s3:::${s3:prefix}"}}},
          {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
           "Condition": {"StringEquals": {"s3:ExistingObjectTag/env": ["${aws:username}", "x"]}}}]}"#,
    )
    .expect("parses");
    let mut keys: Vec<&str> = p.reads().iter().collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "aws:principaltag/team",
            "aws:securetransport",
            "aws:sourcearn",
            "aws:username",
            "s3:existingobjecttag/env",
            "s3:prefix"
        ]
    );
    assert!(p.reads_key("aws:SecureTransport") && !p.reads_key("aws:SourceIp"));
    assert!(p.reads().contains_prefix("s3:ExistingObjectTag/"));
    assert!(!p.reads().contains_prefix("aws:ResourceTag/"));
    assert!(p.reads_any_condition_key());
    // Under Version 2008-10-17, `${…}` is literal text, not a read.
    let old = Policy::resource(
        r#"{"Version": "2008-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": "222222222222"},
            "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}"}]}"#,
    )
    .expect("parses");
    assert!(!old.reads_any_condition_key());
    assert_eq!(old.reads(), &KeySet::default());
    let none = Policies {
        resource: Some(&old),
        ..Policies::default()
    };
    assert!(!none.reads_any_key());
    assert_eq!(
        evaluate_view(
            &RequestView {
                principal: &root(A2),
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/${aws:username}",
                resource_account: A1,
                context: &Context::new(),
            },
            &none
        )
        .decision,
        Decision::ExplicitDeny
    );
}

/// For a caller of the owning account whose own side allows everything (the root user, or
/// an unrestricted principal), the resource policy's first applicable `Deny`, found from a
/// context holding only the keys its `Deny` statements read, decides as the full evaluation.
#[test]
fn the_deny_statements_alone_decide_for_the_owner_side() {
    let allow_all = [Policy::identity(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .expect("allow all")];
    let principals = [root(A1), user(A1, "alice"), session(A1, "r", "s")];
    let actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"];
    let resources = [
        "arn:aws:s3:::b/alice/k",
        "arn:aws:s3:::b/blue/k",
        "arn:aws:s3:::b",
    ];
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut seen = [0usize; 3];
    for _ in 0..3000 {
        let Some(policy) = random_policy(&mut rng, false) else {
            continue;
        };
        let principal = &principals[rng.below(principals.len())];
        let values: Vec<Option<&str>> = UNIVERSE
            .iter()
            .map(|(_, vs)| (rng.below(4) != 0).then(|| vs[rng.below(vs.len())]))
            .collect();
        let mut full = ContextBuilder::all();
        fill(&mut full, principal, &values);
        let full = full.finish();
        let mut minimal = ContextBuilder::for_keys(policy.deny_reads());
        fill(&mut minimal, principal, &values);
        let minimal = minimal.finish();
        let (action, arn) = (
            actions[rng.below(actions.len())],
            resources[rng.below(resources.len())],
        );
        let view = |context| RequestView {
            principal,
            action,
            resource: arn,
            resource_account: A1,
            context,
        };
        let policies = Policies {
            identity: &allow_all,
            resource: Some(&policy),
            ..Policies::default()
        };
        let want = evaluate_view(&view(&full), &policies).decision;
        let got = match policy.applicable_deny(&view(&minimal)) {
            Some(_) => Decision::ExplicitDeny,
            None => Decision::Allow,
        };
        assert_eq!(
            got, want,
            "{principal:?} {action} {arn}\n{policy:?}\n{full:?}"
        );
        if !policy.has_deny() {
            assert_eq!(minimal, Context::new());
        }
        seen[want as usize] += 1;
    }
    assert!(seen[0] > 500 && seen[1] > 500 && seen[2] == 0, "{seen:?}");
}
