//! What the three batch operations share: the entry-list rules and the result shapes.

use nimbus_wire::xml;
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

    /// Writes `<BatchResultErrorEntry>…</BatchResultErrorEntry>`.
    pub fn write_xml(&self, w: &mut xml::Writer) {
        w.open("BatchResultErrorEntry")
            .elem("Id", &self.id)
            .elem(
                "SenderFault",
                if self.sender_fault { "true" } else { "false" },
            )
            .elem("Code", &self.code)
            .elem("Message", &self.message)
            .close("BatchResultErrorEntry");
    }
}

/// A successful entry of DeleteMessageBatch or ChangeMessageVisibilityBatch: its id.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdEntry {
    /// The entry's id.
    pub id: String,
}

/// The output of DeleteMessageBatch and ChangeMessageVisibilityBatch.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdBatchOutput {
    /// The entries that succeeded.
    pub successful: Vec<IdEntry>,
    /// The entries that failed.
    pub failed: Vec<BatchResultErrorEntry>,
    /// The XML element of a successful entry (`DeleteMessageBatchResultEntry`).
    #[serde(skip)]
    pub success_element: &'static str,
}

impl IdBatchOutput {
    /// The output for the entries `ids` the engine was given, with its `results` in the same
    /// order, after the entries that already `failed` validation.
    pub fn from_results<'a>(
        ids: impl IntoIterator<Item = &'a str>,
        results: Vec<crate::error::Result<()>>,
        mut failed: Vec<BatchResultErrorEntry>,
        success_element: &'static str,
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
            success_element,
        }
    }
}

impl crate::ops::Output for IdBatchOutput {
    fn write_xml(&self, w: &mut xml::Writer) {
        for s in &self.successful {
            w.open(self.success_element)
                .elem("Id", &s.id)
                .close(self.success_element);
        }
        for f in &self.failed {
            f.write_xml(w);
        }
    }
}
