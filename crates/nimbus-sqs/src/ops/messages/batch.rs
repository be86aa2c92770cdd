//! What the three batch operations share: the entry-list rules and the result shapes.

use serde::Serialize;

use crate::error::SqsError;

/// A failed batch entry (`BatchResultErrorEntry`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchResultErrorEntry {
    /// The entry's id.
    pub id: String,
    /// Whether the caller is at fault.
    pub sender_fault: bool,
    /// The error code (the awsQuery code, as AWS reports it here).
    pub code: String,
    /// The message.
    pub message: String,
}

impl BatchResultErrorEntry {
    /// The failure of entry `id` with `err`.
    pub fn new(id: &str, err: &SqsError) -> BatchResultErrorEntry {
        BatchResultErrorEntry {
            id: id.to_owned(),
            sender_fault: err.sender_fault(),
            code: err.query_code().to_owned(),
            message: err.message().to_owned(),
        }
    }
}

/// A successful entry of DeleteMessageBatch or ChangeMessageVisibilityBatch: its id.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdEntry {
    /// The entry's id.
    pub id: String,
}

/// The output of DeleteMessageBatch and ChangeMessageVisibilityBatch. It serialises as the
/// structure named `shape` (`DeleteMessageBatchOutput`), which the awsQuery spelling table
/// ([`crate::ops::XML_SPELLINGS`]) keys the element of a successful entry by.
pub struct IdBatchOutput {
    /// The entries that succeeded.
    pub successful: Vec<IdEntry>,
    /// The entries that failed.
    pub failed: Vec<BatchResultErrorEntry>,
    /// The output shape's name.
    pub shape: &'static str,
}

impl Serialize for IdBatchOutput {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct(self.shape, 2)?;
        st.serialize_field("Successful", &self.successful)?;
        st.serialize_field("Failed", &self.failed)?;
        st.end()
    }
}

impl IdBatchOutput {
    /// The output for the entries `ids` the engine was given, with its `results` in the same
    /// order, after the entries that already `failed` validation.
    pub fn from_results<'a>(
        ids: impl IntoIterator<Item = &'a str>,
        results: Vec<crate::error::Result<()>>,
        mut failed: Vec<BatchResultErrorEntry>,
        shape: &'static str,
    ) -> IdBatchOutput {
        let mut successful = Vec::with_capacity(results.len());
        for (id, r) in ids.into_iter().zip(results) {
            match r {
                Ok(()) => successful.push(IdEntry { id: id.to_owned() }),
                Err(e) => failed.push(BatchResultErrorEntry::new(id, &e)),
            }
        }
        IdBatchOutput {
            successful,
            failed,
            shape,
        }
    }
}
