//! ListObjectsV2, ListObjects (v1) and ListObjectVersions.

use nimbus_testkit::TestSandbox;

use super::{bucket, err, put};

async fn fill(sb: &TestSandbox) {
    bucket(sb, "lst").await;
    for k in ["a/1", "a/2", "a/b/3", "b", "c d/1", "c d/2", "e"] {
        put(sb, "lst", k, b"x").await;
    }
}

#[tokio::test]
async fn v2_prefix_delimiter_and_pages() {
    let sb = TestSandbox::start().await;
    fill(&sb).await;
    let s3 = sb.s3();
    let all = s3.list_objects_v2().bucket("lst").send().await.unwrap();
    assert_eq!(all.key_count(), Some(7));
    assert_eq!(all.is_truncated(), Some(false));
    let o = &all.contents()[0];
    assert_eq!(o.size(), Some(1));
    assert_eq!(o.e_tag(), Some("\"9dd4e461268c8034f5c8564e155c67a6\""));
    let top = s3
        .list_objects_v2()
        .bucket("lst")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = top.contents().iter().filter_map(|o| o.key()).collect();
    let prefixes: Vec<_> = top
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(keys, ["b", "e"]);
    assert_eq!(prefixes, ["a/", "c d/"]);
    let under = s3
        .list_objects_v2()
        .bucket("lst")
        .prefix("a/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = under.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["a/1", "a/2"]);
    assert_eq!(under.common_prefixes()[0].prefix(), Some("a/b/"));
    // Pages of two with continuation tokens cover everything once.
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket("lst")
            .delimiter("/")
            .max_keys(2)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        seen.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        seen.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        if page.is_truncated() != Some(true) {
            break;
        }
        token = page.next_continuation_token().map(str::to_owned);
    }
    seen.sort();
    assert_eq!(seen, ["a/", "b", "c d/", "e"]);
    let after = s3
        .list_objects_v2()
        .bucket("lst")
        .start_after("b")
        .send()
        .await
        .unwrap();
    assert_eq!(after.contents()[0].key(), Some("c d/1"));
    let (code, _) = err(s3
        .list_objects_v2()
        .bucket("lst")
        .continuation_token("!!!")
        .send()
        .await);
    assert_eq!(code, "InvalidArgument");
    let (code, _) = err(s3.list_objects_v2().bucket("missing").send().await);
    assert_eq!(code, "NoSuchBucket");
}

#[tokio::test]
async fn v1_markers_and_url_encoding() {
    let sb = TestSandbox::start().await;
    fill(&sb).await;
    let s3 = sb.s3();
    let page = s3
        .list_objects()
        .bucket("lst")
        .max_keys(3)
        .send()
        .await
        .unwrap();
    assert_eq!(page.is_truncated(), Some(true));
    let last = page.contents().last().unwrap().key().unwrap().to_owned();
    let next = s3
        .list_objects()
        .bucket("lst")
        .marker(&last)
        .send()
        .await
        .unwrap();
    assert_eq!(next.contents()[0].key(), Some("b"));
    let with_delim = s3
        .list_objects()
        .bucket("lst")
        .delimiter("/")
        .max_keys(1)
        .send()
        .await
        .unwrap();
    assert_eq!(with_delim.next_marker(), Some("a/"));
    let raw = sb
        .raw("GET", "/lst?encoding-type=url&prefix=c", &[], "")
        .await;
    assert_eq!(raw.status, 200);
    assert!(raw.body.contains("<Key>c+d%2F1</Key>"), "{}", raw.body);
    let versions = s3
        .list_object_versions()
        .bucket("lst")
        .prefix("a/")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 3);
    assert_eq!(versions.versions()[0].version_id(), Some("null"));
}
