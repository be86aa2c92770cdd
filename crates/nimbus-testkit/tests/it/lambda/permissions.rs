//! AddPermission, GetPolicy, RemovePermission; TagResource, UntagResource, ListTags.

use nimbus_testkit::TestSandbox;

use super::{err, python};

const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:perm";

#[tokio::test]
async fn resource_policy() {
    let sb = TestSandbox::start().await;
    python(&sb, "perm", "def lambda_handler(e, c):\n    return 1\n").await;
    let (c, _, s) = err(sb.lambda().get_policy().function_name("perm").send().await);
    assert_eq!((c.as_str(), s), ("ResourceNotFoundException", 404));

    let added = sb
        .lambda()
        .add_permission()
        .function_name("perm")
        .statement_id("s3invoke")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::my-bucket")
        .source_account("000000000000")
        .send()
        .await
        .unwrap();
    let stmt: serde_json::Value = serde_json::from_str(added.statement().unwrap()).unwrap();
    assert_eq!(stmt["Sid"], "s3invoke");
    assert_eq!(stmt["Principal"]["Service"], "s3.amazonaws.com");
    assert_eq!(stmt["Resource"], ARN);
    assert_eq!(
        stmt["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:s3:::my-bucket"
    );

    let (c, _, s) = err(sb
        .lambda()
        .add_permission()
        .function_name("perm")
        .statement_id("s3invoke")
        .action("lambda:InvokeFunction")
        .principal("sns.amazonaws.com")
        .send()
        .await);
    assert_eq!((c.as_str(), s), ("ResourceConflictException", 409));
    let (c, _, _) = err(sb
        .lambda()
        .add_permission()
        .function_name("perm")
        .statement_id("x")
        .action("s3:Get")
        .principal("*")
        .send()
        .await);
    assert_eq!(c, "ValidationException");

    let p = sb
        .lambda()
        .get_policy()
        .function_name("perm")
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(p.policy().unwrap()).unwrap();
    assert_eq!(doc["Version"], "2012-10-17");
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
    assert!(p.revision_id().is_some());

    sb.lambda()
        .remove_permission()
        .function_name("perm")
        .statement_id("s3invoke")
        .send()
        .await
        .unwrap();
    let (c, _, _) = err(sb
        .lambda()
        .remove_permission()
        .function_name("perm")
        .statement_id("s3invoke")
        .send()
        .await);
    assert_eq!(c, "ResourceNotFoundException");
}

#[tokio::test]
async fn tags() {
    let sb = TestSandbox::start().await;
    python(&sb, "perm", "def lambda_handler(e, c):\n    return 1\n").await;
    sb.lambda()
        .tag_resource()
        .resource(ARN)
        .tags("a", "1")
        .tags("b", "2")
        .send()
        .await
        .unwrap();
    let t = sb.lambda().list_tags().resource(ARN).send().await.unwrap();
    assert_eq!(t.tags().unwrap().len(), 2);
    sb.lambda()
        .untag_resource()
        .resource(ARN)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let t = sb.lambda().list_tags().resource(ARN).send().await.unwrap();
    assert_eq!(t.tags().unwrap().keys().collect::<Vec<_>>(), ["b"]);
    let (c, _, _) = err(sb
        .lambda()
        .list_tags()
        .resource("arn:aws:lambda:us-east-1:000000000000:function:none")
        .send()
        .await);
    assert_eq!(c, "ResourceNotFoundException");
    let (c, _, _) = err(sb
        .lambda()
        .tag_resource()
        .resource(ARN)
        .tags("aws:x", "1")
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException");
}
