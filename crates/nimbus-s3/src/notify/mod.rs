//! Event notifications: configurations ([`config`]), the records S3 sends ([`event`]) and
//! their durable delivery ([`outbox`]).

pub mod config;
pub mod event;
pub mod outbox;
