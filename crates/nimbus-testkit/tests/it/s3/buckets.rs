//! CreateBucket, HeadBucket, ListBuckets, DeleteBucket, location, tagging, policy, CORS.

use aws_sdk_s3::types::{
    BucketLocationConstraint, CorsConfiguration, CorsRule, CreateBucketConfiguration, Tag, Tagging,
};
use nimbus_testkit::TestSandbox;

use super::{bucket, err, put};

#[tokio::test]
async fn create_list_head_delete() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "alpha").await;
    bucket(&sb, "beta").await;
    let list = s3.list_buckets().send().await.unwrap();
    let names: Vec<_> = list.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["alpha", "beta"]);
    assert!(list.buckets()[0].creation_date().is_some());
    let head = s3.head_bucket().bucket("alpha").send().await.unwrap();
    assert_eq!(head.bucket_region(), Some("us-east-1"));
    s3.delete_bucket().bucket("beta").send().await.unwrap();
    let (code, status) = err(s3.head_bucket().bucket("beta").send().await);
    assert_eq!((code.as_str(), status), ("NotFound", 404));
    let (code, status) = err(s3.delete_bucket().bucket("beta").send().await);
    assert_eq!((code.as_str(), status), ("NoSuchBucket", 404));
}

#[tokio::test]
async fn name_rules_and_ownership() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    for bad in ["ab", "Upper", "a..b", "192.168.0.1", "-lead", "under_score"] {
        let (code, status) = err(s3.create_bucket().bucket(bad).send().await);
        assert_eq!((code.as_str(), status), ("InvalidBucketName", 400), "{bad}");
    }
    bucket(&sb, "taken").await;
    // us-east-1 answers 200 to re-creating your own bucket (legacy behaviour).
    s3.create_bucket().bucket("taken").send().await.unwrap();
    let other = sb.s3_as("111122223333");
    let (code, status) = err(other.create_bucket().bucket("taken").send().await);
    assert_eq!((code.as_str(), status), ("BucketAlreadyExists", 409));
    // Elsewhere, the owner gets BucketAlreadyOwnedByYou.
    let cfg = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket()
        .bucket("in-eu")
        .create_bucket_configuration(cfg.clone())
        .send()
        .await
        .unwrap();
    let (code, status) = err(s3
        .create_bucket()
        .bucket("in-eu")
        .create_bucket_configuration(cfg)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("BucketAlreadyOwnedByYou", 409));
    let loc = s3
        .get_bucket_location()
        .bucket("in-eu")
        .send()
        .await
        .unwrap();
    assert_eq!(
        loc.location_constraint(),
        Some(&BucketLocationConstraint::EuWest1)
    );
    // us-east-1 is an empty constraint.
    let loc = s3
        .get_bucket_location()
        .bucket("taken")
        .send()
        .await
        .unwrap();
    assert!(
        loc.location_constraint()
            .is_none_or(|c| c.as_str().is_empty()),
        "{loc:?}"
    );
    // Each account lists only its own buckets.
    assert!(
        other
            .list_buckets()
            .send()
            .await
            .unwrap()
            .buckets()
            .is_empty()
    );
}

#[tokio::test]
async fn delete_refuses_non_empty_bucket() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "full").await;
    put(&sb, "full", "k", b"x").await;
    let (code, status) = err(sb.s3().delete_bucket().bucket("full").send().await);
    assert_eq!((code.as_str(), status), ("BucketNotEmpty", 409));
    sb.s3()
        .delete_object()
        .bucket("full")
        .key("k")
        .send()
        .await
        .unwrap();
    sb.s3().delete_bucket().bucket("full").send().await.unwrap();
}

#[tokio::test]
async fn bucket_tagging_policy_cors() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "cfg").await;
    let (code, status) = err(s3.get_bucket_tagging().bucket("cfg").send().await);
    assert_eq!((code.as_str(), status), ("NoSuchTagSet", 404));
    let tagging = Tagging::builder()
        .tag_set(Tag::builder().key("team").value("a&b").build().unwrap())
        .build()
        .unwrap();
    s3.put_bucket_tagging()
        .bucket("cfg")
        .tagging(tagging)
        .send()
        .await
        .unwrap();
    let tags = s3.get_bucket_tagging().bucket("cfg").send().await.unwrap();
    assert_eq!(tags.tag_set()[0].value(), "a&b");
    s3.delete_bucket_tagging()
        .bucket("cfg")
        .send()
        .await
        .unwrap();
    assert!(s3.get_bucket_tagging().bucket("cfg").send().await.is_err());

    let (code, _) = err(s3.get_bucket_policy().bucket("cfg").send().await);
    assert_eq!(code, "NoSuchBucketPolicy");
    let (code, status) = err(s3
        .put_bucket_policy()
        .bucket("cfg")
        .policy("not json")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("MalformedPolicy", 400));
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cfg/*"}]}"#;
    // A public policy needs the bucket's public access block lifted (AWS's default since
    // April 2023 blocks it).
    s3.delete_public_access_block()
        .bucket("cfg")
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket("cfg")
        .policy(policy)
        .send()
        .await
        .unwrap();
    let got = s3.get_bucket_policy().bucket("cfg").send().await.unwrap();
    assert_eq!(got.policy(), Some(policy));
    s3.delete_bucket_policy()
        .bucket("cfg")
        .send()
        .await
        .unwrap();

    let (code, _) = err(s3.get_bucket_cors().bucket("cfg").send().await);
    assert_eq!(code, "NoSuchCORSConfiguration");
    let cors = CorsConfiguration::builder()
        .cors_rules(
            CorsRule::builder()
                .allowed_origins("https://app.example.com")
                .allowed_methods("PUT")
                .allowed_methods("GET")
                .allowed_headers("*")
                .expose_headers("ETag")
                .max_age_seconds(300)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    s3.put_bucket_cors()
        .bucket("cfg")
        .cors_configuration(cors)
        .send()
        .await
        .unwrap();
    let got = s3.get_bucket_cors().bucket("cfg").send().await.unwrap();
    let rule = &got.cors_rules()[0];
    assert_eq!(rule.allowed_methods(), ["PUT", "GET"]);
    assert_eq!(rule.max_age_seconds(), Some(300));
    let (code, _) = err(s3.get_bucket_tagging().bucket("missing").send().await);
    assert_eq!(code, "NoSuchBucket");
}

#[tokio::test]
async fn unimplemented_operations_answer_501() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "nope").await;
    let (code, status) = err(sb
        .s3()
        .get_bucket_lifecycle_configuration()
        .bucket("nope")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("NotImplemented", 501));
    let (code, status) = err(sb.s3().get_bucket_website().bucket("nope").send().await);
    assert_eq!((code.as_str(), status), ("NotImplemented", 501));
    let v = sb
        .s3()
        .get_bucket_versioning()
        .bucket("nope")
        .send()
        .await
        .unwrap();
    assert!(v.status().is_none());
}
