//! awsQuery: form-encoded requests and XML response envelopes.
//!
//! Requests arrive as `Action=SendMessage&QueueUrl=…&MessageAttribute.1.Name=…` in a
//! form-encoded body or the query string. [`QueryParams`] holds the fields and unflattens
//! lists (`Prefix.N`, `Prefix.member.N`), maps (`Attribute.N.Name` / `Attribute.N.Value`) and
//! lists of structures (`SendMessageBatchRequestEntry.N.Field`); [`de`] reads them into
//! serde input shapes, and [`ser`] writes output shapes as the XML of `{Action}Result`.

use std::collections::BTreeMap;

use crate::{Response, body, xml};

pub mod de;
pub mod ser;

/// The fields of an awsQuery request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryParams {
    fields: BTreeMap<String, String>,
}

impl QueryParams {
    /// Parses and merges the URL query string and a form-encoded body (body fields win).
    pub fn parse(uri_query: Option<&str>, body: &[u8]) -> QueryParams {
        let mut fields = BTreeMap::new();
        if let Some(q) = uri_query {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                fields.insert(k.into_owned(), v.into_owned());
            }
        }
        for (k, v) in form_urlencoded::parse(body) {
            fields.insert(k.into_owned(), v.into_owned());
        }
        QueryParams { fields }
    }

    /// Builds params from pairs (tests, internal calls).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> QueryParams {
        QueryParams {
            fields: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// One field.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// Whether any field starts with `prefix.` or equals `prefix`.
    pub fn has(&self, prefix: &str) -> bool {
        self.fields.contains_key(prefix) || !self.sub(prefix).fields.is_empty()
    }

    /// All fields.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The fields under `prefix.`, with the prefix removed.
    pub fn sub(&self, prefix: &str) -> QueryParams {
        let p = format!("{prefix}.");
        QueryParams {
            fields: self
                .fields
                .range(p.clone()..)
                .take_while(|(k, _)| k.starts_with(&p))
                .map(|(k, v)| (k[p.len()..].to_owned(), v.clone()))
                .collect(),
        }
    }

    /// The numbered entries under `prefix` (`prefix.1…`, in numeric order), each as the
    /// fields below it. Entries that are plain values appear with the value under key `""`.
    pub fn indexed(&self, prefix: &str) -> Vec<(u32, QueryParams)> {
        let sub = self.sub(prefix);
        let mut by_index: BTreeMap<u32, QueryParams> = BTreeMap::new();
        for (k, v) in &sub.fields {
            let (idx, rest) = match k.split_once('.') {
                Some((i, rest)) => (i, rest),
                None => (k.as_str(), ""),
            };
            if let Ok(i) = idx.parse::<u32>() {
                by_index
                    .entry(i)
                    .or_default()
                    .fields
                    .insert(rest.to_owned(), v.clone());
            }
        }
        by_index.into_iter().collect()
    }

    /// A flattened list of strings: `prefix.1`, `prefix.2`… (also accepts `prefix.member.N`).
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let direct = self.indexed(prefix);
        let entries = if direct.is_empty() {
            self.indexed(&format!("{prefix}.member"))
        } else {
            direct
        };
        entries
            .into_iter()
            .filter_map(|(_, p)| p.get("").map(str::to_owned))
            .collect()
    }

    /// A flattened map: `prefix.N.<key_name>` / `prefix.N.<value_name>` pairs, in index order.
    pub fn map(&self, prefix: &str, key_name: &str, value_name: &str) -> Vec<(String, String)> {
        self.indexed(prefix)
            .into_iter()
            .filter_map(|(_, p)| {
                Some((
                    p.get(key_name)?.to_owned(),
                    p.get(value_name).unwrap_or("").to_owned(),
                ))
            })
            .collect()
    }
}

/// Wraps `result_xml` in the awsQuery envelope:
/// `<{Action}Response xmlns=…><{Action}Result>…</{Action}Result><ResponseMetadata><RequestId>…`.
/// `result_xml` of `None` leaves the `Result` element out (actions with no output).
pub fn response(action: &str, xmlns: &str, result_xml: Option<&str>, request_id: &str) -> Response {
    let mut w = xml::Writer::with_declaration();
    let resp = format!("{action}Response");
    let result = format!("{action}Result");
    w.open_ns(&resp, xmlns);
    if let Some(r) = result_xml {
        w.open(&result).raw(r).close(&result);
    }
    w.open("ResponseMetadata")
        .elem("RequestId", request_id)
        .close("ResponseMetadata");
    w.close(&resp);
    body::response(http::StatusCode::OK, "text/xml", w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unflattens() {
        let p = QueryParams::parse(
            Some("Action=SendMessageBatch"),
            b"QueueUrl=http%3A%2F%2Fx%2F1%2Fq&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.1.Id=a\
              &SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v\
              &Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&AttributeName.1=All&AttributeName.2=Policy&Tags.member.1=x",
        );
        assert_eq!(p.get("Action"), Some("SendMessageBatch"));
        assert_eq!(p.get("QueueUrl"), Some("http://x/1/q"));
        let entries = p.indexed("SendMessageBatchRequestEntry");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].1.get("Id"), Some("a"));
        let attrs = entries[0].1.indexed("MessageAttribute");
        assert_eq!(attrs[0].1.get("Value.StringValue"), Some("v"));
        assert_eq!(
            p.map("Attribute", "Name", "Value"),
            vec![("DelaySeconds".into(), "5".into())]
        );
        assert_eq!(
            p.list("AttributeName"),
            vec!["All".to_string(), "Policy".to_string()]
        );
        assert_eq!(p.list("Tags"), vec!["x".to_string()]);
        assert!(p.has("Attribute"));
        assert!(!p.has("Nope"));
    }

    #[test]
    fn numeric_order_not_lexical() {
        let mut pairs = vec![];
        let keys: Vec<String> = (1..=11).map(|i| format!("E.{i}")).collect();
        for k in &keys {
            pairs.push((k.as_str(), k.as_str()));
        }
        let p = QueryParams::from_pairs(pairs);
        let l = p.list("E");
        assert_eq!(l.first().unwrap(), "E.1");
        assert_eq!(l.last().unwrap(), "E.11");
    }
}
