//! SendMessage, SendMessageBatch, ReceiveMessage, DeleteMessage, DeleteMessageBatch,
//! ChangeMessageVisibility, ChangeMessageVisibilityBatch.

pub mod batch;
pub mod delete;
pub mod receive;
pub mod send;
pub mod visibility;

pub use delete::{delete_message, delete_message_batch};
pub use receive::receive_message;
pub use send::{send_message, send_message_batch};
pub use visibility::{change_message_visibility, change_message_visibility_batch};
