//! Rust bindings for the `roster` world, generated from `wit/` by wasmtime's `bindgen!`.
//!
//! Imports are async (their work runs off the async workers) and trappable: the outer
//! `wasmtime::Result` is a trap, for host bugs only; the inner `Result` is the WIT error the
//! guest is meant to handle.

#![allow(missing_docs, reason = "bindgen-generated code; the WIT carries the docs")]

wasmtime::component::bindgen!({
    world: "roster",
    path: "../wit",
    imports: { default: async | trappable },
    exports: { default: async },
    with: {
        "roster:iam/store.transaction": crate::imports::store::Transaction,
    },
});
