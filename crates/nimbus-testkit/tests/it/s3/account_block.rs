//! Account-level Block Public Access (S3 Control's `GetPublicAccessBlock`,
//! `PutPublicAccessBlock`, `DeletePublicAccessBlock`) with aws-sdk-s3control: the account's
//! settings combine with each bucket's, the most restrictive winning, and they survive a
//! restart.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::PublicAccessBlockConfiguration as BucketBlock;
use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use nimbus_testkit::TestSandbox;

use super::acl::two_accounts;
use super::err;

const ONE: &str = "111111111111";
const TWO: &str = "222222222222";

/// Sends every request to the sandbox. With an endpoint URL the SDK would put the account
/// id in front of its host (`111111111111.127.0.0.1`), which does not resolve here.
#[derive(Debug)]
struct Fixed(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for Fixed {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// An S3 Control client signing as `access_key`.
fn s3control(sb: &TestSandbox, access_key: &str) -> aws_sdk_s3control::Client {
    let creds = aws_sdk_s3control::config::Credentials::new(access_key, "S1", None, None, "test");
    let conf = aws_sdk_s3control::Config::builder()
        .behavior_version(aws_sdk_s3control::config::BehaviorVersion::latest())
        .region(aws_sdk_s3control::config::Region::new("us-east-1"))
        .endpoint_resolver(Fixed(sb.endpoint()))
        .credentials_provider(creds)
        .http_client(nimbus_testkit::http_client())
        .build();
    aws_sdk_s3control::Client::from_conf(conf)
}

fn block(acls: bool, policy: bool, restrict: bool) -> PublicAccessBlockConfiguration {
    PublicAccessBlockConfiguration::builder()
        .block_public_acls(acls)
        .ignore_public_acls(false)
        .block_public_policy(policy)
        .restrict_public_buckets(restrict)
        .build()
}

/// A bucket of account one with its own blocks all off and a public-read policy.
async fn open_bucket(sb: &TestSandbox, name: &str) {
    let s3 = sb.s3_as("AK1");
    s3.create_bucket().bucket(name).send().await.unwrap();
    s3.delete_public_access_block()
        .bucket(name)
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(name)
        .key("k")
        .body(ByteStream::from_static(b"public"))
        .send()
        .await
        .unwrap();
}

fn public_read(bucket: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    )
}

#[tokio::test]
async fn account_settings_are_set_read_and_deleted_by_their_account_only() {
    let sb = two_accounts().await;
    let one = s3control(&sb, "AK1");
    let e = one.get_public_access_block().account_id(ONE).send().await;
    let raw = e
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned());
    assert_eq!(
        err(e),
        ("NoSuchPublicAccessBlockConfiguration".to_owned(), 404)
    );
    let raw = raw.unwrap();
    assert!(raw.contains("<ErrorResponse><Error><Code>"), "{raw}");

    one.put_public_access_block()
        .account_id(ONE)
        .public_access_block_configuration(block(true, false, true))
        .send()
        .await
        .unwrap();
    let got = one
        .get_public_access_block()
        .account_id(ONE)
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(got.block_public_acls, Some(true));
    assert_eq!(got.ignore_public_acls, Some(false));
    assert_eq!(got.block_public_policy, Some(false));
    assert_eq!(got.restrict_public_buckets, Some(true));

    // Another account may neither read nor change account one's settings.
    let two = s3control(&sb, "AK2");
    assert_eq!(
        err(two.get_public_access_block().account_id(ONE).send().await),
        ("AccessDenied".to_owned(), 403)
    );
    assert_eq!(
        err(two
            .delete_public_access_block()
            .account_id(ONE)
            .send()
            .await),
        ("AccessDenied".to_owned(), 403)
    );
    assert_eq!(
        err(two.get_public_access_block().account_id(TWO).send().await),
        ("NoSuchPublicAccessBlockConfiguration".to_owned(), 404)
    );

    one.delete_public_access_block()
        .account_id(ONE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        err(one.get_public_access_block().account_id(ONE).send().await),
        ("NoSuchPublicAccessBlockConfiguration".to_owned(), 404)
    );
}

#[tokio::test]
async fn account_settings_combine_with_each_buckets_and_survive_restart() {
    let mut sb = two_accounts().await;
    open_bucket(&sb, "opened").await;
    let s3 = sb.s3_as("AK1");
    let one = s3control(&sb, "AK1");

    // BlockPublicPolicy at account level refuses a public policy on a bucket whose own
    // settings are all off.
    one.put_public_access_block()
        .account_id(ONE)
        .public_access_block_configuration(block(false, true, false))
        .send()
        .await
        .unwrap();
    assert_eq!(
        err(s3
            .put_bucket_policy()
            .bucket("opened")
            .policy(public_read("opened"))
            .send()
            .await),
        ("AccessDenied".to_owned(), 403)
    );

    // Lifted, the policy goes in and the object is public.
    one.delete_public_access_block()
        .account_id(ONE)
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket("opened")
        .policy(public_read("opened"))
        .send()
        .await
        .unwrap();
    assert_eq!(sb.raw("GET", "/opened/k", &[], "").await.status, 200);

    // RestrictPublicBuckets at account level: the public policy no longer lets anonymous
    // callers or other accounts in, on this bucket and on one created afterwards; the owner
    // still reads.
    one.put_public_access_block()
        .account_id(ONE)
        .public_access_block_configuration(block(false, false, true))
        .send()
        .await
        .unwrap();
    assert_eq!(sb.raw("GET", "/opened/k", &[], "").await.status, 403);
    let two_read = sb
        .s3_as("AK2")
        .get_object()
        .bucket("opened")
        .key("k")
        .send()
        .await;
    assert_eq!(err(two_read), ("AccessDenied".to_owned(), 403));
    s3.get_object()
        .bucket("opened")
        .key("k")
        .send()
        .await
        .unwrap();

    // Account two's buckets are not affected by account one's settings.
    let s3_two = sb.s3_as("AK2");
    s3_two
        .create_bucket()
        .bucket("two-open")
        .send()
        .await
        .unwrap();
    s3_two
        .put_public_access_block()
        .bucket("two-open")
        .public_access_block_configuration(
            BucketBlock::builder()
                .block_public_policy(false)
                .restrict_public_buckets(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3_two
        .put_bucket_policy()
        .bucket("two-open")
        .policy(public_read("two-open"))
        .send()
        .await
        .unwrap();
    s3_two
        .put_object()
        .bucket("two-open")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    assert_eq!(sb.raw("GET", "/two-open/k", &[], "").await.status, 200);

    // After a restart the account's settings still hold.
    sb.restart().await;
    assert_eq!(sb.raw("GET", "/opened/k", &[], "").await.status, 403);
    let got = s3control(&sb, "AK1")
        .get_public_access_block()
        .account_id(ONE)
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(got.restrict_public_buckets, Some(true));
    // A bucket created now inherits the account's settings at once.
    open_bucket(&sb, "later").await;
    sb.s3_as("AK1")
        .put_bucket_policy()
        .bucket("later")
        .policy(public_read("later"))
        .send()
        .await
        .unwrap();
    assert_eq!(sb.raw("GET", "/later/k", &[], "").await.status, 403);
}
