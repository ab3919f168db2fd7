//! Who may do what: the permission catalog, the caller, and the policy that decides.

pub mod permissions;
pub mod policy;

pub use permissions::Permission;
pub use policy::{Caller, Target, authorize};
