//! Host implementations of the interfaces the component imports, one file per interface.

pub mod crypto;
pub mod outbox;
pub mod settings;
pub mod store;
