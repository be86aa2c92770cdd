//! A small built-in list of AWS managed policies (`arn:aws:iam::aws:policy/…`).
//!
//! Every Lambda tutorial attaches `AWSLambdaBasicExecutionRole`; these answer `GetPolicy`,
//! `GetPolicyVersion` and appear in `ListPolicies` with `Scope=AWS` or `All`. Any other
//! `arn:aws:iam::aws:policy/…` ARN can still be attached (AWS has over a thousand of them),
//! but only the ones listed here can be read.

use sha2::{Digest, Sha256};

/// An AWS managed policy nimbus knows.
#[derive(Debug)]
pub(crate) struct AwsManagedPolicy {
    /// The policy name.
    pub(crate) name: &'static str,
    /// Its path (`/`, `/service-role/`, `/job-function/`).
    pub(crate) path: &'static str,
    /// What AWS's console says it is for.
    pub(crate) description: &'static str,
    /// The document of its default version.
    pub(crate) document: &'static str,
}

/// The account part of AWS managed policies' ARNs.
pub(crate) const AWS_ACCOUNT: &str = "aws";

/// When nimbus considers the built-in policies created (2015-02-06, when AWS published most
/// of them); fixed so that responses do not change between runs.
pub(crate) const CREATED_MILLIS: u64 = 1_423_180_800_000;

impl AwsManagedPolicy {
    /// `arn:aws:iam::aws:policy<path><name>`.
    pub(crate) fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }

    /// A stable `ANPA…` id derived from the ARN (the same on every run and in every account).
    pub(crate) fn policy_id(&self) -> String {
        stable_id("ANPA", &self.arn())
    }
}

/// An IAM-shaped unique id (`prefix` + 17 of `A–Z2–7`) derived from `seed`, for entities
/// whose id must not change between runs.
pub(crate) fn stable_id(prefix: &str, seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(seed.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{tail}")
}

const LOGS_WRITE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#;

/// The built-in AWS managed policies.
pub(crate) const POLICIES: &[AwsManagedPolicy] = &[
    AwsManagedPolicy {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        description: "Provides write permissions to CloudWatch Logs.",
        document: LOGS_WRITE,
    },
    AwsManagedPolicy {
        name: "AWSLambdaSQSQueueExecutionRole",
        path: "/service-role/",
        description: "Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AWSLambdaVPCAccessExecutionRole",
        path: "/service-role/",
        description: "Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC - create, describe, delete network interfaces and write permissions to CloudWatch Logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents","ec2:CreateNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DescribeSubnets","ec2:DeleteNetworkInterface","ec2:AssignPrivateIpAddresses","ec2:UnassignPrivateIpAddresses"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AWSLambdaRole",
        path: "/service-role/",
        description: "Default policy for AWS Lambda service role.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["*"]}]}"#,
    },
    AwsManagedPolicy {
        name: "AWSLambdaExecute",
        path: "/",
        description: "Provides Put, Get access to S3 and full access to CloudWatch Logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*"],"Resource":"arn:aws:logs:*:*:*"},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AWSLambda_FullAccess",
        path: "/",
        description: "Grants full access to AWS Lambda service, AWS Lambda console features, and other related AWS services.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:*","logs:*","sqs:*","s3:*"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AdministratorAccess",
        path: "/",
        description: "Provides full access to AWS services and resources.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "PowerUserAccess",
        path: "/",
        description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "ReadOnlyAccess",
        path: "/",
        description: "Provides read-only access to AWS services and resources.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","sqs:Get*","sqs:List*","lambda:Get*","lambda:List*","logs:Describe*","logs:Get*","iam:Get*","iam:List*"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AmazonS3FullAccess",
        path: "/",
        description: "Provides full access to all buckets via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        description: "Provides read only access to all buckets via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AmazonSQSFullAccess",
        path: "/",
        description: "Provides full access to Amazon SQS via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:*"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "AmazonSQSReadOnlyAccess",
        path: "/",
        description: "Provides read only access to Amazon SQS via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ListDeadLetterSourceQueues","sqs:ListQueues","sqs:ListMessageMoveTasks","sqs:ListQueueTags"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "CloudWatchLogsFullAccess",
        path: "/",
        description: "Provides full access to CloudWatch Logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "CloudWatchLogsReadOnlyAccess",
        path: "/",
        description: "Provides read only access to CloudWatch Logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:Describe*","logs:Get*","logs:List*","logs:StartQuery","logs:StopQuery","logs:TestMetricFilter","logs:FilterLogEvents"],"Resource":"*"}]}"#,
    },
    AwsManagedPolicy {
        name: "IAMFullAccess",
        path: "/",
        description: "Provides full access to IAM via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}"#,
    },
];

/// The built-in AWS managed policy with this ARN, if nimbus knows it.
pub(crate) fn find(arn: &str) -> Option<&'static AwsManagedPolicy> {
    POLICIES.iter().find(|p| p.arn() == arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_well_formed() {
        for p in POLICIES {
            assert!(
                crate::document::check_structure(p.document).is_ok(),
                "{}",
                p.name
            );
            assert!(crate::params::policy_path("Path", p.path).is_ok());
            assert!(crate::params::policy_name("PolicyName", p.name).is_ok());
            assert_eq!(p.policy_id().len(), 21);
            assert_eq!(p.policy_id(), p.policy_id());
        }
        assert!(find("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").is_some());
        assert!(find("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole").is_none());
        for required in [
            "AWSLambdaBasicExecutionRole",
            "AWSLambdaSQSQueueExecutionRole",
            "AmazonS3FullAccess",
            "AmazonSQSFullAccess",
            "AWSLambdaExecute",
            "AdministratorAccess",
            "AmazonS3ReadOnlyAccess",
        ] {
            assert!(POLICIES.iter().any(|p| p.name == required), "{required}");
        }
    }
}
