//! A micro-benchmark of evaluation from the compiled form (and of parsing, done once per
//! policy change). Ignored by default; run it optimised:
//!
//! ```text
//! cargo test -p nimbus-policy --release --test bench -- --ignored --nocapture
//! ```
//!
//! On a busy machine, count one case's cycles instead (2.2 million evaluations a run):
//!
//! ```text
//! BENCH_ONLY=0 perf stat -e cycles:u,instructions:u target/release/deps/bench-* --ignored
//! ```

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::*;
use nimbus_policy::{Decision, Policies, Policy, evaluate};

/// A typical bucket policy: HTTPS only, another account may read and write, one prefix
/// public.
const BUCKET_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
     "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"]},
    {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::photos/public/*"}
  ]
}"#;

const QUEUE_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:111111111111:events",
    "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:photos"}, "StringEquals": {"aws:SourceAccount": "111111111111"}}}]
}"#;

/// The best of five rounds (the machine is shared; the minimum is the least disturbed).
fn time(name: &str, iterations: u32, mut f: impl FnMut() -> Decision) -> f64 {
    for _ in 0..iterations / 10 {
        black_box(f());
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..iterations / 5 {
            black_box(f());
        }
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(iterations / 5));
    }
    println!("{name:<58} {best:>8.1} ns/eval");
    best
}

#[test]
#[ignore = "a benchmark: run with --release -- --ignored --nocapture"]
fn evaluation_is_well_under_a_microsecond() {
    let n = 2_000_000;
    let bucket = Policy::resource(BUCKET_POLICY).expect("bucket policy");
    let queue = Policy::resource(QUEUE_POLICY).expect("queue policy");
    let identity = [Policy::identity(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    )
    .expect("identity policy")];

    let cross = q(
        root("222222222222"),
        "s3:GetObject",
        "arn:aws:s3:::photos/2026/a.jpg",
        "111111111111",
    )
    .c("aws:SecureTransport", "true")
    .c("aws:SourceIp", "192.0.2.1");
    let anon_public = q(
        anon(),
        "s3:GetObject",
        "arn:aws:s3:::photos/public/logo.png",
        "111111111111",
    )
    .c("aws:SecureTransport", "true");
    let anon_private = q(
        anon(),
        "s3:GetObject",
        "arn:aws:s3:::photos/private/x",
        "111111111111",
    )
    .c("aws:SecureTransport", "true");
    let owner_user = q(
        user("111111111111", "alice"),
        "s3:PutObject",
        "arn:aws:s3:::photos/a",
        "111111111111",
    )
    .c("aws:SecureTransport", "true");
    let notification = q(
        svc("s3.amazonaws.com"),
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:111111111111:events",
        "111111111111",
    )
    .c("aws:SourceArn", "arn:aws:s3:::photos")
    .c("aws:SourceAccount", "111111111111");

    let on_bucket = Policies {
        resource: Some(&bucket),
        ..Policies::default()
    };
    let with_identity = Policies {
        resource: Some(&bucket),
        identity: &identity,
        ..Policies::default()
    };
    let on_queue = Policies {
        resource: Some(&queue),
        ..Policies::default()
    };

    let mut worst: f64 = 0.0;
    let cases: [(&str, &nimbus_policy::Request, &Policies, Decision); 5] = [
        (
            "3-statement bucket policy, cross-account GetObject",
            &cross,
            &on_bucket,
            Decision::Allow,
        ),
        (
            "3-statement bucket policy, anonymous public GetObject",
            &anon_public,
            &on_bucket,
            Decision::Allow,
        ),
        (
            "3-statement bucket policy, anonymous private GetObject",
            &anon_private,
            &on_bucket,
            Decision::ImplicitDeny,
        ),
        (
            "bucket policy + identity policy, owner's user PutObject",
            &owner_user,
            &with_identity,
            Decision::Allow,
        ),
        (
            "queue policy, S3 notification with SourceArn/Account",
            &notification,
            &on_queue,
            Decision::Allow,
        ),
    ];
    // `BENCH_ONLY=2` runs the third case alone (for `perf stat`, which counts the cycles of
    // this process whatever else the machine runs).
    let only: Option<usize> = std::env::var("BENCH_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());
    for (i, (name, req, policies, want)) in cases.into_iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        assert_eq!(evaluate(req, policies).decision, want, "{name}");
        worst = worst.max(time(name, n, || {
            evaluate(black_box(req), black_box(policies)).decision
        }));
    }
    if only.is_some() {
        return;
    }
    let start = Instant::now();
    let parses = 20_000;
    for _ in 0..parses {
        black_box(Policy::resource(black_box(BUCKET_POLICY)).expect("parses"));
    }
    println!(
        "{:<58} {:>8.1} µs/parse",
        "parsing the 3-statement bucket policy",
        start.elapsed().as_secs_f64() * 1e6 / f64::from(parses)
    );
    assert!(worst < 2_000.0, "an evaluation took {worst} ns");
}
