//! An alarm's tags: `TagResource`, `UntagResource`, `ListTagsForResource` on an alarm's ARN
//! (at most 50 tags; a key set again takes the new value). Other taggable CloudWatch
//! resources (dashboards, metric streams, Contributor Insights rules) are not served, so their
//! ARNs are not found.

use super::validate::validation_error;
use super::{Alarms, Key};
use crate::error::{CloudWatchError, Result};

/// The most tags an alarm holds.
pub const MAX_TAGS: usize = 50;

fn not_found(arn: &str) -> CloudWatchError {
    CloudWatchError {
        code: crate::error::CloudWatchErrorCode::ResourceNotFoundException,
        message: format!("The resource {arn} does not exist."),
    }
}

/// The alarm an ARN names: `arn:aws:cloudwatch:{region}:{account}:alarm:{name}`.
fn key_of(arn: &str) -> Option<Key> {
    let rest = arn.strip_prefix("arn:aws:cloudwatch:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, rest) = rest.split_once(':')?;
    let name = rest.strip_prefix("alarm:")?;
    Some((account.to_owned(), region.to_owned(), name.to_owned()))
}

impl Alarms {
    /// `ListTagsForResource` for `account`/`region`.
    pub fn tags(&self, account: &str, region: &str, arn: &str) -> Result<Vec<(String, String)>> {
        let key = key_of(arn)
            .filter(|k| k.0 == account && k.1 == region)
            .ok_or_else(|| not_found(arn))?;
        let inner = self.inner.lock();
        let alarm = inner.alarms.get(&key).ok_or_else(|| not_found(arn))?;
        Ok(alarm.tags.clone())
    }

    /// `TagResource` (`add`) or `UntagResource` (`remove`): returns once committed.
    pub fn retag(
        &self,
        account: &str,
        region: &str,
        arn: &str,
        add: &[(String, String)],
        remove: &[String],
    ) -> Result<()> {
        let key = key_of(arn)
            .filter(|k| k.0 == account && k.1 == region)
            .ok_or_else(|| not_found(arn))?;
        let mut inner = self.inner.lock();
        let mut alarm = inner
            .alarms
            .get(&key)
            .cloned()
            .ok_or_else(|| not_found(arn))?;
        for (k, v) in add {
            match alarm.tags.iter_mut().find(|(have, _)| have == k) {
                Some(t) => t.1 = v.clone(),
                None => alarm.tags.push((k.clone(), v.clone())),
            }
        }
        alarm.tags.retain(|(k, _)| !remove.contains(k));
        if alarm.tags.len() > MAX_TAGS {
            return Err(validation_error(format!(
                "The number of tags of a resource cannot exceed {MAX_TAGS}."
            )));
        }
        self.store.put(Some(&alarm), &[])?;
        inner.alarms.insert(key, alarm);
        Ok(())
    }
}
