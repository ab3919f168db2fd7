//! Roster's component: every rule of the identity service, and the REST API that serves it.
//!
//! The plain modules hold the logic and run natively in `cargo test` against the in-memory
//! store; `component` is the thin layer that binds them to the WIT world when this crate
//! is built for `wasm32-wasip2`.

pub mod access;
pub mod accounts;
pub mod api;
pub mod attributes;
pub mod audit;
pub mod auth;
pub mod context;
pub mod env;
pub mod error;
pub mod maintenance;
pub mod model;
pub mod roles;
pub mod settings;
pub mod store;
pub mod transfer;
pub mod users;

#[cfg(target_arch = "wasm32")]
mod component;
