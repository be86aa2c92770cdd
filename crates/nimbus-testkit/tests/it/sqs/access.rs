//! Queue policies enforced: a queue belongs to the account in its URL; another account's
//! requests are `AccessDenied` unless the queue's `Policy` (set directly or by
//! AddPermission) grants them; a `Deny` binds the owner too; policies survive a restart;
//! account boundaries hold with `--auth off` as well.

use aws_sdk_sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};
use nimbus_testkit::TestSandbox;

use super::err;

const ONE: &str = "111111111111";
const TWO: &str = "222222222222";

async fn strict() -> TestSandbox {
    TestSandbox::builder()
        .strict_auth(vec![("AK1", "SECRET", ONE), ("AK2", "SECRET", TWO)])
        .start()
        .await
}

async fn create(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    sqs.create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("queue created")
        .queue_url
        .expect("url")
}

async fn set_policy(sqs: &aws_sdk_sqs::Client, url: &str, policy: &str) {
    sqs.set_queue_attributes()
        .queue_url(url)
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .expect("policy set");
}

/// What account 2 may do on account 1's queue, operation by operation.
async fn outcomes(two: &aws_sdk_sqs::Client, url: &str) -> Vec<(&'static str, Result<(), String>)> {
    fn done<T, E: aws_sdk_sqs::error::ProvideErrorMetadata>(r: Result<T, E>) -> Result<(), String> {
        r.map(|_| ())
            .map_err(|e| e.code().unwrap_or("?").to_owned())
    }
    vec![
        (
            "send",
            done(
                two.send_message()
                    .queue_url(url)
                    .message_body("hi")
                    .send()
                    .await,
            ),
        ),
        (
            "batch",
            done(
                two.send_message_batch()
                    .queue_url(url)
                    .entries(
                        SendMessageBatchRequestEntry::builder()
                            .id("a")
                            .message_body("b")
                            .build()
                            .unwrap(),
                    )
                    .send()
                    .await,
            ),
        ),
        (
            "receive",
            done(two.receive_message().queue_url(url).send().await),
        ),
        (
            "attributes",
            done(
                two.get_queue_attributes()
                    .queue_url(url)
                    .attribute_names(QueueAttributeName::All)
                    .send()
                    .await,
            ),
        ),
        (
            "url",
            done(
                two.get_queue_url()
                    .queue_name("shared")
                    .queue_owner_aws_account_id(ONE)
                    .send()
                    .await,
            ),
        ),
        (
            "tags",
            done(two.list_queue_tags().queue_url(url).send().await),
        ),
        (
            "delete",
            done(two.delete_queue().queue_url(url).send().await),
        ),
    ]
}

#[tokio::test]
async fn queue_policy_cases() {
    let sb = strict().await;
    let (one, two) = (sb.sqs_as("AK1"), sb.sqs_as("AK2"));
    let url = create(&one, "shared").await;
    assert!(url.ends_with("/111111111111/shared"), "{url}");
    let denied = || Err("AccessDenied".to_owned());

    // No policy: the owner may do everything, the other account nothing.
    let all_denied: Vec<_> = [
        "send",
        "batch",
        "receive",
        "attributes",
        "url",
        "tags",
        "delete",
    ]
    .into_iter()
    .map(|op| (op, denied()))
    .collect();
    assert_eq!(outcomes(&two, &url).await, all_denied);
    one.send_message()
        .queue_url(&url)
        .message_body("mine")
        .send()
        .await
        .expect("the owner sends");

    // AddPermission grants account 2 SendMessage (and so SendMessageBatch), nothing else.
    one.add_permission()
        .queue_url(&url)
        .label("send-from-two")
        .aws_account_ids(TWO)
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    let got = outcomes(&two, &url).await;
    assert_eq!(got[0], ("send", Ok(())));
    assert_eq!(got[1], ("batch", Ok(())));
    assert_eq!(&got[2..], &all_denied[2..]);

    // A grant of receive and GetQueueUrl by label; RemovePermission takes the first away.
    one.add_permission()
        .queue_url(&url)
        .label("read-from-two")
        .aws_account_ids(TWO)
        .actions("ReceiveMessage")
        .actions("GetQueueUrl")
        .send()
        .await
        .unwrap();
    one.remove_permission()
        .queue_url(&url)
        .label("send-from-two")
        .send()
        .await
        .unwrap();
    let got = outcomes(&two, &url).await;
    assert_eq!(got[0], ("send", denied()));
    assert_eq!(got[2], ("receive", Ok(())));
    assert_eq!(got[4], ("url", Ok(())));
    assert_eq!(got[5], ("tags", denied()));

    // A Policy attribute replaces the statements: a Deny binds the owner as well.
    set_policy(
        &one,
        &url,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Sid":"all-two","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{TWO}:root"}},"Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:{ONE}:shared"}},
              {{"Sid":"no-purge","Effect":"Deny","Principal":"*","Action":"sqs:PurgeQueue","Resource":"*"}}]}}"#
        ),
    )
    .await;
    let (code, message) = err(one.purge_queue().queue_url(&url).send().await);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.starts_with("Access to the resource http://") && message.ends_with(" is denied."),
        "{message}"
    );
    let (code, _) = err(two.purge_queue().queue_url(&url).send().await);
    assert_eq!(code, "AccessDenied");
    two.send_message()
        .queue_url(&url)
        .message_body("granted by sqs:*")
        .send()
        .await
        .expect("account 2 sends under sqs:*");
    one.send_message()
        .queue_url(&url)
        .message_body("owner")
        .send()
        .await
        .expect("the owner is still allowed what is not denied");

    // Removing the Policy attribute removes every grant.
    set_policy(&one, &url, "").await;
    let (code, _) = err(two
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .send()
        .await);
    assert_eq!(code, "AccessDenied");
    one.purge_queue().queue_url(&url).send().await.unwrap();
}

#[tokio::test]
async fn the_issue_scenario_cross_account_send_by_url() {
    let sb = strict().await;
    let (one, two) = (sb.sqs_as("AK1"), sb.sqs_as("AK2"));
    let url = create(&one, "orders").await;
    let r = two
        .send_message()
        .queue_url(&url)
        .message_body("intruder")
        .send()
        .await;
    let e = r.expect_err("account 2 may not send to account 1's queue");
    let raw = e.raw_response().expect("a response");
    assert_eq!(raw.status().as_u16(), 403);
    let (code, _) = err::<(), _, _>(Err(e));
    assert_eq!(code, "AccessDenied");
    // Nothing arrived.
    let got = one.receive_message().queue_url(&url).send().await.unwrap();
    assert!(got.messages().is_empty());

    // A policy naming account 2 for sqs:SendMessage, with an aws:PrincipalAccount condition.
    set_policy(
        &one,
        &url,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{TWO}"}},
               "Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:{ONE}:orders",
               "Condition":{{"StringEquals":{{"aws:PrincipalAccount":"{TWO}"}}}}}}]}}"#
        ),
    )
    .await;
    two.send_message()
        .queue_url(&url)
        .message_body("granted")
        .send()
        .await
        .expect("granted by the queue policy");
    let got = one.receive_message().queue_url(&url).send().await.unwrap();
    assert_eq!(got.messages()[0].body(), Some("granted"));
    // Account 2 may send, not read.
    let (code, _) = err(two.receive_message().queue_url(&url).send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn own_account_operations_and_listing() {
    let sb = strict().await;
    let (one, two) = (sb.sqs_as("AK1"), sb.sqs_as("AK2"));
    create(&one, "a").await;
    create(&two, "a").await;
    let listed = two.list_queues().send().await.unwrap();
    assert_eq!(listed.queue_urls().len(), 1);
    assert!(listed.queue_urls()[0].contains("/222222222222/a"));
    // GetQueueUrl without an owner names the caller's own queue.
    let own = two.get_queue_url().queue_name("a").send().await.unwrap();
    assert!(own.queue_url().unwrap().contains("/222222222222/a"));
}

#[tokio::test]
async fn invalid_policies_are_refused() {
    let sb = strict().await;
    let one = sb.sqs_as("AK1");
    let url = create(&one, "p").await;
    for bad in [
        "{not json",
        r#"{"Statement":[{"Effect":"Perhaps","Principal":"*","Action":"sqs:*","Resource":"*"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#,
    ] {
        let (code, message) = err(one
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::Policy, bad)
            .send()
            .await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidAttributeValue",
                "Invalid value for the parameter Policy."
            ),
            "{bad}"
        );
    }
    let (code, _) = err(one
        .create_queue()
        .queue_name("born-bad")
        .attributes(QueueAttributeName::Policy, "[]")
        .send()
        .await);
    assert_eq!(code, "InvalidAttributeValue");
}

#[tokio::test]
async fn grants_survive_a_restart() {
    let mut sb = strict().await;
    let url = create(&sb.sqs_as("AK1"), "kept").await;
    sb.sqs_as("AK1")
        .add_permission()
        .queue_url(&url)
        .label("two")
        .aws_account_ids(TWO)
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    sb.restart().await;
    sb.sqs_as("AK2")
        .send_message()
        .queue_url(&url)
        .message_body("after restart")
        .send()
        .await
        .expect("the grant was kept");
    let (code, _) = err(sb.sqs_as("AK2").purge_queue().queue_url(&url).send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn account_boundaries_hold_with_auth_off() {
    let sb = TestSandbox::start().await;
    let (one, two) = (sb.sqs_as(ONE), sb.sqs_as(TWO));
    let url = create(&one, "off").await;
    let (code, _) = err(two
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .send()
        .await);
    assert_eq!(code, "AccessDenied");
    one.add_permission()
        .queue_url(&url)
        .label("two")
        .aws_account_ids(TWO)
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    two.send_message()
        .queue_url(&url)
        .message_body("x")
        .send()
        .await
        .expect("granted");
}
