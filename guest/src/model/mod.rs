//! What a valid record is: the types, and the rules every field obeys on every surface.

/// A record identifier: a UUID v7, so identifiers sort by creation time, keyed in the store
/// by its sixteen bytes.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// The nil UUID: never generated, so it names no record.
            pub const NIL: Self = $name(uuid::Uuid::nil());

            /// A fresh, time-ordered identifier.
            pub fn generate() -> Self {
                $name(uuid::Uuid::now_v7())
            }

            /// Parse the canonical text form; `None` when it is not a UUID.
            pub fn parse(text: &str) -> Option<Self> {
                uuid::Uuid::parse_str(text).ok().map($name)
            }

            /// The sixteen bytes that key the record in the store.
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// Rebuild from the sixteen key bytes.
            pub fn from_slice(bytes: &[u8]) -> Option<Self> {
                uuid::Uuid::from_slice(bytes).ok().map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

pub mod account;
pub mod country;
pub mod rules;
pub mod time;
pub mod timezone;
pub mod user;
