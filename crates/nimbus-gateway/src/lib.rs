//! The one HTTP server of nimbus.
//!
//! The gateway accepts HTTP/1.1 and h2c connections ([`server`]), gives every request an id,
//! decides which service it is for and on which protocol from the services' own bindings
//! ([`route`]), asks the service which operation it is (`Service::classify`: name, auth rule,
//! body limit), establishes the caller's account as that rule asks and, in strict mode,
//! verifies the signature ([`auth`]), reads the body as the operation asks, and hands a
//! [`nimbus_wire::Request`] to the service (`Service::call`). Every error on the way, or
//! from the service, is rendered in one place ([`dispatch`]). It answers the health
//! endpoints itself ([`health`]). It knows nothing of any service's operations.

pub mod auth;
pub mod dispatch;
pub mod health;
pub mod route;
pub mod server;

pub use auth::{AuthConfig, AuthMode, Credentials};
pub use dispatch::Gateway;
pub use server::{ServerHandle, serve};
