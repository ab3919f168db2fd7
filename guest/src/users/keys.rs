//! Where users live in the store: the record key, the password key, the index entries,
//! and the counts by status.
//!
//! ```text
//! u/<id:16>                                  the user, as JSON
//! p/<id:16>                                  the password hash (PHC), never part of the user
//! i/<index>/[<status:1>][<folded text> 00]<id:16>   an index entry, empty value
//! c/users                                    the number of users of each status, as JSON
//! ```
//! Text in index keys is case-folded; validation keeps `0x00` out of every field, so it can
//! end a text component and shorter values sort first. The id ends every entry, so entries
//! with equal text are in creation order (ids are UUID v7) and each entry is unique.

use crate::model::rules::fold;
use crate::model::user::{User, UserId, UserStatus};
use crate::store::KeyRange;

/// The prefix of every user record.
pub const RECORD_PREFIX: &[u8] = b"u/";

/// The key of the number of users of each status (see [`super::counters`]).
pub const COUNTS: &[u8] = b"c/users";

/// The key of a user record.
pub fn record(id: UserId) -> Vec<u8> {
    [RECORD_PREFIX, id.as_bytes()].concat()
}

/// The key of a user's password hash.
pub fn password(id: UserId) -> Vec<u8> {
    [b"p/".as_slice(), id.as_bytes()].concat()
}

/// The id at the end of a record key or index entry.
pub fn id_of(key: &[u8]) -> Option<UserId> {
    key.len().checked_sub(16).and_then(|start| UserId::from_slice(&key[start..]))
}

/// The indexes kept for users. User name and email are unique; the others serve sorting
/// and filtering, with the status ones leading with the status byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    UserName,
    Email,
    DisplayName,
    Status,
    StatusUserName,
    StatusEmail,
    StatusDisplayName,
}

/// The text an index entry orders by, after an optional status byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexText {
    UserName,
    Email,
    DisplayName,
}

impl Index {
    /// Every index; each user has one entry in each.
    pub const ALL: [Index; 7] = [
        Index::UserName,
        Index::Email,
        Index::DisplayName,
        Index::Status,
        Index::StatusUserName,
        Index::StatusEmail,
        Index::StatusDisplayName,
    ];

    /// The index that orders by `text`, led by status when `by_status`.
    pub fn ordering(text: Option<IndexText>, by_status: bool) -> Option<Index> {
        Some(match (text, by_status) {
            (Some(IndexText::UserName), false) => Index::UserName,
            (Some(IndexText::Email), false) => Index::Email,
            (Some(IndexText::DisplayName), false) => Index::DisplayName,
            (None, true) => Index::Status,
            (Some(IndexText::UserName), true) => Index::StatusUserName,
            (Some(IndexText::Email), true) => Index::StatusEmail,
            (Some(IndexText::DisplayName), true) => Index::StatusDisplayName,
            (None, false) => return None,
        })
    }

    fn tag(self) -> &'static [u8] {
        match self {
            Index::UserName => b"i/n/",
            Index::Email => b"i/e/",
            Index::DisplayName => b"i/d/",
            Index::Status => b"i/s/",
            Index::StatusUserName => b"i/sn/",
            Index::StatusEmail => b"i/se/",
            Index::StatusDisplayName => b"i/sd/",
        }
    }

    fn has_status(self) -> bool {
        matches!(self, Index::Status | Index::StatusUserName | Index::StatusEmail | Index::StatusDisplayName)
    }

    fn text(self) -> Option<IndexText> {
        match self {
            Index::UserName | Index::StatusUserName => Some(IndexText::UserName),
            Index::Email | Index::StatusEmail => Some(IndexText::Email),
            Index::DisplayName | Index::StatusDisplayName => Some(IndexText::DisplayName),
            Index::Status => None,
        }
    }

    /// This user's entry in the index.
    pub fn entry(self, user: &User) -> Vec<u8> {
        let text = self.text().map(|t| match t {
            IndexText::UserName => user.user_name.as_str(),
            IndexText::Email => user.email.as_str(),
            IndexText::DisplayName => user.display_name.as_deref().unwrap_or(""),
        });
        let mut key = self.scope(user.status).unwrap_or_else(|| self.tag().to_vec());
        if let Some(text) = text {
            key.extend_from_slice(fold(text).as_bytes());
            key.push(0);
        }
        key.extend_from_slice(user.id.as_bytes());
        key
    }

    /// The prefix shared by entries with this status, for indexes led by status.
    fn scope(self, status: UserStatus) -> Option<Vec<u8>> {
        self.has_status().then(|| [self.tag(), &[status_byte(status)]].concat())
    }

    /// The entries with `status` (when the index leads with it) whose text is `text`
    /// exactly, or starts with it when `prefix`.
    pub fn range(self, status: Option<UserStatus>, text: Option<(&str, bool)>) -> KeyRange {
        let mut key = match status {
            Some(status) if self.has_status() => [self.tag(), &[status_byte(status)]].concat(),
            _ => self.tag().to_vec(),
        };
        if let Some((text, prefix)) = text.filter(|_| self.text().is_some()) {
            key.extend_from_slice(fold(text).as_bytes());
            if !prefix {
                key.push(0);
            }
        }
        KeyRange::prefix(&key)
    }
}

fn status_byte(status: UserStatus) -> u8 {
    match status {
        UserStatus::Active => b'a',
        UserStatus::Inactive => b'i',
    }
}

/// The prefix of the entries that list the holders of role `role_id`.
pub fn role_holders(role_id: &str) -> Vec<u8> {
    [b"i/r/".as_slice(), role_id.as_bytes(), b"\0"].concat()
}

/// Every index entry of `user`, including one per role held.
pub fn entries(user: &User) -> Vec<Vec<u8>> {
    let roles = user.roles.iter().map(|role| [role_holders(role).as_slice(), user.id.as_bytes()].concat());
    Index::ALL.iter().map(|index| index.entry(user)).chain(roles).collect()
}
