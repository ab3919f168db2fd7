//! Listing users: filters, one sort, page numbers or cursors, planned onto an index.
//!
//! The plan picks the index that yields rows in the requested order, narrowed to the
//! status and text filters that index can answer; every filter is then checked again on
//! the records, so a plan only decides how much is read, never what is returned. A cursor
//! holds the last key returned, so any page costs the same as the first.

use super::keys::{self, Index, IndexText};
use crate::error::Error;
use crate::model::rules::fold;
use crate::model::user::{User, UserStatus};
use crate::store::paging::{self, Scan};
use crate::store::{Direction, Entry, KeyRange, Txn};

pub use crate::store::paging::{MAX_LIMIT, Start};

/// How a text filter matches, case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    /// The whole value.
    Exact(String),
    /// The start of the value.
    Prefix(String),
}

impl TextMatch {
    /// Whether `value` matches, case-insensitively.
    pub fn matches(&self, value: &str) -> bool {
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

    /// Whether the query keeps every user: it has no filter, only a sort and a page. Every
    /// field is named, so that a new filter cannot be forgotten here.
    pub fn is_unfiltered(&self) -> bool {
        let Query { user_name, email, display_name, status, sort: _, descending: _, limit: _, start: _ } = self;
        user_name.is_none() && email.is_none() && display_name.is_none() && status.is_none()
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
pub type Page = paging::Page<User>;

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
    run_where(txn, query, "", |_| true)
}

/// The page of users that `query` asks for, keeping only those `keep` accepts too (a filter
/// the indexes cannot answer, such as membership of an account); `identity` describes it,
/// so that a cursor only resumes the same filter.
pub fn run_where(txn: &dyn Txn, query: &Query, identity: &str, keep: impl Fn(&User) -> bool) -> Result<Page, Error> {
    let plan = plan(query);
    let scan = Scan {
        range: plan.range,
        direction: plan.direction,
        identity: format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}{identity}",
            plan.source, query.user_name, query.email, query.display_name, query.status, query.sort
        ),
    };
    let load = |txn: &dyn Txn, entries: Vec<Entry>| match plan.source {
        Source::Records => entries.into_iter().map(|(key, value)| Ok((key, decode(&value)?))).collect(),
        Source::Index(_) => paging::load_indexed(txn, entries, |key| keys::id_of(key).map(keys::record), decode),
    };
    paging::read(txn, &scan, &query.start, query.limit, load, |user| query.matches(user) && keep(user))
}

fn decode(bytes: &[u8]) -> Result<User, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Unavailable(format!("corrupt user record: {e}")))
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
}
