//! Listing users: filters, one sort, page numbers or cursors, planned onto an index.
//!
//! The plan picks the index that yields rows in the requested order, narrowed to the
//! status and text filters that index can answer; every filter is then checked again on
//! the records, so a plan only decides how much is read, never what is returned. A cursor
//! holds the last key returned, so any page costs the same as the first.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::keys::{self, Index, IndexText};
use crate::error::Error;
use crate::model::rules::fold;
use crate::model::user::{User, UserStatus};
use crate::store::{Direction, KeyRange, Txn};
use std::ops::Bound;

/// Most items in one page.
pub const MAX_LIMIT: u32 = 1000;

/// How a text filter matches, case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    /// The whole value.
    Exact(String),
    /// The start of the value.
    Prefix(String),
}

impl TextMatch {
    fn matches(&self, value: &str) -> bool {
        let value = fold(value);
        match self {
            TextMatch::Exact(want) => value == fold(want),
            TextMatch::Prefix(want) => value.starts_with(&fold(want)),
        }
    }

    fn as_range_text(&self) -> (&str, bool) {
        match self {
            TextMatch::Exact(text) => (text, false),
            TextMatch::Prefix(text) => (text, true),
        }
    }
}

/// The fields a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    CreatedAt,
    UserName,
    Email,
    DisplayName,
    Status,
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A page number from 1: skips `(page - 1) * limit` matches.
    Page(u32),
    /// The `next_cursor` of the previous page.
    Cursor(String),
}

/// A list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub user_name: Option<TextMatch>,
    pub email: Option<TextMatch>,
    pub display_name: Option<TextMatch>,
    pub status: Option<UserStatus>,
    pub sort: SortField,
    pub descending: bool,
    /// 1 to [`MAX_LIMIT`].
    pub limit: u32,
    pub start: Start,
}

impl Default for Query {
    /// Everyone, by creation, the first page of 50.
    fn default() -> Self {
        Query {
            user_name: None,
            email: None,
            display_name: None,
            status: None,
            sort: SortField::CreatedAt,
            descending: false,
            limit: 50,
            start: Start::Page(1),
        }
    }
}

impl Query {
    /// The sort a caller most likely means when it names none: by the field it filters
    /// on, so that the filter's index serves both; otherwise by creation.
    pub fn default_sort(
        user_name: &Option<TextMatch>,
        email: &Option<TextMatch>,
        display_name: &Option<TextMatch>,
    ) -> SortField {
        if email.is_some() {
            SortField::Email
        } else if user_name.is_some() {
            SortField::UserName
        } else if display_name.is_some() {
            SortField::DisplayName
        } else {
            SortField::CreatedAt
        }
    }

    fn matches(&self, user: &User) -> bool {
        let text = |filter: &Option<TextMatch>, value: &str| filter.as_ref().is_none_or(|f| f.matches(value));
        self.status.is_none_or(|s| s == user.status)
            && text(&self.user_name, &user.user_name)
            && text(&self.email, &user.email)
            && text(&self.display_name, user.display_name.as_deref().unwrap_or(""))
    }
}

/// One page of users.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<User>,
    /// Present when more items follow.
    pub next_cursor: Option<String>,
}

/// Where rows come from: the records themselves (creation order) or an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Records,
    Index(Index),
}

/// How a query is read from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    source: Source,
    range: KeyRange,
    direction: Direction,
}

fn plan(query: &Query) -> Plan {
    let direction = if query.descending { Direction::Reverse } else { Direction::Forward };
    // An exact user name or email names at most one user: its unique index beats any sort.
    let unique = [(&query.user_name, IndexText::UserName), (&query.email, IndexText::Email)]
        .into_iter()
        .find_map(|(filter, text)| matches!(filter, Some(TextMatch::Exact(_))).then_some((filter, text)));
    let (text, filter) = match (unique, query.sort) {
        (Some((filter, text)), _) => (Some(text), filter.as_ref()),
        (None, SortField::UserName) => (Some(IndexText::UserName), query.user_name.as_ref()),
        (None, SortField::Email) => (Some(IndexText::Email), query.email.as_ref()),
        (None, SortField::DisplayName) => (Some(IndexText::DisplayName), query.display_name.as_ref()),
        (None, SortField::CreatedAt | SortField::Status) => (None, None),
    };
    let by_status = query.status.is_some() || (query.sort == SortField::Status && text.is_none());
    match Index::ordering(text, by_status) {
        Some(index) => Plan {
            source: Source::Index(index),
            range: index.range(query.status, filter.map(TextMatch::as_range_text)),
            direction,
        },
        None => Plan { source: Source::Records, range: KeyRange::prefix(keys::RECORD_PREFIX), direction },
    }
}

/// The page of users that `query` asks for.
pub fn run(txn: &dyn Txn, query: &Query) -> Result<Page, Error> {
    if !(1..=MAX_LIMIT).contains(&query.limit) {
        return Err(Error::invalid("limit", "range", format!("must be between 1 and {MAX_LIMIT}")));
    }
    let plan = plan(query);
    let fingerprint = fingerprint(query, &plan);
    let mut range = plan.range.clone();
    let mut skip = 0u64;
    match &query.start {
        Start::Page(0) => return Err(Error::invalid("page", "range", "must be 1 or more")),
        Start::Page(page) => skip = u64::from(page - 1) * u64::from(query.limit),
        Start::Cursor(cursor) => {
            let last = decode_cursor(cursor, fingerprint)
                .filter(|key| plan.range.contains(key))
                .ok_or_else(|| Error::invalid("cursor", "format", "is not a cursor of this query"))?;
            resume_after(&mut range, plan.direction, last);
        }
    }

    let wanted = query.limit as usize + 1;
    // Enough rows to fill a page when most match, a bounded batch when few do.
    let batch = (wanted as u32).clamp(32, MAX_LIMIT);
    let mut rows: Vec<(Vec<u8>, User)> = Vec::with_capacity(wanted);
    loop {
        let entries = txn.scan(&range, batch, plan.direction)?;
        let exhausted = entries.len() < batch as usize;
        let Some(last_key) = entries.last().map(|(key, _)| key.clone()) else { break };
        for (key, user) in load(txn, plan.source, entries)? {
            if !query.matches(&user) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            rows.push((key, user));
            if rows.len() == wanted {
                break;
            }
        }
        if rows.len() == wanted || exhausted {
            break;
        }
        resume_after(&mut range, plan.direction, last_key);
    }

    let next_cursor = (rows.len() == wanted).then(|| {
        rows.pop();
        let (key, _) = rows.last().expect("a page with a following item has a last item");
        encode_cursor(fingerprint, key)
    });
    Ok(Page { items: rows.into_iter().map(|(_, user)| user).collect(), next_cursor })
}

/// The users behind scanned entries, keyed by the entry they came from.
fn load(txn: &dyn Txn, source: Source, entries: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Vec<(Vec<u8>, User)>, Error> {
    let decode = |bytes: &[u8]| {
        serde_json::from_slice::<User>(bytes).map_err(|e| Error::Unavailable(format!("corrupt user record: {e}")))
    };
    match source {
        Source::Records => entries.into_iter().map(|(key, value)| Ok((key, decode(&value)?))).collect(),
        Source::Index(_) => {
            let record_keys: Vec<Vec<u8>> =
                entries.iter().filter_map(|(key, _)| keys::id_of(key)).map(keys::record).collect();
            let values = txn.get_many(&record_keys)?;
            let mut rows = Vec::with_capacity(values.len());
            // An entry whose record is missing is an index fault for `roster check`; skip it.
            for ((key, _), value) in entries.into_iter().zip(values) {
                if let Some(value) = value {
                    rows.push((key, decode(&value)?));
                }
            }
            Ok(rows)
        }
    }
}

fn resume_after(range: &mut KeyRange, direction: Direction, last: Vec<u8>) {
    match direction {
        Direction::Forward => range.start = Bound::Excluded(last),
        Direction::Reverse => range.end = Bound::Excluded(last),
    }
}

const CURSOR_VERSION: u8 = 1;

/// A hash of everything that decides which rows a query returns and in what order, so a
/// cursor cannot be replayed against a different query.
fn fingerprint(query: &Query, plan: &Plan) -> u64 {
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{:?}",
        plan.source,
        plan.range,
        query.user_name,
        query.email,
        query.display_name,
        query.status,
        query.descending,
        query.sort
    );
    // FNV-1a: stable across builds, unlike std's hasher.
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

fn encode_cursor(fingerprint: u64, key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(9 + key.len());
    bytes.push(CURSOR_VERSION);
    bytes.extend_from_slice(&fingerprint.to_be_bytes());
    bytes.extend_from_slice(key);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor(cursor: &str, fingerprint: u64) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (head, key) = bytes.split_at_checked(9)?;
    (head[0] == CURSOR_VERSION && head[1..] == fingerprint.to_be_bytes()).then(|| key.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> Query {
        Query { limit: 10, ..Query::default() }
    }

    #[test]
    fn sorting_by_creation_without_filters_reads_the_records() {
        assert_eq!(plan(&query()).source, Source::Records);
    }

    #[test]
    fn status_with_an_email_prefix_sorted_by_email_uses_the_status_email_index() {
        let q = Query {
            status: Some(UserStatus::Active),
            email: Some(TextMatch::Prefix("Jo".into())),
            sort: SortField::Email,
            ..query()
        };
        let plan = plan(&q);
        assert_eq!(plan.source, Source::Index(Index::StatusEmail));
        assert_eq!(plan.range, KeyRange::prefix(b"i/se/ajo"));
    }

    #[test]
    fn an_exact_user_name_uses_the_unique_index_whatever_the_sort() {
        let q = Query { user_name: Some(TextMatch::Exact("Jane".into())), sort: SortField::DisplayName, ..query() };
        let plan = plan(&q);
        assert_eq!(plan.source, Source::Index(Index::UserName));
        assert_eq!(plan.range, KeyRange::prefix(b"i/n/jane\0"));
    }

    #[test]
    fn sorting_by_status_uses_the_status_index() {
        let q = Query { sort: SortField::Status, descending: true, ..query() };
        let plan = plan(&q);
        assert_eq!(plan.source, Source::Index(Index::Status));
        assert_eq!(plan.direction, Direction::Reverse);
    }

    #[test]
    fn a_cursor_of_another_query_is_refused() {
        let a = query();
        let b = Query { descending: true, ..query() };
        let cursor = encode_cursor(fingerprint(&a, &plan(&a)), b"u/x");
        assert_eq!(decode_cursor(&cursor, fingerprint(&b, &plan(&b))), None);
        assert_eq!(decode_cursor(&cursor, fingerprint(&a, &plan(&a))), Some(b"u/x".to_vec()));
    }
}
