//! What a valid record is: the types, and the rules every field obeys on every surface.

pub mod account;
pub mod country;
pub mod rules;
pub mod time;
pub mod timezone;
pub mod user;
