//! Function policies enforced: a function belongs to the account in its ARN; another
//! account's calls are `AccessDeniedException` unless `AddPermission` granted them; account
//! boundaries hold with `--auth off` as well.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use nimbus_testkit::TestSandbox;

use super::{err, python};

const ONE: &str = "111111111111";
const TWO: &str = "222222222222";
const F: &str = "arn:aws:lambda:us-east-1:111111111111:function:f";

const HANDLER: &str = "def lambda_handler(e, c):\n    return {'ok': True}\n";

fn denied(action: &str) -> String {
    format!(
        "User: arn:aws:iam::{TWO}:root is not authorized to perform: {action} on resource: {F} \
         because no resource-based policy allows the {action} action"
    )
}

async fn invoke(
    client: &aws_sdk_lambda::Client,
    kind: InvocationType,
) -> Result<i32, (String, String, u16)> {
    client
        .invoke()
        .function_name(F)
        .invocation_type(kind)
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .map(|o| o.status_code())
        .map_err(|e| err::<(), _>(Err(e)))
}

#[tokio::test]
async fn cross_account_invoke_granted_and_not() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AK1", "SECRET", ONE), ("AK2", "SECRET", TWO)])
        .start()
        .await;
    python(&sb, "f", HANDLER).await;
    let (one, two) = (sb.lambda_as("AK1"), sb.lambda_as("AK2"));

    // No policy: every kind of invocation from account 2 is refused, with AWS's message.
    for kind in [
        InvocationType::RequestResponse,
        InvocationType::Event,
        InvocationType::DryRun,
    ] {
        assert_eq!(
            invoke(&two, kind.clone()).await,
            Err((
                "AccessDeniedException".into(),
                denied("lambda:InvokeFunction"),
                403
            )),
            "{kind:?}"
        );
    }
    let (code, message, status) = err(two.get_function().function_name(F).send().await);
    assert_eq!(
        (code.as_str(), message, status),
        ("AccessDeniedException", denied("lambda:GetFunction"), 403)
    );
    let (code, _, _) = err(two.get_policy().function_name(F).send().await);
    assert_eq!(code, "AccessDeniedException");
    let (code, _, _) = err(two
        .add_permission()
        .function_name(F)
        .statement_id("self-service")
        .action("lambda:InvokeFunction")
        .principal(TWO)
        .send()
        .await);
    assert_eq!(code, "AccessDeniedException");
    let (code, _, _) = err(two.delete_function().function_name(F).send().await);
    assert_eq!(code, "AccessDeniedException");
    let (code, _, _) = err(two.list_tags().resource(F).send().await);
    assert_eq!(code, "AccessDeniedException");
    // Nor can account 2 create a function in account 1.
    let (code, _, _) = err(two
        .create_function()
        .function_name("arn:aws:lambda:us-east-1:111111111111:function:planted")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(super::ROLE)
        .handler("lambda_function.lambda_handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(super::zip(&[("lambda_function.py", HANDLER)])))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "AccessDeniedException");
    // The owner is unaffected, by name or by ARN.
    assert_eq!(invoke(&one, InvocationType::RequestResponse).await, Ok(200));

    // AddPermission with the account id as principal grants InvokeFunction, nothing else.
    one.add_permission()
        .function_name("f")
        .statement_id("two-invokes")
        .action("lambda:InvokeFunction")
        .principal(TWO)
        .send()
        .await
        .unwrap();
    assert_eq!(invoke(&two, InvocationType::RequestResponse).await, Ok(200));
    assert_eq!(invoke(&two, InvocationType::Event).await, Ok(202));
    assert_eq!(invoke(&two, InvocationType::DryRun).await, Ok(204));
    let (code, _, _) = err(two.get_function().function_name(F).send().await);
    assert_eq!(code, "AccessDeniedException");

    // GetPolicy shows the statement as AWS writes it.
    let policy = one.get_policy().function_name("f").send().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(
        doc["Statement"][0]["Principal"]["AWS"],
        format!("arn:aws:iam::{TWO}:root")
    );

    // A statement for a role ARN of account 2 does not cover its root user.
    one.remove_permission()
        .function_name("f")
        .statement_id("two-invokes")
        .send()
        .await
        .unwrap();
    one.add_permission()
        .function_name("f")
        .statement_id("role-only")
        .action("lambda:InvokeFunction")
        .principal(format!("arn:aws:iam::{TWO}:role/invoker"))
        .send()
        .await
        .unwrap();
    let (code, _, _) = invoke(&two, InvocationType::RequestResponse)
        .await
        .unwrap_err();
    assert_eq!(code, "AccessDeniedException");

    // `*` with a PrincipalOrgID condition: account 2 belongs to no organization here.
    one.add_permission()
        .function_name("f")
        .statement_id("org")
        .action("lambda:InvokeFunction")
        .principal("*")
        .principal_org_id("o-exampleorg")
        .send()
        .await
        .unwrap();
    let (code, _, _) = invoke(&two, InvocationType::RequestResponse)
        .await
        .unwrap_err();
    assert_eq!(code, "AccessDeniedException");

    // `lambda:*` granted to the account lets it read the function too.
    one.add_permission()
        .function_name("f")
        .statement_id("all")
        .action("lambda:*")
        .principal(TWO)
        .send()
        .await
        .unwrap();
    two.get_function()
        .function_name(F)
        .send()
        .await
        .expect("granted by lambda:*");
}

#[tokio::test]
async fn grants_survive_a_restart_and_hold_with_auth_off() {
    let mut sb = TestSandbox::start().await;
    let (one, two) = (sb.lambda_as(ONE), sb.lambda_as(TWO));
    one.create_function()
        .function_name("f")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(super::ROLE)
        .handler("lambda_function.lambda_handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(super::zip(&[("lambda_function.py", HANDLER)])))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, message, _) = invoke(&two, InvocationType::DryRun).await.unwrap_err();
    assert_eq!(
        (code.as_str(), message),
        ("AccessDeniedException", denied("lambda:InvokeFunction"))
    );
    one.add_permission()
        .function_name("f")
        .statement_id("two")
        .action("lambda:InvokeFunction")
        .principal(TWO)
        .send()
        .await
        .unwrap();
    sb.restart().await;
    let two = sb.lambda_as(TWO);
    assert_eq!(invoke(&two, InvocationType::DryRun).await, Ok(204));
}

/// Lambda reads an event source mapping's queue, and sends destination records, as the
/// function's execution role: a queue of another account must grant the role, as on AWS.
#[tokio::test]
async fn a_mapping_and_a_destination_in_another_account_need_the_queue_to_grant_the_role() {
    use aws_sdk_lambda::types::{DestinationConfig, FunctionCode, OnSuccess, Runtime};
    use aws_sdk_sqs::types::QueueAttributeName;

    let sb = TestSandbox::builder()
        .strict_auth(vec![("AK1", "SECRET", ONE), ("AK2", "SECRET", TWO)])
        .start()
        .await;
    let role = format!("arn:aws:iam::{ONE}:role/consumer-role");
    sb.lambda_as("AK1")
        .create_function()
        .function_name("consumer")
        .runtime(Runtime::Python312)
        .role(&role)
        .handler("lambda_function.lambda_handler")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(super::zip(&[("lambda_function.py", HANDLER)])))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let sqs_two = sb.sqs_as("AK2");
    let theirs = sqs_two
        .create_queue()
        .queue_name("theirs")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let theirs_arn = format!("arn:aws:sqs:us-east-1:{TWO}:theirs");

    // No grant: the role may not read account two's queue.
    let (code, message, status) = err(sb
        .lambda_as("AK1")
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(&theirs_arn)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), message.as_str(), status),
        (
            "InvalidParameterValueException",
            "The function execution role does not have permissions to call ReceiveMessage on SQS",
            400
        )
    );

    // A destination in account two (delivered as the role, once account two grants it).
    sb.lambda_as("AK1")
        .put_function_event_invoke_config()
        .function_name("consumer")
        .destination_config(
            DestinationConfig::builder()
                .on_success(OnSuccess::builder().destination(&theirs_arn).build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    // Account two grants the role (not the account) what a mapping needs, and SendMessage.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{role}"}},"Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes","sqs:SendMessage"],"Resource":"{theirs_arn}"}}]}}"#
    );
    sqs_two
        .set_queue_attributes()
        .queue_url(&theirs)
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .unwrap();
    sb.lambda_as("AK1")
        .invoke()
        .function_name("consumer")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap();
    // The success record reaches account two's queue.
    let mut got = Vec::new();
    for _ in 0..300 {
        got = sqs_two
            .receive_message()
            .queue_url(&theirs)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(got.len(), 1, "the destination record arrives once granted");
    assert!(got[0].body().unwrap().contains("\"condition\":\"Success\""));
    sb.lambda_as("AK1")
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(&theirs_arn)
        .send()
        .await
        .unwrap();
}
