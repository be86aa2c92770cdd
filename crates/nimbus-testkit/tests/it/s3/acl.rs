//! ACLs, Object Ownership and Block Public Access through aws-sdk-rust, in `--auth strict`
//! with two accounts: AWS's defaults for new buckets (ACLs disabled, every public access
//! block on), canned ACLs and grant headers at create and put, Put/Get ACL round trips by
//! header and by document, the exact refusals, who owns an object written from another
//! account under each ownership setting, and that all of it survives a restart.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    AccessControlPolicy, BucketCannedAcl, Grant, Grantee, ObjectCannedAcl, ObjectOwnership, Owner,
    OwnershipControls, OwnershipControlsRule, Permission, PublicAccessBlockConfiguration, Type,
};
use nimbus_testkit::TestSandbox;

use super::err;

const ONE: &str = "111111111111";
const TWO: &str = "222222222222";
const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

pub async fn two_accounts() -> TestSandbox {
    TestSandbox::builder()
        .strict_auth(vec![("AK1", "S1", ONE), ("AK2", "S1", TWO)])
        .start()
        .await
}

/// The canonical user id S3 shows for the account of `access_key` (ListBuckets' Owner).
pub async fn canonical(sb: &TestSandbox, access_key: &str) -> String {
    sb.s3_as(access_key)
        .list_buckets()
        .send()
        .await
        .unwrap()
        .owner
        .unwrap()
        .id
        .unwrap()
}

/// Creates `name` (account one) with ACLs enabled (`ownership`) and no public access
/// block, so that ACLs can be set freely.
pub async fn acl_bucket(sb: &TestSandbox, name: &str, ownership: ObjectOwnership) {
    let s3 = sb.s3();
    s3.create_bucket()
        .bucket(name)
        .object_ownership(ownership)
        .send()
        .await
        .unwrap();
    s3.delete_public_access_block()
        .bucket(name)
        .send()
        .await
        .unwrap();
}

fn ownership(o: ObjectOwnership) -> OwnershipControls {
    OwnershipControls::builder()
        .rules(
            OwnershipControlsRule::builder()
                .object_ownership(o)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

/// `(grantee id or URI, permission)` of every grant, sorted.
fn grants(list: &[Grant]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|g| {
            let who = g.grantee.as_ref().unwrap();
            (
                who.id.clone().or(who.uri.clone()).unwrap(),
                g.permission.as_ref().unwrap().as_str().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn new_buckets_have_acls_disabled_and_public_access_blocked() {
    let sb = two_accounts().await;
    let s3 = sb.s3();
    s3.create_bucket().bucket("plain").send().await.unwrap();
    let me = canonical(&sb, "AK1").await;
    assert_eq!(me.len(), 64);
    assert_ne!(me, canonical(&sb, "AK2").await);

    let controls = s3
        .get_bucket_ownership_controls()
        .bucket("plain")
        .send()
        .await
        .unwrap();
    assert_eq!(
        controls.ownership_controls.unwrap().rules[0].object_ownership,
        ObjectOwnership::BucketOwnerEnforced
    );
    let block = s3
        .get_public_access_block()
        .bucket("plain")
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(block.block_public_acls, Some(true));
    assert_eq!(block.ignore_public_acls, Some(true));
    assert_eq!(block.block_public_policy, Some(true));
    assert_eq!(block.restrict_public_buckets, Some(true));

    // Reading ACLs works: the owner's full control, by its canonical id.
    let acl = s3.get_bucket_acl().bucket("plain").send().await.unwrap();
    assert_eq!(acl.owner().unwrap().id().unwrap(), me);
    assert_eq!(
        grants(acl.grants()),
        vec![(me.clone(), "FULL_CONTROL".into())]
    );

    // Setting them does not, except the bucket owner's full control.
    let (code, status) = err(s3
        .put_object()
        .bucket("plain")
        .key("k")
        .acl(ObjectCannedAcl::PublicRead)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("AccessControlListNotSupported", 400)
    );
    let (code, _) = err(s3
        .put_object()
        .bucket("plain")
        .key("k")
        .acl(ObjectCannedAcl::Private)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(code, "AccessControlListNotSupported");
    s3.put_object()
        .bucket("plain")
        .key("k")
        .acl(ObjectCannedAcl::BucketOwnerFullControl)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let (code, status) = err(s3
        .put_bucket_acl()
        .bucket("plain")
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("AccessControlListNotSupported", 400)
    );
    let (code, _) = err(s3
        .put_object_acl()
        .bucket("plain")
        .key("k")
        .acl(ObjectCannedAcl::AuthenticatedRead)
        .send()
        .await);
    assert_eq!(code, "AccessControlListNotSupported");
    let (code, _) = err(s3
        .copy_object()
        .bucket("plain")
        .key("copy")
        .copy_source("plain/k")
        .acl(ObjectCannedAcl::PublicRead)
        .send()
        .await);
    assert_eq!(code, "AccessControlListNotSupported");
    let (code, _) = err(s3
        .create_multipart_upload()
        .bucket("plain")
        .key("mp")
        .acl(ObjectCannedAcl::PublicReadWrite)
        .send()
        .await);
    assert_eq!(code, "AccessControlListNotSupported");
    let acl = s3
        .get_object_acl()
        .bucket("plain")
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(
        grants(acl.grants()),
        vec![(me.clone(), "FULL_CONTROL".into())]
    );

    // CreateBucket with an ACL for others, under the default ownership.
    let (code, status) = err(s3
        .create_bucket()
        .bucket("public")
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidBucketAclWithObjectOwnership", 400)
    );
    s3.create_bucket()
        .bucket("private")
        .acl(BucketCannedAcl::Private)
        .send()
        .await
        .unwrap();

    // Without ownership controls the bucket behaves as ObjectWriter.
    s3.delete_bucket_ownership_controls()
        .bucket("plain")
        .send()
        .await
        .unwrap();
    let (code, status) = err(s3
        .get_bucket_ownership_controls()
        .bucket("plain")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("OwnershipControlsNotFoundError", 404)
    );
    let two = canonical(&sb, "AK2").await;
    s3.put_object_acl()
        .bucket("plain")
        .key("k")
        .grant_read(format!("id=\"{two}\""))
        .send()
        .await
        .unwrap();
    let acl = s3
        .get_object_acl()
        .bucket("plain")
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(grants(acl.grants()), vec![(two, "READ".into())]);
}

#[tokio::test]
async fn canned_acls_and_grant_headers_round_trip() {
    let sb = two_accounts().await;
    let s3 = sb.s3();
    let me = canonical(&sb, "AK1").await;
    let two = canonical(&sb, "AK2").await;
    // At CreateBucket: a canned ACL with ACLs enabled and no public access block is
    // refused only by the new bucket's block; grant headers to another account are fine.
    s3.create_bucket()
        .bucket("granted")
        .object_ownership(ObjectOwnership::ObjectWriter)
        .grant_read(format!("id=\"{two}\""))
        .grant_full_control(format!("id=\"{me}\""))
        .send()
        .await
        .unwrap();
    let acl = s3.get_bucket_acl().bucket("granted").send().await.unwrap();
    assert_eq!(grants(acl.grants()), {
        let mut v = vec![
            (me.clone(), "FULL_CONTROL".into()),
            (two.clone(), "READ".into()),
        ];
        v.sort();
        v
    });
    let (code, status) = err(s3
        .create_bucket()
        .bucket("public-at-birth")
        .object_ownership(ObjectOwnership::ObjectWriter)
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidBucketAclWithBlockPublicAccessError", 400)
    );

    acl_bucket(&sb, "acls", ObjectOwnership::ObjectWriter).await;
    // Canned ACLs at put.
    s3.put_object()
        .bucket("acls")
        .key("public")
        .acl(ObjectCannedAcl::PublicRead)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let acl = s3
        .get_object_acl()
        .bucket("acls")
        .key("public")
        .send()
        .await
        .unwrap();
    assert_eq!(acl.owner().unwrap().id().unwrap(), me);
    assert_eq!(
        grants(acl.grants()),
        sorted(vec![
            (ALL_USERS.into(), "READ".into()),
            (me.clone(), "FULL_CONTROL".into())
        ])
    );
    // Grant headers at put (the owner gets only what they name).
    s3.put_object()
        .bucket("acls")
        .key("granted")
        .grant_read(format!("uri=\"{AUTHENTICATED}\", id=\"{two}\""))
        .grant_write_acp(format!("id={me}"))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let acl = s3
        .get_object_acl()
        .bucket("acls")
        .key("granted")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert_eq!(grants(acl.grants()), {
        let mut v = vec![
            (AUTHENTICATED.into(), "READ".into()),
            (two.clone(), "READ".into()),
            (me.clone(), "WRITE_ACP".into()),
        ];
        v.sort();
        v
    });
    let (code, status) = err(s3
        .get_object_acl()
        .bucket("acls")
        .key("granted")
        .version_id("3HL4kqtJlcpXroDTDmjVBH40Nrjfkd")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("InvalidArgument", 400));

    // PutObjectAcl by document, PutBucketAcl by header.
    let policy = AccessControlPolicy::builder()
        .owner(Owner::builder().id(&me).build())
        .grants(
            Grant::builder()
                .grantee(
                    Grantee::builder()
                        .r#type(Type::CanonicalUser)
                        .id(&me)
                        .build()
                        .unwrap(),
                )
                .permission(Permission::FullControl)
                .build(),
        )
        .grants(
            Grant::builder()
                .grantee(
                    Grantee::builder()
                        .r#type(Type::CanonicalUser)
                        .id(&two)
                        .build()
                        .unwrap(),
                )
                .permission(Permission::ReadAcp)
                .build(),
        )
        .build();
    s3.put_object_acl()
        .bucket("acls")
        .key("public")
        .access_control_policy(policy)
        .send()
        .await
        .unwrap();
    let acl = s3
        .get_object_acl()
        .bucket("acls")
        .key("public")
        .send()
        .await
        .unwrap();
    assert_eq!(grants(acl.grants()), {
        let mut v = vec![
            (me.clone(), "FULL_CONTROL".into()),
            (two.clone(), "READ_ACP".into()),
        ];
        v.sort();
        v
    });
    s3.put_bucket_acl()
        .bucket("acls")
        .acl(BucketCannedAcl::AuthenticatedRead)
        .send()
        .await
        .unwrap();
    let acl = s3.get_bucket_acl().bucket("acls").send().await.unwrap();
    assert_eq!(
        grants(acl.grants()),
        sorted(vec![
            (AUTHENTICATED.into(), "READ".into()),
            (me.clone(), "FULL_CONTROL".into())
        ])
    );
    s3.put_bucket_acl()
        .bucket("acls")
        .acl(BucketCannedAcl::from("log-delivery-write"))
        .send()
        .await
        .unwrap();
    let acl = s3.get_bucket_acl().bucket("acls").send().await.unwrap();
    assert_eq!(acl.grants().len(), 3);
}

#[tokio::test]
async fn malformed_and_conflicting_acls_are_refused_as_aws_does() {
    let sb = two_accounts().await;
    let s3 = sb.s3();
    acl_bucket(&sb, "acls", ObjectOwnership::BucketOwnerPreferred).await;
    let me = canonical(&sb, "AK1").await;
    let (code, status) = err(s3
        .put_object()
        .bucket("acls")
        .key("k")
        .acl(ObjectCannedAcl::Private)
        .grant_read(format!("id=\"{me}\""))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("InvalidRequest", 400));
    let (code, status) = err(s3
        .put_object()
        .bucket("acls")
        .key("k")
        .grant_read("emailAddress=\"someone@example.com\"")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("UnresolvableGrantByEmailAddress", 400)
    );
    let (code, status) = err(s3
        .put_bucket_acl()
        .bucket("acls")
        .grant_read("id=\"not-a-canonical-id\"")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("InvalidArgument", 400));
    // A document without its grants' list.
    let (code, status) = err(s3
        .put_bucket_acl()
        .bucket("acls")
        .access_control_policy(
            AccessControlPolicy::builder()
                .owner(Owner::builder().id(&me).build())
                .build(),
        )
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("MalformedACLError", 400));
    // Neither header nor document.
    let (code, status) = err(s3.put_bucket_acl().bucket("acls").send().await);
    assert_eq!((code.as_str(), status), ("MissingSecurityHeader", 400));
    // BucketOwnerEnforced while the bucket ACL grants to others.
    s3.put_bucket_acl()
        .bucket("acls")
        .grant_full_control(format!("id=\"{me}\""))
        .grant_read(format!("uri=\"{ALL_USERS}\""))
        .send()
        .await
        .unwrap();
    let (code, status) = err(s3
        .put_bucket_ownership_controls()
        .bucket("acls")
        .ownership_controls(ownership(ObjectOwnership::BucketOwnerEnforced))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidBucketAclWithObjectOwnership", 400)
    );
    s3.put_bucket_acl()
        .bucket("acls")
        .acl(BucketCannedAcl::Private)
        .send()
        .await
        .unwrap();
    s3.put_bucket_ownership_controls()
        .bucket("acls")
        .ownership_controls(ownership(ObjectOwnership::BucketOwnerEnforced))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn block_public_access_refuses_public_acls_and_policies() {
    let sb = two_accounts().await;
    let s3 = sb.s3();
    s3.create_bucket()
        .bucket("blocked")
        .object_ownership(ObjectOwnership::ObjectWriter)
        .send()
        .await
        .unwrap();
    for acl in [
        ObjectCannedAcl::PublicRead,
        ObjectCannedAcl::AuthenticatedRead,
    ] {
        let (code, status) = err(s3
            .put_object()
            .bucket("blocked")
            .key("k")
            .acl(acl)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await);
        assert_eq!((code.as_str(), status), ("AccessDenied", 403));
    }
    let (code, status) = err(s3
        .put_object()
        .bucket("blocked")
        .key("k")
        .grant_read(format!("uri=\"{ALL_USERS}\""))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("AccessDenied", 403));
    let (code, status) = err(s3
        .put_bucket_acl()
        .bucket("blocked")
        .acl(BucketCannedAcl::PublicReadWrite)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("AccessDenied", 403));
    let public_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::blocked/*"}]}"#;
    let (code, status) = err(s3
        .put_bucket_policy()
        .bucket("blocked")
        .policy(public_policy)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("AccessDenied", 403));
    // A private ACL, and a policy naming an account, are not public.
    s3.put_object()
        .bucket("blocked")
        .key("k")
        .acl(ObjectCannedAcl::Private)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let account_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{TWO}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::blocked/*"}}]}}"#
    );
    s3.put_bucket_policy()
        .bucket("blocked")
        .policy(account_policy)
        .send()
        .await
        .unwrap();

    // Turning BlockPublicAcls off lets public ACLs through; BlockPublicPolicy still holds.
    s3.put_public_access_block()
        .bucket("blocked")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(false)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_object_acl()
        .bucket("blocked")
        .key("k")
        .acl(ObjectCannedAcl::PublicRead)
        .send()
        .await
        .unwrap();
    let (code, _) = err(s3
        .put_bucket_policy()
        .bucket("blocked")
        .policy(public_policy)
        .send()
        .await);
    assert_eq!(code, "AccessDenied");
    let block = s3
        .get_public_access_block()
        .bucket("blocked")
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(block.block_public_acls, Some(false));
    assert_eq!(block.ignore_public_acls, Some(true));

    s3.delete_public_access_block()
        .bucket("blocked")
        .send()
        .await
        .unwrap();
    let (code, status) = err(s3.get_public_access_block().bucket("blocked").send().await);
    assert_eq!(
        (code.as_str(), status),
        ("NoSuchPublicAccessBlockConfiguration", 404)
    );
    s3.put_bucket_policy()
        .bucket("blocked")
        .policy(public_policy)
        .send()
        .await
        .unwrap();
}

/// The owner ListObjectsV2 shows for `key` in `bucket`, listed by account one.
async fn listed_owner(sb: &TestSandbox, bucket: &str, key: &str) -> String {
    let out = sb
        .s3()
        .list_objects_v2()
        .bucket(bucket)
        .prefix(key)
        .fetch_owner(true)
        .send()
        .await
        .unwrap();
    out.contents()[0].owner.clone().unwrap().id.unwrap()
}

#[tokio::test]
async fn object_ownership_decides_who_owns_what_another_account_writes() {
    let sb = two_accounts().await;
    let one = canonical(&sb, "AK1").await;
    let two = canonical(&sb, "AK2").await;
    let grant_two = |bucket: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{TWO}:root"}},"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        )
    };
    let cases = [
        (ObjectOwnership::BucketOwnerEnforced, None, &one),
        (
            ObjectOwnership::BucketOwnerEnforced,
            Some(ObjectCannedAcl::BucketOwnerFullControl),
            &one,
        ),
        (ObjectOwnership::BucketOwnerPreferred, None, &two),
        (
            ObjectOwnership::BucketOwnerPreferred,
            Some(ObjectCannedAcl::BucketOwnerFullControl),
            &one,
        ),
        (ObjectOwnership::ObjectWriter, None, &two),
        (
            ObjectOwnership::ObjectWriter,
            Some(ObjectCannedAcl::BucketOwnerFullControl),
            &two,
        ),
    ];
    for (i, (mode, acl, owner)) in cases.into_iter().enumerate() {
        let bucket = format!("owned-{i}");
        sb.s3()
            .create_bucket()
            .bucket(&bucket)
            .object_ownership(mode.clone())
            .send()
            .await
            .unwrap();
        sb.s3()
            .put_bucket_policy()
            .bucket(&bucket)
            .policy(grant_two(&bucket))
            .send()
            .await
            .unwrap();
        sb.s3_as("AK2")
            .put_object()
            .bucket(&bucket)
            .key("k")
            .set_acl(acl.clone())
            .body(ByteStream::from_static(b"from two"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{mode:?} {acl:?}: {e:?}"));
        assert_eq!(
            &listed_owner(&sb, &bucket, "k").await,
            owner,
            "{mode:?} with {acl:?}"
        );
    }
}

/// AWS's object context: an object another account wrote under `ObjectWriter` is that
/// account's; the bucket owner reads it (or its ACL) only if the object's ACL grants it,
/// while it may still delete it.
#[tokio::test]
async fn the_bucket_owner_reads_another_accounts_object_only_when_its_acl_grants_it() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    let two = sb.s3_as("AK2");
    one.create_bucket()
        .bucket("writer-owned")
        .object_ownership(ObjectOwnership::ObjectWriter)
        .send()
        .await
        .unwrap();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{TWO}:root"}},"Action":["s3:PutObject","s3:PutObjectAcl","s3:GetObject"],"Resource":"arn:aws:s3:::writer-owned/*"}}]}}"#
    );
    one.put_bucket_policy()
        .bucket("writer-owned")
        .policy(policy)
        .send()
        .await
        .unwrap();
    for (key, acl) in [
        ("private", None),
        ("shared", Some(ObjectCannedAcl::BucketOwnerRead)),
    ] {
        two.put_object()
            .bucket("writer-owned")
            .key(key)
            .set_acl(acl)
            .body(ByteStream::from_static(b"two's"))
            .send()
            .await
            .unwrap();
    }
    // The writer reads its own object; the bucket owner may not, nor read its ACL.
    two.get_object()
        .bucket("writer-owned")
        .key("private")
        .send()
        .await
        .unwrap();
    let r = one
        .get_object()
        .bucket("writer-owned")
        .key("private")
        .send()
        .await;
    assert_eq!(err(r), ("AccessDenied".to_owned(), 403));
    let r = one
        .get_object_acl()
        .bucket("writer-owned")
        .key("private")
        .send()
        .await;
    assert_eq!(err(r), ("AccessDenied".to_owned(), 403));
    // bucket-owner-read grants it.
    let body = one
        .get_object()
        .bucket("writer-owned")
        .key("shared")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"two's");
    // The writer grants it afterwards: now the bucket owner reads.
    two.put_object_acl()
        .bucket("writer-owned")
        .key("private")
        .acl(ObjectCannedAcl::BucketOwnerFullControl)
        .send()
        .await
        .unwrap();
    one.get_object()
        .bucket("writer-owned")
        .key("private")
        .send()
        .await
        .unwrap();
    // The bucket owner may delete any object in its bucket.
    two.put_object()
        .bucket("writer-owned")
        .key("gone")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    one.delete_object()
        .bucket("writer-owned")
        .key("gone")
        .send()
        .await
        .unwrap();
    let r = one
        .get_object()
        .bucket("writer-owned")
        .key("gone")
        .send()
        .await;
    assert_eq!(err(r), ("NoSuchKey".to_owned(), 404));
}

#[tokio::test]
async fn acls_ownership_and_public_access_blocks_survive_a_restart() {
    let mut sb = two_accounts().await;
    let s3 = sb.s3();
    let two = canonical(&sb, "AK2").await;
    acl_bucket(&sb, "kept", ObjectOwnership::BucketOwnerPreferred).await;
    s3.put_bucket_acl()
        .bucket("kept")
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket("kept")
        .key("k")
        .grant_read(format!("id=\"{two}\""))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    s3.put_public_access_block()
        .bucket("kept")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.create_bucket().bucket("defaults").send().await.unwrap();

    sb.restart().await;

    let s3 = sb.s3();
    let controls = s3
        .get_bucket_ownership_controls()
        .bucket("kept")
        .send()
        .await
        .unwrap();
    assert_eq!(
        controls.ownership_controls.unwrap().rules[0].object_ownership,
        ObjectOwnership::BucketOwnerPreferred
    );
    let acl = s3.get_bucket_acl().bucket("kept").send().await.unwrap();
    assert!(grants(acl.grants()).contains(&(ALL_USERS.into(), "READ".into())));
    let acl = s3
        .get_object_acl()
        .bucket("kept")
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(grants(acl.grants()), vec![(two.clone(), "READ".into())]);
    let block = s3
        .get_public_access_block()
        .bucket("kept")
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(block.restrict_public_buckets, Some(true));
    assert_eq!(block.block_public_acls, Some(false));
    let block = s3
        .get_public_access_block()
        .bucket("defaults")
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(block.block_public_policy, Some(true));
}

#[tokio::test]
async fn the_rest_of_s3_control_is_not_served_and_says_so() {
    let sb = TestSandbox::start().await;
    let r = sb
        .raw(
            "GET",
            "/v20180820/accesspoint",
            &[("x-amz-account-id", "000000000000")],
            "",
        )
        .await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert!(r.body.contains("<Code>NotImplemented</Code>"), "{}", r.body);
    assert!(r.body.contains("S3 Control"), "{}", r.body);
}

/// One row of the combination table: how the bucket is set up, and whether an anonymous
/// caller and account two may GetObject.
struct Row {
    ownership: ObjectOwnership,
    acl: ObjectCannedAcl,
    grant_two: bool,
    block: Option<PublicAccessBlockConfiguration>,
    anonymous: bool,
    two: bool,
}

/// ACL × Object Ownership × Block Public Access, end to end: whether an anonymous request
/// and another account's GetObject get the object, decided by the S3 authorization point
/// through `engine::acl::bucket_acl_allows`.
#[tokio::test]
async fn acl_ownership_and_public_access_block_decide_reads() {
    let sb = two_accounts().await;
    let s3 = sb.s3();
    let two_id = canonical(&sb, "AK2").await;
    let ignore = || {
        Some(
            PublicAccessBlockConfiguration::builder()
                .ignore_public_acls(true)
                .build(),
        )
    };
    let all = || {
        Some(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
    };
    use ObjectCannedAcl as A;
    use ObjectOwnership as O;
    #[rustfmt::skip]
    let rows = [
        Row { ownership: O::ObjectWriter, acl: A::Private, grant_two: false, block: None, anonymous: false, two: false },
        Row { ownership: O::ObjectWriter, acl: A::PublicRead, grant_two: false, block: None, anonymous: true, two: true },
        Row { ownership: O::ObjectWriter, acl: A::PublicRead, grant_two: false, block: ignore(), anonymous: false, two: false },
        Row { ownership: O::ObjectWriter, acl: A::PublicRead, grant_two: false, block: all(), anonymous: false, two: false },
        Row { ownership: O::ObjectWriter, acl: A::AuthenticatedRead, grant_two: false, block: None, anonymous: false, two: true },
        Row { ownership: O::ObjectWriter, acl: A::Private, grant_two: true, block: all(), anonymous: false, two: true },
        Row { ownership: O::BucketOwnerPreferred, acl: A::PublicRead, grant_two: false, block: None, anonymous: true, two: true },
        Row { ownership: O::BucketOwnerEnforced, acl: A::PublicRead, grant_two: false, block: None, anonymous: false, two: false },
        Row { ownership: O::BucketOwnerEnforced, acl: A::Private, grant_two: true, block: None, anonymous: false, two: false },
    ];
    for (i, row) in rows.into_iter().enumerate() {
        let b = format!("table-{i}");
        let enforced = row.ownership == O::BucketOwnerEnforced;
        let initial = if enforced {
            O::ObjectWriter
        } else {
            row.ownership.clone()
        };
        acl_bucket(&sb, &b, initial).await;
        let put = s3
            .put_object()
            .bucket(&b)
            .key("k")
            .body(ByteStream::from_static(b"data"));
        let put = if row.grant_two {
            put.grant_read(format!("id=\"{two_id}\""))
        } else {
            put.acl(row.acl.clone())
        };
        put.send().await.unwrap();
        if enforced {
            s3.put_bucket_ownership_controls()
                .bucket(&b)
                .ownership_controls(ownership(O::BucketOwnerEnforced))
                .send()
                .await
                .unwrap();
        }
        if let Some(block) = row.block.clone() {
            s3.put_public_access_block()
                .bucket(&b)
                .public_access_block_configuration(block)
                .send()
                .await
                .unwrap();
        }
        let anon = sb.raw("GET", &format!("/{b}/k"), &[], "").await;
        assert_eq!(
            anon.status,
            if row.anonymous { 200 } else { 403 },
            "row {i}: anonymous: {}",
            anon.body
        );
        let two = sb
            .s3_as("AK2")
            .get_object()
            .bucket(&b)
            .key("k")
            .send()
            .await;
        match (row.two, two) {
            (true, Ok(_)) => {}
            (false, r @ Err(_)) => assert_eq!(err(r), ("AccessDenied".to_owned(), 403), "row {i}"),
            (expected, r) => panic!("row {i}: account two expected {expected}, got {r:?}"),
        }
    }
}

/// With `--enforce-iam`, an ACL grant to another account reaches that account's IAM users
/// only as far as their own policies allow (the account delegates to its users through
/// identity policies): the grant makes up for the missing bucket-policy allow, never for the
/// missing identity allow.
#[tokio::test]
async fn an_acl_grant_to_an_account_needs_its_users_identity_allow() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![
            ("AK1", "S1", ONE),
            ("AK2", "S1", TWO),
            ("AK3", "S1", TWO),
        ])
        .principal("AK3", &format!("arn:aws:iam::{TWO}:user/alice"))
        .enforce_iam()
        .start()
        .await;
    let two = canonical(&sb, "AK2").await;
    acl_bucket(&sb, "granted", ObjectOwnership::ObjectWriter).await;
    sb.s3()
        .put_object()
        .bucket("granted")
        .key("k")
        .grant_read(format!("id={two}"))
        .body(ByteStream::from_static(b"for two"))
        .send()
        .await
        .unwrap();
    // Account two's root reads through the grant.
    sb.s3_as("AK2")
        .get_object()
        .bucket("granted")
        .key("k")
        .send()
        .await
        .unwrap();
    // Alice, a user of account two with no policy, may not.
    let iam = sb.iam_as("AK2");
    iam.create_user().user_name("alice").send().await.unwrap();
    let alice = sb.s3_as("AK3");
    let r = alice.get_object().bucket("granted").key("k").send().await;
    assert_eq!(err(r), ("AccessDenied".to_owned(), 403));
    // Once her policy allows s3:GetObject, the grant lets her in.
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("read")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    alice
        .get_object()
        .bucket("granted")
        .key("k")
        .send()
        .await
        .unwrap();
}
