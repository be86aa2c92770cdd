//! Amazon Resource Names: `arn:partition:service:region:account:resource`.

use std::fmt;
use std::str::FromStr;

/// A parsed ARN. The resource part is kept whole (`function:name`, `role/path/name`, `queue-name`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Arn {
    /// `aws` here.
    pub partition: String,
    /// `sqs`, `lambda`, `s3`, `iam`…
    pub service: String,
    /// Empty for global services (IAM, S3 buckets).
    pub region: String,
    /// Empty for S3 buckets.
    pub account: String,
    /// Everything after the fifth colon.
    pub resource: String,
}

impl Arn {
    /// Builds an ARN in the `aws` partition.
    pub fn new(service: &str, region: &str, account: &str, resource: &str) -> Arn {
        Arn {
            partition: "aws".into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        }
    }
}

/// Why a string is not an ARN.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid ARN: {0}")]
pub struct ArnParseError(pub String);

impl FromStr for Arn {
    type Err = ArnParseError;

    fn from_str(s: &str) -> Result<Arn, ArnParseError> {
        let mut parts = s.splitn(6, ':');
        let err = || ArnParseError(s.to_owned());
        if parts.next() != Some("arn") {
            return Err(err());
        }
        let partition = parts.next().ok_or_else(err)?;
        let service = parts.next().ok_or_else(err)?;
        let region = parts.next().ok_or_else(err)?;
        let account = parts.next().ok_or_else(err)?;
        let resource = parts.next().ok_or_else(err)?;
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return Err(err());
        }
        Ok(Arn {
            partition: partition.into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = "arn:aws:sqs:us-east-1:000000000000:my-queue";
        let a: Arn = s.parse().unwrap();
        assert_eq!(a.service, "sqs");
        assert_eq!(a.resource, "my-queue");
        assert_eq!(a.to_string(), s);
        let role: Arn = "arn:aws:iam::123456789012:role/path/r".parse().unwrap();
        assert_eq!(role.region, "");
        assert_eq!(role.resource, "role/path/r");
    }

    #[test]
    fn rejects_garbage() {
        assert!("arn:aws:sqs".parse::<Arn>().is_err());
        assert!("nope:aws:sqs:r:a:q".parse::<Arn>().is_err());
    }
}
