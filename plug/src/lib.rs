//! The store plug: a component that exports everything Roster's component imports, so
//! that `wac plug` can compose the two into one component needing nothing but WASI.
//!
//! The plain modules hold the logic and are unit-tested natively; `component` binds them
//! to the WIT world `roster:iam/plug` when this crate is built for `wasm32-wasip2`.

pub mod bootstrap;
pub mod defaults;
pub mod hashing;
pub mod memory;

#[cfg(target_arch = "wasm32")]
mod component;
