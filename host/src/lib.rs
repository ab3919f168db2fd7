//! The Roster host: serves the Roster component over HTTP with wasmtime, on redb and argon2id.
//!
//! [`server::Server`] is the HTTP front, [`runtime::Runtime`] runs the component (and
//! [`users::Users`], [`roles::Roles`], [`accounts::Accounts`] and [`auth::Auth`] call its
//! typed exports), [`storage`] and [`hashing`]
//! back the interfaces the component imports, implemented in [`imports`]. [`mail`] delivers
//! the mail the component queues; [`bootstrap`] creates the first administrator. [`cli`] and
//! [`config_file`] turn flags, environment and file into a [`config::ServeConfig`];
//! [`logging`] and [`metrics`] are what the server tells its operator.

#![warn(missing_docs)]

pub mod accounts;
pub mod auth;
pub mod bindings;
pub mod bootstrap;
pub mod cli;
pub mod clock;
pub mod config;
pub mod config_file;
pub mod control;
pub mod hashing;
pub mod imports;
pub mod logging;
pub mod mail;
pub mod maintenance;
pub mod metrics;
pub mod problem;
pub mod retention;
pub mod roles;
pub mod runtime;
pub mod server;
pub mod storage;
pub mod transfer;
pub mod users;
