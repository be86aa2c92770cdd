//! Queue URLs.
//!
//! nimbus hands out `http://<host the client used>/<account>/<name>`. Any URL that ends in
//! `/<account>/<name>` names a queue, whatever its host: `http://localhost:4566/…`,
//! `https://sqs.us-east-1.amazonaws.com/…`, `http://sqs.eu-west-1.localhost.localstack.cloud:4566/…`,
//! `https://queue.amazonaws.com/…`, LocalStack's path style `/queue/<region>/<account>/<name>`,
//! or a bare path. A region in the host or path wins over the request's signing region.

use nimbus_core::AccountId;

/// What a queue URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRef {
    /// The owning account.
    pub account: AccountId,
    /// The region named by the URL's host or path, if any.
    pub region: Option<String>,
    /// The queue name.
    pub name: String,
}

/// The region in an SQS host name: `sqs.<region>.…` or `<region>.queue.…`.
fn region_of_host(host: &str) -> Option<String> {
    let host = host.split(':').next().unwrap_or(host);
    let mut labels = host.split('.');
    let (first, second, third) = (labels.next()?, labels.next()?, labels.next());
    let candidate = match (first, second, third) {
        ("sqs", region, Some(_)) => region,
        (region, "queue", Some(_)) => region,
        _ => return None,
    };
    (nimbus_core::account::is_valid_region(candidate) && candidate.contains('-'))
        .then(|| candidate.to_owned())
}

/// Parses a queue URL (or path); `None` when it names no queue.
pub fn parse_queue_url(url: &str) -> Option<QueueRef> {
    let (host, path) = match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => (Some(&rest[..i]), &rest[i..]),
            None => (Some(rest), ""),
        },
        None => (None, url),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let (region, account, name) = match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some(account), Some(name), None, _, _) => (host.and_then(region_of_host), account, name),
        (Some("queue"), Some(region), Some(account), Some(name), None) => {
            (Some(region.to_owned()), account, name)
        }
        _ => return None,
    };
    let account = AccountId::parse(account)?;
    let name = if name.contains('%') {
        percent_encoding::percent_decode_str(name)
            .decode_utf8()
            .ok()?
            .into_owned()
    } else {
        name.to_owned()
    };
    if name.is_empty() {
        return None;
    }
    Some(QueueRef {
        account,
        region,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        let r = parse_queue_url("http://localhost:4566/000000000000/q1").unwrap();
        assert_eq!(r.account.as_str(), "000000000000");
        assert_eq!(r.name, "q1");
        assert_eq!(r.region, None);
        let r = parse_queue_url("https://sqs.eu-west-1.amazonaws.com/123456789012/a-b_c").unwrap();
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
        assert_eq!(r.name, "a-b_c");
        let r = parse_queue_url(
            "http://sqs.ap-south-1.localhost.localstack.cloud:4566/000000000000/q.fifo",
        )
        .unwrap();
        assert_eq!(r.region.as_deref(), Some("ap-south-1"));
        assert_eq!(r.name, "q.fifo");
        let r = parse_queue_url("https://queue.amazonaws.com/000000000000/q").unwrap();
        assert_eq!(r.region, None);
        let r = parse_queue_url("http://localhost:4566/queue/us-west-2/000000000000/q").unwrap();
        assert_eq!(r.region.as_deref(), Some("us-west-2"));
        let r = parse_queue_url("/000000000000/q").unwrap();
        assert_eq!(r.name, "q");
        assert!(parse_queue_url("q").is_none());
        assert!(parse_queue_url("http://localhost:4566/").is_none());
        assert!(parse_queue_url("http://localhost:4566/abc/q").is_none());
        assert!(parse_queue_url("http://localhost:4566/000000000000/q/extra").is_none());
        assert!(parse_queue_url("").is_none());
    }
}
