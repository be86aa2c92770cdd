//! S3's "The meaning of public" (`PolicyStatus.IsPublic`, Block Public Access) as
//! [`Policy::is_public`] decides it: a table of statements and the expected answer.

use nimbus_policy::Policy;

fn doc(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

#[test]
fn public_unless_a_fixed_source_narrows_the_grant() {
    let cases = [
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}"#,
            true,
        ),
        // NotPrincipal allows everyone else.
        (
            r#"{"Effect":"Allow","NotPrincipal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"*"}"#,
            true,
        ),
        (
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"*"}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}"#,
            false,
        ),
        // Fixed values of the narrowing keys.
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:topic"}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":["111111111111","222222222222"]}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","10.0.0.0/8"]}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#,
            false,
        ),
        // Wildcards, wide blocks, negations, IfExists and other keys leave it public.
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringLike":{"aws:SourceAccount":"1111*"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","0.0.0.0/1"]}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111111111111"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"public/"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
            true,
        ),
    ];
    for (statement, public) in cases {
        let p = Policy::resource(&doc(statement)).unwrap();
        assert_eq!(p.is_public(), public, "{statement}");
    }
    // One public statement among narrowed ones makes the policy public.
    let mixed = doc(concat!(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}},"#,
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#
    ));
    assert!(Policy::resource(&mixed).unwrap().is_public());
}
