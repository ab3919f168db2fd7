//! The Roster host: serves the Roster component over HTTP with wasmtime, on redb and argon2id.
//!
//! [`server::Server`] is the HTTP front, [`runtime::Runtime`] runs the component (and
//! [`users::Users`] calls its typed exports), [`storage`] and [`hashing`] back the interfaces
//! the component imports, implemented in [`imports`].

#![warn(missing_docs)]

pub mod bindings;
pub mod cli;
pub mod config;
pub mod hashing;
pub mod imports;
pub mod problem;
pub mod runtime;
pub mod server;
pub mod storage;
pub mod users;
