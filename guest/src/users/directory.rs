//! Users read with their accounts: lists that keep only the members of some accounts
//! (seed 000's `accountId`, `accountName` and `accountType` filters, seed 003's
//! `customerId` predicate), totals for page counts, and records that carry the user's
//! memberships by account and role name.

use std::collections::BTreeSet;

use super::counters;
use super::query::{self, Page, Query};
use super::{find_by_user_name, read};
use crate::access::{Caller, Permission, Target, authorize};
use crate::accounts::{self, assignments, members};
use crate::auth;
use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;
use crate::model::account::{AccountId, AccountType};
use crate::model::user::{User, UserId};
use crate::store::Txn;

pub use assignments::AccountRoles;

/// Which accounts' active members a list keeps; every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberOf {
    /// The account's id.
    pub account_id: Option<String>,
    /// The account's name, case-insensitively.
    pub account_name: Option<String>,
    /// The account's type.
    pub account_type: Option<AccountType>,
}

/// A [`MemberOf`] resolved in one snapshot: no ids keeps everyone.
pub struct Members {
    ids: Option<BTreeSet<UserId>>,
    /// The accounts whose members these are.
    accounts: Vec<AccountId>,
    identity: String,
}

impl MemberOf {
    /// Whether the filter names anything.
    pub fn is_empty(&self) -> bool {
        self.account_id.is_none() && self.account_name.is_none() && self.account_type.is_none()
    }

    /// The active members, on `today`, of the accounts this names. Their ids are held in
    /// memory: 16 bytes a member.
    pub fn resolve(&self, txn: &dyn Txn, today: &str) -> Result<Members, Error> {
        if self.is_empty() {
            return Ok(Members { ids: None, accounts: Vec::new(), identity: String::new() });
        }
        let mut candidates = match (&self.account_id, &self.account_name) {
            (Some(id), _) => {
                AccountId::parse(id).map(|id| accounts::read(txn, id)).transpose()?.flatten().into_iter().collect()
            }
            (None, Some(name)) => accounts::find_by_name(txn, name)?.into_iter().collect(),
            (None, None) => accounts::of_type(txn, self.account_type.expect("a non-empty filter names something"))?,
        };
        candidates.retain(|account| {
            self.account_name.as_ref().is_none_or(|name| account.name.eq_ignore_ascii_case(name.trim()))
                && self.account_type.is_none_or(|t| t == account.account_type)
        });
        let mut ids = BTreeSet::new();
        for account in &candidates {
            ids.extend(members::active_members(txn, account.id, today)?);
        }
        let accounts = candidates.iter().map(|a| a.id).collect();
        Ok(Members { ids: Some(ids), accounts, identity: self.identity() })
    }

    fn identity(&self) -> String {
        format!("|{:?}|{:?}|{:?}", self.account_id, self.account_name, self.account_type)
    }
}

impl Members {
    /// Whether `caller` may list these users: with `users:list` everywhere, or, for the
    /// members of some accounts, in each of those accounts (as an account's member list
    /// allows on the native API).
    pub fn authorize_list(&self, caller: &Caller) -> Result<(), Error> {
        match authorize(caller, Permission::UsersList, Target::Any) {
            Err(Error::Forbidden(_)) if !self.accounts.is_empty() => {
                self.accounts.iter().try_for_each(|a| authorize(caller, Permission::UsersList, Target::Account(*a)))
            }
            verdict => verdict,
        }
    }

    /// Whether these are every user: the filter named no account.
    pub fn is_everyone(&self) -> bool {
        self.ids.is_none()
    }

    /// The page of `query` among these members.
    pub fn run(&self, txn: &dyn Txn, query: &Query) -> Result<Page, Error> {
        match &self.ids {
            None => query::run(txn, query),
            Some(ids) => query::run_where(txn, query, &self.identity, |u| ids.contains(&u.id)),
        }
    }
}

/// A user with the memberships it holds, by account and role name.
#[derive(Debug, Clone, PartialEq)]
pub struct Detailed {
    pub user: User,
    pub accounts: Vec<AccountRoles>,
}

/// A page of detailed users, with the number of matches in all when it was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub items: Vec<Detailed>,
    /// Present when more rows follow.
    pub next_cursor: Option<String>,
    /// Every match, on every page; counted in the same snapshot.
    pub total: Option<u64>,
}

/// A page of the users matching `query` that are also members as `member_of` says, each
/// with its memberships; with `count`, the number of matches in all (which reads them all,
/// a page at a time, unless the stored counts answer for everyone).
pub fn search(
    env: &Env,
    ctx: &RequestContext,
    query: &Query,
    member_of: &MemberOf,
    count: bool,
) -> Result<Listing, Error> {
    let today = env.now().date();
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let members = member_of.resolve(txn, &today)?;
        members.authorize_list(&caller)?;
        let page = members.run(txn, query)?;
        let total = if count { Some(count_matches(txn, query, &members)?) } else { None };
        let items = page.items.into_iter().map(|user| detail(txn, user, &today)).collect::<Result<_, _>>()?;
        Ok(Listing { items, next_cursor: page.next_cursor, total })
    })
}

/// The number of users `query` matches among `members`.
fn count_matches(txn: &dyn Txn, query: &Query, members: &Members) -> Result<u64, Error> {
    if let Some(counts) = counters::for_everyone(txn, query, members)? {
        return Ok(counts.total());
    }
    let mut total = 0;
    let mut page_query = Query { limit: query::MAX_LIMIT, start: query::Start::Page(1), ..query.clone() };
    loop {
        let page = members.run(txn, &page_query)?;
        total += page.items.len() as u64;
        match page.next_cursor {
            Some(cursor) => page_query.start = query::Start::Cursor(cursor),
            None => return Ok(total),
        }
    }
}

fn detail(txn: &dyn Txn, user: User, today: &str) -> Result<Detailed, Error> {
    let accounts = assignments::named(txn, user.id, today)?;
    Ok(Detailed { user, accounts })
}

/// One user, by id or (when `by_user_name`) by user name, with its memberships.
pub fn get_detailed(env: &Env, ctx: &RequestContext, key: &str, by_user_name: bool) -> Result<Detailed, Error> {
    let today = env.now().date();
    env.read(|txn| {
        let caller = auth::caller_in(txn, env, ctx)?;
        let user = if by_user_name {
            find_by_user_name(txn, key)?
        } else {
            UserId::parse(key).map(|id| read(txn, id)).transpose()?.flatten()
        };
        match &user {
            Some(user) => members::authorize_user(txn, env, &caller, Permission::UsersRead, user.id)?,
            None => authorize(&caller, Permission::UsersRead, Target::Missing)?,
        }
        detail(txn, user.ok_or(Error::NotFound)?, &today)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::assignments::Assignment;
    use crate::env::testing::TestEnv;
    use crate::model::account::NewAccount;
    use crate::model::user::NewUser;
    use crate::store::{Direction, KeyRange, Store};

    fn account(t: &TestEnv, name: &str, account_type: AccountType) -> String {
        let input = NewAccount { name: Some(name.into()), account_type: Some(account_type), ..NewAccount::default() };
        accounts::create(&t.env(), &t.admin(), input).unwrap().id.to_string()
    }

    fn member(t: &TestEnv, name: &str, account: &str) -> Result<User, Error> {
        let input = NewUser { email: Some(format!("{name}@example.com")), ..NewUser::default() };
        let grant = Assignment {
            account: account.into(),
            account_field: "accountRoles[0].accountName".into(),
            roles: Some(vec!["account-admin".into()]),
            roles_field: "accountRoles[0].roles".into(),
            ..Assignment::default()
        };
        super::super::create_with(&t.env(), &t.admin(), input, &one(grant))
    }

    fn one(assignment: Assignment) -> crate::users::grants::Grants {
        crate::users::grants::Grants { memberships: vec![assignment], ..Default::default() }
    }

    fn emails(listing: &Listing) -> Vec<&str> {
        listing.items.iter().map(|d| d.user.email.as_str()).collect()
    }

    fn keys(t: &TestEnv) -> usize {
        let txn = t.store.begin_read().unwrap();
        txn.scan(&KeyRange::prefix(b""), 100_000, Direction::Forward).unwrap().len()
    }

    #[test]
    fn a_user_created_with_a_membership_is_listed_among_that_accounts_members_only() {
        let t = TestEnv::new();
        let acme = account(&t, "acme", AccountType::Customer);
        account(&t, "beta", AccountType::Publisher);
        member(&t, "ann", "acme").unwrap();
        member(&t, "bob", "beta").unwrap();
        let query = Query { sort: query::SortField::Email, ..Query::default() };
        let search = |member_of: MemberOf| search(&t.env(), &t.admin(), &query, &member_of, true).unwrap();
        let by_id = search(MemberOf { account_id: Some(acme), ..MemberOf::default() });
        assert_eq!((emails(&by_id), by_id.total), (vec!["ann@example.com"], Some(1)));
        assert_eq!(by_id.items[0].accounts[0].roles, ["account-admin"]);
        let by_type = search(MemberOf { account_type: Some(AccountType::Publisher), ..MemberOf::default() });
        assert_eq!(emails(&by_type), ["bob@example.com"]);
        let mismatch = search(MemberOf {
            account_name: Some("acme".into()),
            account_type: Some(AccountType::Publisher),
            ..MemberOf::default()
        });
        assert!(mismatch.items.is_empty());
        assert_eq!(search(MemberOf::default()).total, Some(3), "with the administrator");
    }

    #[test]
    fn an_account_administrator_lists_the_members_of_that_account_and_no_others() {
        let t = TestEnv::new();
        account(&t, "acme", AccountType::Customer);
        account(&t, "beta", AccountType::Customer);
        let boss = NewUser {
            user_name: Some("boss".into()),
            email: Some("boss@example.com".into()),
            password: Some("tulip marble ocean".into()),
            ..NewUser::default()
        };
        let grant =
            Assignment { account: "acme".into(), roles: Some(vec!["account-admin".into()]), ..Assignment::default() };
        super::super::create_with(&t.env(), &t.admin(), boss, &one(grant)).unwrap();
        member(&t, "bob", "beta").unwrap();
        let token = crate::auth::login(&t.env(), &RequestContext::default(), "boss", "tulip marble ocean").unwrap();
        let ctx = crate::env::testing::with_token(&token.access_token);
        let of = |name: &str| MemberOf { account_name: Some(name.into()), ..MemberOf::default() };
        let own = search(&t.env(), &ctx, &Query::default(), &of("acme"), false).unwrap();
        assert_eq!(emails(&own), ["boss@example.com"]);
        assert_eq!(search(&t.env(), &ctx, &Query::default(), &of("beta"), false), Err(Error::NotFound));
        assert_eq!(
            search(&t.env(), &ctx, &Query::default(), &MemberOf::default(), false),
            Err(Error::Forbidden("users:list".into()))
        );
    }

    #[test]
    fn a_refused_membership_refuses_the_user_and_writes_nothing() {
        let t = TestEnv::new();
        account(&t, "acme", AccountType::Customer);
        let before = keys(&t);
        let Err(Error::Invalid(errors)) = member(&t, "ann", "nowhere") else { panic!("expected invalid") };
        assert_eq!(errors[0].field, "accountRoles[0].accountName");
        assert_eq!(keys(&t), before);
    }

    #[test]
    fn a_detailed_read_by_user_name_carries_the_memberships() {
        let t = TestEnv::new();
        account(&t, "acme", AccountType::Customer);
        member(&t, "ann", "acme").unwrap();
        let detailed = get_detailed(&t.env(), &t.admin(), "ANN@example.com", true).unwrap();
        assert_eq!(detailed.accounts[0].account_name, "acme");
        assert_eq!(get_detailed(&t.env(), &t.admin(), "nobody", true), Err(Error::NotFound));
    }
}
