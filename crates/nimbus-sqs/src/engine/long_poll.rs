//! ReceiveMessage with long polling.
//!
//! A waiting receive registers on the queue's [`tokio::sync::Notify`] *before* looking at the
//! queue, so a send that lands between the look and the wait still wakes it. It then sleeps on
//! the clock until the earliest of its own deadline, the next in-flight message's visibility
//! deadline and the next delayed message's due time, so a send, a visibility expiry or a delay
//! expiry each wake it at once; it never polls. It returns as soon as it got a message, and
//! empty at its deadline.

use std::sync::Arc;

use super::Engine;
use super::messages::{Delivered, ReceiveRequest};
use super::queue::Queue;
use crate::error::Result;

impl Engine {
    /// ReceiveMessage: receives at once, or waits up to the wait time for a message to
    /// become available; answers only after the receive is committed.
    pub async fn receive(&self, queue: &Arc<Queue>, req: ReceiveRequest) -> Result<Vec<Delivered>> {
        self.receive_attempt(queue, req, None).await
    }

    /// [`Engine::receive`] with a FIFO queue's `ReceiveRequestAttemptId`.
    pub async fn receive_attempt(
        &self,
        queue: &Arc<Queue>,
        req: ReceiveRequest,
        attempt: Option<&str>,
    ) -> Result<Vec<Delivered>> {
        let wait_secs = match req.wait_time_seconds {
            Some(w) => w,
            None => queue.with_state(|st| st.attributes.receive_message_wait_time_seconds),
        };
        let deadline = self.now() + u64::from(wait_secs) * 1000;
        loop {
            let notified = queue.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (delivered, ack, next_visible) = self.try_receive_attempt(queue, &req, attempt)?;
            if !delivered.is_empty() {
                ack.wait().await?;
                return Ok(delivered);
            }
            let now = self.now();
            if now >= deadline || self.is_stopping() {
                queue.counters.empty_receive();
                return Ok(Vec::new());
            }
            let wake = next_visible.map_or(deadline, |t| t.min(deadline));
            tokio::select! {
                _ = &mut notified => {}
                _ = self.clock().sleep_until(wake) => {}
            }
        }
    }
}
