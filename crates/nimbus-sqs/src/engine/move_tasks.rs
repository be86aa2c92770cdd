//! Message move tasks: moving the messages of a dead-letter queue back to the queues they
//! came from (or to one given destination), at an optional fixed rate.
//!
//! A task moves the messages that were in the dead-letter queue when it started (those with
//! a sequence number up to the one recorded then), oldest first, in batches. Each batch
//! takes visible messages out of the dead-letter queue under its lock and submits, in one
//! commit, their deletion there, their insertion into the destinations and the task's new
//! progress; then puts them into the destinations (never two queue locks at once). The
//! rate (`MaxNumberOfMessagesPerSecond`) is kept with the injected clock: after `n` moved
//! messages the task waits until `n / rate` seconds after its start.
//!
//! Tasks are persisted (table `move_tasks`) and a running task resumes after a restart;
//! one that was being cancelled ends cancelled.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::Engine;
use super::message::{Message, Stage};
use super::queue::Queue;
use super::redrive::DeadLetter;
use crate::error::{Result, SqsError, SqsErrorCode};
use crate::storage::Effect;

/// Messages moved per batch.
const BATCH: usize = 100;
/// How long a task waits for in-flight messages of its source before looking again, ms.
const INFLIGHT_RECHECK_MS: u64 = 1_000;
/// Tasks kept per source queue (the oldest finished ones are forgotten beyond it).
const KEEP_PER_SOURCE: usize = 10;

/// A task's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    /// Moving messages.
    Running,
    /// Finished.
    Completed,
    /// Asked to stop; stops after the current batch.
    Cancelling,
    /// Stopped by CancelMessageMoveTask.
    Cancelled,
    /// Stopped by an error (see its failure reason).
    Failed,
}

impl TaskStatus {
    /// The status as the API names it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Running => "RUNNING",
            TaskStatus::Completed => "COMPLETED",
            TaskStatus::Cancelling => "CANCELLING",
            TaskStatus::Cancelled => "CANCELLED",
            TaskStatus::Failed => "FAILED",
        }
    }
}

/// One message move task.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MoveTask {
    /// Its id.
    pub id: String,
    /// The queue messages are moved from (a dead-letter queue).
    pub source_arn: String,
    /// Where they go; `None`: back to each message's source queue.
    pub destination_arn: Option<String>,
    /// `MaxNumberOfMessagesPerSecond`, if given.
    pub max_per_second: Option<u32>,
    /// The status.
    pub status: TaskStatus,
    /// When it started, ms.
    pub started_at: u64,
    /// Messages moved so far.
    pub moved: u64,
    /// Messages in the source when it started.
    pub to_move: u64,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// It moves messages with a sequence number up to this.
    pub through_seq: u64,
}

impl MoveTask {
    /// Its `TaskHandle`: base64 of `{"taskId":…,"sourceArn":…}`.
    pub fn handle(&self) -> String {
        STANDARD.encode(
            serde_json::json!({"taskId": self.id, "sourceArn": self.source_arn}).to_string(),
        )
    }

    fn effect(&self) -> Effect {
        Effect::PutMoveTask {
            id: self.id.clone(),
            json: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

/// The id named by a task handle, if it is one.
pub fn task_id_of_handle(handle: &str) -> Option<String> {
    if handle.len() > 2048 {
        return None;
    }
    let raw = STANDARD.decode(handle.as_bytes()).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    v.get("taskId")?.as_str().map(str::to_owned)
}

/// Every task of the sandbox.
#[derive(Default)]
pub struct MoveTasks {
    tasks: Mutex<Vec<MoveTask>>,
    /// Woken on cancellation and shutdown.
    pub(crate) wake: Notify,
}

impl MoveTasks {
    /// The tasks read back at start (a task being cancelled ends cancelled).
    pub fn restore(stored: &[String]) -> MoveTasks {
        let mut tasks: Vec<MoveTask> = stored
            .iter()
            .filter_map(|s| serde_json::from_str(s).ok())
            .collect();
        for t in &mut tasks {
            if t.status == TaskStatus::Cancelling {
                t.status = TaskStatus::Cancelled;
            }
        }
        tasks.sort_by_key(|t| t.started_at);
        MoveTasks {
            tasks: Mutex::new(tasks),
            wake: Notify::new(),
        }
    }

    fn get(&self, id: &str) -> Option<MoveTask> {
        self.tasks.lock().iter().find(|t| t.id == id).cloned()
    }
}

/// What a StartMessageMoveTask asks for, validated.
pub struct StartTask {
    /// The dead-letter queue.
    pub source: Arc<Queue>,
    /// The destination, if given.
    pub destination: Option<Arc<Queue>>,
    /// The rate, if given (1–500).
    pub max_per_second: Option<u32>,
}

impl Engine {
    /// StartMessageMoveTask: records a running task (refused while another task of the
    /// same source is active) and returns it; the caller runs it with
    /// [`Engine::run_move_task`].
    pub fn start_move_task(&self, req: StartTask) -> Result<MoveTask> {
        let now = self.now();
        // Counted before taking the task list's lock (a running batch holds its source's lock
        // and then the task list's, so never the reverse).
        let (to_move, through_seq) = {
            let mut st = req.source.state.lock();
            self.tick(&mut st, now);
            (
                st.messages.len() as u64,
                self.peek_next_seq().saturating_sub(1),
            )
        };
        let mut tasks = self.tasks.tasks.lock();
        if tasks.iter().any(|t| {
            t.source_arn == req.source.arn
                && matches!(t.status, TaskStatus::Running | TaskStatus::Cancelling)
        }) {
            return Err(SqsError::invalid_parameter_value(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
            ));
        }
        let task = MoveTask {
            id: super::message::new_message_id().to_string(),
            source_arn: req.source.arn.clone(),
            destination_arn: req.destination.as_ref().map(|q| q.arn.clone()),
            max_per_second: req.max_per_second,
            status: TaskStatus::Running,
            started_at: now,
            moved: 0,
            to_move,
            failure_reason: None,
            through_seq,
        };
        // Forget the oldest finished tasks of this source beyond the ones ListMessageMoveTasks
        // can show.
        let mut of_source: Vec<usize> = tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.source_arn == task.source_arn)
            .map(|(i, _)| i)
            .collect();
        while of_source.len() >= KEEP_PER_SOURCE {
            let i = of_source.remove(0);
            tasks.remove(i);
            for j in &mut of_source {
                *j -= 1;
            }
        }
        tasks.push(task.clone());
        self.storage().submit_background(vec![task.effect()]);
        Ok(task)
    }

    /// CancelMessageMoveTask: marks a running task as cancelling; returns how many messages
    /// it moved. `ResourceNotFoundException` for an unknown handle; a task that is not
    /// running cannot be cancelled.
    pub fn cancel_move_task(&self, handle: &str) -> Result<u64> {
        let not_found = || SqsError::new(SqsErrorCode::ResourceNotFound, "Task does not exist.");
        let id = task_id_of_handle(handle).ok_or_else(not_found)?;
        let moved = {
            let mut tasks = self.tasks.tasks.lock();
            let t = tasks
                .iter_mut()
                .find(|t| t.id == id)
                .ok_or_else(not_found)?;
            if t.status != TaskStatus::Running {
                return Err(SqsError::invalid_parameter_value(
                    "Only active tasks can be cancelled.",
                ));
            }
            t.status = TaskStatus::Cancelling;
            self.storage().submit_background(vec![t.effect()]);
            t.moved
        };
        self.tasks.wake.notify_waiters();
        Ok(moved)
    }

    /// The most recent tasks of the queue `source_arn`, newest first, up to `max`.
    pub fn list_move_tasks(&self, source_arn: &str, max: usize) -> Vec<MoveTask> {
        let tasks = self.tasks.tasks.lock();
        tasks
            .iter()
            .rev()
            .filter(|t| t.source_arn == source_arn)
            .take(max)
            .cloned()
            .collect()
    }

    /// The ids of the tasks to run after a start (those still running).
    pub fn running_move_tasks(&self) -> Vec<String> {
        self.tasks
            .tasks
            .lock()
            .iter()
            .filter(|t| t.status == TaskStatus::Running)
            .map(|t| t.id.clone())
            .collect()
    }

    fn update_task(&self, id: &str, f: impl FnOnce(&mut MoveTask)) -> Option<MoveTask> {
        let mut tasks = self.tasks.tasks.lock();
        let t = tasks.iter_mut().find(|t| t.id == id)?;
        f(t);
        Some(t.clone())
    }

    fn finish_task(&self, id: &str, status: TaskStatus, reason: Option<&str>) {
        if let Some(t) = self.update_task(id, |t| {
            t.status = status;
            t.failure_reason = reason.map(str::to_owned);
        }) {
            self.storage().submit_background(vec![t.effect()]);
        }
    }

    /// Runs task `id` until it completes, fails, is cancelled, or the service stops (a
    /// running task then resumes at the next start).
    pub async fn run_move_task(&self, id: &str) {
        let mut destinations: HashMap<String, Option<Arc<Queue>>> = HashMap::new();
        loop {
            let Some(task) = self.tasks.get(id) else {
                return;
            };
            match task.status {
                TaskStatus::Running => {}
                TaskStatus::Cancelling => {
                    self.finish_task(id, TaskStatus::Cancelled, None);
                    return;
                }
                _ => return,
            }
            if self.is_stopping() {
                return;
            }
            let wake = self.tasks.wake.notified();
            tokio::pin!(wake);
            wake.as_mut().enable();
            let Some(source) = self.queue_by_arn_str(&task.source_arn) else {
                self.finish_task(
                    id,
                    TaskStatus::Failed,
                    Some("AWS.SimpleQueueService.NonExistentQueue"),
                );
                return;
            };
            let now = self.now();
            let mut want = BATCH;
            if let Some(rate) = task.max_per_second.filter(|r| *r > 0) {
                let rate = u64::from(rate);
                let elapsed = now.saturating_sub(task.started_at);
                let allowed = (elapsed * rate / 1000 + 1).saturating_sub(task.moved);
                if allowed == 0 {
                    let next = task.started_at + (task.moved * 1000).div_ceil(rate);
                    tokio::select! {
                        _ = self.clock().sleep_until(next.max(now + 1)) => {}
                        _ = &mut wake => {}
                    }
                    continue;
                }
                want = want.min(allowed as usize);
            }
            // Which messages, and where each goes (looked up without holding a queue lock).
            let candidates: Vec<(u64, Option<String>)> = {
                let mut st = source.state.lock();
                self.tick(&mut st, now);
                st.messages
                    .peek_ready(want)
                    .take_while(|s| *s <= task.through_seq)
                    .map(|s| {
                        let src = st
                            .messages
                            .get(s)
                            .and_then(|m| m.payload.source_arn().map(str::to_owned));
                        (s, src)
                    })
                    .collect()
            };
            if candidates.is_empty() {
                let (left, next) = source.with_state(|st| {
                    (
                        st.messages.any_at_or_below(task.through_seq),
                        st.messages.next_visible_at(),
                    )
                });
                if !left {
                    self.finish_task(id, TaskStatus::Completed, None);
                    return;
                }
                let until = next
                    .unwrap_or(now + INFLIGHT_RECHECK_MS)
                    .min(now + INFLIGHT_RECHECK_MS);
                tokio::select! {
                    _ = self.clock().sleep_until(until.max(now + 1)) => {}
                    _ = &mut wake => {}
                    _ = source.notify.notified() => {}
                }
                continue;
            }
            let mut plan: Vec<(u64, Arc<Queue>)> = Vec::with_capacity(candidates.len());
            let mut failure = None;
            for (seq, src) in candidates {
                let dest_arn = match task.destination_arn.clone().or(src) {
                    Some(a) => a,
                    None => {
                        failure = Some("CouldNotDetermineMessageSource");
                        break;
                    }
                };
                let dest = destinations
                    .entry(dest_arn.clone())
                    .or_insert_with(|| self.queue_by_arn_str(&dest_arn))
                    .clone();
                match dest {
                    Some(d) if !d.is_deleted() => plan.push((seq, d)),
                    _ => {
                        destinations.remove(&dest_arn);
                        failure = Some("AWS.SimpleQueueService.NonExistentQueue");
                        break;
                    }
                }
            }
            let moved = self.move_batch(&source, id, plan);
            if let Some(reason) = failure {
                self.finish_task(id, TaskStatus::Failed, Some(reason));
                return;
            }
            if moved == 0 {
                tokio::task::yield_now().await;
            }
        }
    }

    /// Moves the planned messages of `source` (those still visible) to their destinations,
    /// recording the task's progress in the same commit; returns how many moved.
    fn move_batch(&self, source: &Queue, id: &str, plan: Vec<(u64, Arc<Queue>)>) -> usize {
        if plan.is_empty() {
            return 0;
        }
        let now = self.now();
        let durable = self.storage().is_durable();
        let mut by_dest: Vec<(Arc<Queue>, Vec<DeadLetter>)> = Vec::new();
        let mut effects = Vec::new();
        let mut count = 0;
        {
            let mut st = source.state.lock();
            if source.is_deleted() {
                return 0;
            }
            for (seq, dest) in plan {
                if st.messages.get(seq).is_none_or(|m| m.stage != Stage::Ready) {
                    continue;
                }
                let Some(msg) = st.messages.remove(seq) else {
                    continue;
                };
                let moved = self.returned(msg, dest.is_fifo(), now);
                if durable {
                    effects.push(Effect::Delete { seq });
                    effects.push(moved.insert_effect(dest.id));
                }
                count += 1;
                match by_dest.iter_mut().find(|(q, _)| q.id == dest.id) {
                    Some((_, v)) => v.push(moved),
                    None => by_dest.push((dest, vec![moved])),
                }
            }
            if let Some(t) = self.update_task(id, |t| t.moved += count as u64) {
                effects.push(t.effect());
            }
            self.storage().submit_background(effects);
        }
        for (dest, moved) in by_dest {
            self.insert_moved(&dest, moved);
        }
        count
    }

    /// A message leaving a dead-letter queue: same id, body and attributes, no source any
    /// more, received zero times.
    fn returned(&self, msg: Message, fifo: bool, now: u64) -> DeadLetter {
        let payload = msg.payload.with_extra(|e| e.source_arn = None);
        DeadLetter {
            seq: self.next_seq(),
            msg: Message {
                payload: Arc::new(payload),
                sent_at: msg.sent_at,
                enqueued_at: if fifo { now } else { msg.enqueued_at },
                visible_at: now,
                receive_count: 0,
                first_receive_at: 0,
                stage: Stage::Ready,
                arrived_at: now,
            },
        }
    }
}
