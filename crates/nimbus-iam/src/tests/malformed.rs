//! Malformed IAM forms: fields of the wrong structure, required members missing, list
//! entries with bad indices, and requests with several problems. Each pins the status, code
//! and message IAM answers, so that a change in how inputs are read cannot change what
//! clients see.

use super::*;

/// One form and what IAM answers it: status, `<Code>` and `<Message>` (empty for success).
type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str, &'a str);

/// Sends each form to a service holding role `r` and checks its answer.
async fn check(cases: &[Case<'_>]) {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    assert_eq!(create_role(&svc, "r").await.status, 200);
    for (form, status, code, message) in cases {
        let a = iam(&svc, form).await;
        assert_eq!(
            (
                a.status,
                a.code().unwrap_or_default(),
                a.elem("Message").unwrap_or_default()
            ),
            (*status, code.to_string(), message.to_string()),
            "{form:?}"
        );
    }
}

/// Fields of the wrong structure (a list or a structure where text is expected, text where a
/// structure is expected) read as if absent.
#[tokio::test]
async fn wrong_structure_reads_as_absent() {
    check(&[
        (&[("Action", "GetRole"), ("RoleName.1", "r")], 400, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "GetRole"), ("RoleName.member.1", "r")], 400, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "GetPolicy"), ("PolicyArn.Key", "x")], 400, "ValidationError", "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "ListRoles"), ("MaxItems.1", "5")], 200, "", ""),
        (&[("Action", "UntagRole"), ("RoleName", "r"), ("TagKeys.member.1.Key", "k")], 400, "ValidationError", "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "TagRole"), ("RoleName", "r"), ("Tags.1.Key", "k")], 200, "", ""),
    ])
    .await;
}

/// A field with text of its own and fields below it reads as its text; lists read only
/// their own spellings (`Tags.member.N`, `TagKeys.N` before `TagKeys.member.N`).
#[tokio::test]
async fn text_beside_structure_and_list_spellings() {
    check(&[
        (&[("Action", "GetRole"), ("RoleName", "r"), ("RoleName.x", "y")], 200, "", ""),
        (&[("Action", "TagRole"), ("RoleName", "r"), ("Tags", "")], 200, "", ""),
        (
            &[("Action", "TagRole"), ("RoleName", "r"), ("Tags.member.1", "x")],
            400,
            "ValidationError",
            "1 validation error detected: Value null at 'tags.member.Key' failed to satisfy constraint: Member must not be null",
        ),
        (
            &[
                ("Action", "CreateRole"),
                ("RoleName", "r3"),
                ("AssumeRolePolicyDocument", TRUST),
                ("Tags.member.member.1.Key", "bad*"),
            ],
            200,
            "",
            "",
        ),
        (
            &[
                ("Action", "UntagRole"),
                ("RoleName", "r"),
                ("TagKeys.1", "k"),
                ("TagKeys.member.1", "bad*"),
            ],
            200,
            "",
            "",
        ),
        (
            &[
                ("Action", "UntagRole"),
                ("RoleName", "r"),
                ("TagKeys.1.x", "k"),
                ("TagKeys.member.1", "bad*"),
            ],
            400,
            "ValidationError",
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
        ),
    ])
    .await;
}

/// Two spellings of one index (`01` and `1`) are one entry, the later member winning.
#[tokio::test]
async fn one_index_spelt_twice() {
    check(&[
        (
            &[
                ("Action", "TagRole"),
                ("RoleName", "r"),
                ("Tags.member.01.Key", "a"),
                ("Tags.member.1.Value", "v"),
            ],
            200,
            "",
            "",
        ),
        (
            &[
                ("Action", "UntagRole"),
                ("RoleName", "r"),
                ("TagKeys.01", "bad*"),
                ("TagKeys.1", "a"),
            ],
            200,
            "",
            "",
        ),
        (
            &[
                ("Action", "TagRole"),
                ("RoleName", "r"),
                ("Tags.member.1.Key", "a"),
                ("Tags.member.01.Key", "bad*"),
            ],
            200,
            "",
            "",
        ),
    ])
    .await;
}

/// A required member that is absent: `Value null at '<member>'`, in the order the
/// operation checks them.
#[tokio::test]
async fn missing_required_members() {
    check(&[
        (&[("Action", "GetRole")], 400, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "CreateRole"), ("RoleName", "r2")], 400, "ValidationError", "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "CreateRole"), ("AssumeRolePolicyDocument", TRUST)], 400, "ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "TagRole"), ("RoleName", "r")], 400, "ValidationError", "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "UntagRole"), ("RoleName", "r")], 400, "ValidationError", "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "PutRolePolicy"), ("RoleName", "r")], 400, "ValidationError", "1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "AttachRolePolicy"), ("RoleName", "r")], 400, "ValidationError", "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "ListEntitiesForPolicy")], 400, "ValidationError", "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "CreatePolicy"), ("PolicyName", "p")], 400, "ValidationError", "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "CreatePolicy"), ("PolicyDocument", POLICY)], 400, "ValidationError", "1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not be null"),
    ])
    .await;
}

/// List entries whose index is not a number are left out; an entry without its key is a
/// missing `tags.member.Key`.
#[tokio::test]
async fn bad_list_indices() {
    check(&[
        (&[("Action", "TagRole"), ("RoleName", "r"), ("Tags.member.x.Key", "k"), ("Tags.member.x.Value", "v")], 200, "", ""),
        (&[("Action", "UntagRole"), ("RoleName", "r"), ("TagKeys.member.x", "k")], 400, "ValidationError", "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"),
        (&[("Action", "CreateRole"), ("RoleName", "r2"), ("AssumeRolePolicyDocument", TRUST), ("Tags.member.1.Value", "v")], 400, "ValidationError", "1 validation error detected: Value null at 'tags.member.Key' failed to satisfy constraint: Member must not be null"),
    ])
    .await;
}

/// Values that break a constraint, and which of several problems a request is answered with.
#[tokio::test]
async fn bad_values_and_precedence() {
    check(&[
        (&[("Action", "CreateRole"), ("RoleName", "bad name")], 400, "ValidationError", r#"1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"#),
        (&[("Action", "CreateRole"), ("RoleName", "r2"), ("Path", "x"), ("MaxSessionDuration", "1")], 400, "ValidationError", r#"1 validation error detected: Value 'x' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)"#),
        (&[("Action", "CreateRole"), ("RoleName", "r2"), ("AssumeRolePolicyDocument", TRUST), ("MaxSessionDuration", "abc")], 400, "ValidationError", "1 validation error detected: Value 'abc' at 'maxSessionDuration' failed to satisfy constraint: Member must be a number"),
        (&[("Action", "CreateRole"), ("RoleName", "r2"), ("AssumeRolePolicyDocument", "{bad"), ("Tags.member.1.Key", "bad*")], 400, "ValidationError", r#"1 validation error detected: Value 'bad*' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+"#),
        (&[("Action", "TagRole"), ("RoleName", "ghost"), ("Tags.member.1.Key", "bad*")], 404, "NoSuchEntity", "The role with name ghost cannot be found."),
        (&[("Action", "TagRole"), ("RoleName", "r"), ("Tags.member.1.Key", "a"), ("Tags.member.2.Key", "A")], 400, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."),
        (&[("Action", "UntagRole"), ("RoleName", "r"), ("TagKeys.member.1", "bad*")], 400, "ValidationError", r#"1 validation error detected: Value 'bad*' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+"#),
        (&[("Action", "ListRoles"), ("MaxItems", "abc")], 400, "ValidationError", "1 validation error detected: Value 'abc' at 'maxItems' failed to satisfy constraint: Member must be a number"),
        (&[("Action", "ListRoles"), ("MaxItems", "0"), ("PathPrefix", "x")], 400, "ValidationError", r#"1 validation error detected: Value 'x' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*"#),
        (&[("Action", "PutRolePolicy"), ("RoleName", "ghost"), ("PolicyName", "p")], 404, "NoSuchEntity", "The role with name ghost cannot be found."),
        (&[("Action", "AttachRolePolicy"), ("RoleName", "r"), ("PolicyArn", "short")], 400, "ValidationError", "1 validation error detected: Value 'short' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20"),
        (&[("Action", "ListEntitiesForPolicy"), ("PolicyArn", BASIC), ("EntityFilter", "Nope")], 400, "ValidationError", "1 validation error detected: Value 'Nope' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]"),
        (&[("Action", "ListPolicies"), ("OnlyAttached", "maybe")], 400, "ValidationError", "1 validation error detected: Value 'maybe' at 'onlyAttached' failed to satisfy constraint: Member must be a boolean"),
        (&[("Action", "ListPolicies"), ("Scope", "Nope")], 400, "ValidationError", "1 validation error detected: Value 'Nope' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"),
    ])
    .await;
}

/// STS's AssumeRole on malformed forms: `RoleArn.1` is no `RoleArn`, `DurationSeconds` must
/// be a number, and only numbered `PolicyArns.member.N` count towards `PackedPolicySize`.
#[tokio::test]
async fn sts_assume_role_forms() {
    let (env, _) = env(StorageConfig::in_memory());
    let iam_svc = IamService::open(&env).unwrap();
    let sts = StsService::with_iam(&env, &iam_svc);
    assert_eq!(create_trusting_role(&iam_svc, "r").await.status, 200);
    let arn = "arn:aws:iam::000000000000:role/r";
    let base = [
        ("Action", "AssumeRole"),
        ("RoleArn", arn),
        ("RoleSessionName", "s1"),
    ];
    let send_form = |extra: &[(&'static str, &'static str)], without_arn: bool| {
        let mut form: Vec<(&str, &str)> = base
            .iter()
            .copied()
            .filter(|(k, _)| !(without_arn && *k == "RoleArn"))
            .collect();
        form.extend_from_slice(extra);
        send(&*sts, sts_request(ACCOUNT, &form, None))
    };
    let a = send_form(&[("RoleArn.1", "x")], true).await;
    assert_eq!(
        (a.code().unwrap_or_default(), a.elem("Message").unwrap_or_default()),
        (
            "ValidationError".to_string(),
            "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null".to_string()
        )
    );
    let a = send_form(&[("DurationSeconds", "abc")], false).await;
    assert_eq!(
        a.elem("Message").unwrap_or_default(),
        "1 validation error detected: Value 'abc' at 'durationSeconds' failed to satisfy constraint: Member must be a number"
    );
    let a = send_form(
        &[
            ("PolicyArns.member.1.arn", BASIC),
            ("PolicyArns.member.x.arn", BASIC),
        ],
        false,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.elem("PackedPolicySize").as_deref(), Some("4"));
    let a = send_form(
        &[
            ("PolicyArns.member.1.arn", BASIC),
            ("PolicyArns.member.2", BASIC),
        ],
        false,
    )
    .await;
    assert_eq!(a.elem("PackedPolicySize").as_deref(), Some("7"));
    let a = send_form(
        &[
            ("PolicyArns.member.01.arn", BASIC),
            ("PolicyArns.member.1.arn", BASIC),
        ],
        false,
    )
    .await;
    assert_eq!(a.elem("PackedPolicySize").as_deref(), Some("4"));
}
