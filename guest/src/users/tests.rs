use super::query::{Query, SortField, Start, TextMatch};
use super::*;
use crate::env::testing::{TestEnv, with_token};
use crate::store::{KeyRange, Store};
use counters::testing::{put_in, stored_in};

fn new_user(name: &str) -> NewUser {
    NewUser { user_name: Some(name.to_owned()), email: Some(format!("{name}@example.com")), ..NewUser::default() }
}

fn all_keys(t: &TestEnv) -> Vec<Vec<u8>> {
    let txn = t.store.begin_read().unwrap();
    txn.scan(&KeyRange::prefix(b""), 10_000, Direction::Forward).unwrap().into_iter().map(|(k, _)| k).collect()
}

fn list_query() -> Query {
    Query { limit: 10, ..Query::default() }
}

#[test]
fn creates_a_user_and_reads_it_back_by_id_and_name() {
    let t = TestEnv::new();
    let created = create(&t.env(), &t.admin(), new_user("jane")).unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(get(&t.env(), &t.admin(), &created.id.to_string()).unwrap(), created);
    assert_eq!(get_by_user_name(&t.env(), &t.admin(), "JANE").unwrap(), created);
}

#[test]
fn user_name_defaults_to_the_email_address() {
    let t = TestEnv::new();
    let input = NewUser { email: Some("Jo@Example.com".into()), ..NewUser::default() };
    assert_eq!(create(&t.env(), &t.admin(), input).unwrap().user_name, "Jo@Example.com");
}

#[test]
fn rejects_an_email_taken_in_another_case_and_writes_nothing() {
    let t = TestEnv::new();
    create(&t.env(), &t.admin(), new_user("jane")).unwrap();
    let before = all_keys(&t);
    let clash =
        NewUser { user_name: Some("other".into()), email: Some("JANE@example.com".into()), ..NewUser::default() };
    let Err(Error::Duplicate(fields)) = create(&t.env(), &t.admin(), clash) else { panic!("expected a duplicate") };
    assert_eq!(fields.len(), 1);
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("email", "taken"));
    assert_eq!(all_keys(&t), before);
}

#[test]
fn names_every_invalid_field_and_writes_nothing() {
    let t = TestEnv::new();
    let input = NewUser {
        user_name: Some("jane doe".into()),
        email: Some("nope".into()),
        text: vec![(TextField::Country, "ZZ".into())],
        ..NewUser::default()
    };
    let admin = t.admin();
    let before = all_keys(&t);
    let Err(Error::Invalid(fields)) = create(&t.env(), &admin, input) else { panic!("expected invalid") };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, ["email", "userName", "country"]);
    assert_eq!(all_keys(&t), before);
}

#[test]
fn preview_gives_the_record_create_would_store_and_the_same_field_errors() {
    let t = TestEnv::new();
    let now = "2026-01-02T03:04:05Z";
    let previewed: User = serde_json::from_str(&preview(new_user("jane"), now).unwrap()).unwrap();
    let created = create(&t.env(), &t.admin(), new_user("jane")).unwrap();
    assert_ne!(previewed.id, created.id, "each preview gets a fresh id");
    assert_eq!((previewed.created_at.as_str(), previewed.updated_at.as_str()), (now, now));
    let same_id_and_time = User {
        id: created.id,
        created_at: created.created_at.clone(),
        updated_at: created.updated_at.clone(),
        ..previewed
    };
    assert_eq!(same_id_and_time, created);
    let bad = NewUser { user_name: Some("jane doe".into()), email: Some("nope".into()), ..NewUser::default() };
    let Err(Error::Invalid(fields)) = preview(bad, now) else { panic!("expected invalid") };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, ["email", "userName"]);
}

#[test]
fn keeps_only_the_hash_of_a_password_and_never_in_the_record() {
    let t = TestEnv::new();
    let input = NewUser { password: Some("correct horse".into()), ..new_user("jane") };
    let user = create(&t.env(), &t.admin(), input).unwrap();
    let txn = t.store.begin_read().unwrap();
    let record = crate::auth::read_password(&*txn, user.id).unwrap().unwrap();
    assert_eq!(record.hash, "$argon2id$fake$esroh tcerroc");
    let record = txn.get(&keys::record(user.id)).unwrap().unwrap();
    assert!(!String::from_utf8(record).unwrap().contains("horse"));
}

#[test]
fn refuses_a_password_for_a_contact() {
    let t = TestEnv::new();
    let input = NewUser { password: Some("correct horse".into()), can_login: Some(false), ..new_user("c") };
    let Err(Error::Invalid(fields)) = create(&t.env(), &t.admin(), input) else { panic!("expected invalid") };
    assert_eq!(fields[0].code, "not_allowed");
}

#[test]
fn update_bumps_the_version_and_frees_the_old_user_name() {
    let t = TestEnv::new();
    let user = create(&t.env(), &t.admin(), new_user("jane")).unwrap();
    let patch = UserPatch { user_name: Some("janet".into()), expected_version: Some(1), ..UserPatch::default() };
    let updated = update(&t.env(), &t.admin(), &user.id.to_string(), patch).unwrap();
    assert_eq!((updated.user_name.as_str(), updated.version), ("janet", 2));
    assert_eq!(get_by_user_name(&t.env(), &t.admin(), "jane"), Err(Error::NotFound));
    let reuse = NewUser { email: Some("new@example.com".into()), ..new_user("jane") };
    assert!(create(&t.env(), &t.admin(), reuse).is_ok());
}

#[test]
fn update_with_a_stale_version_is_refused() {
    let t = TestEnv::new();
    let user = create(&t.env(), &t.admin(), new_user("jane")).unwrap();
    let patch = UserPatch {
        text: vec![(TextField::City, Change::Set("Paris".into()))],
        expected_version: Some(7),
        ..UserPatch::default()
    };
    assert_eq!(update(&t.env(), &t.admin(), &user.id.to_string(), patch), Err(Error::StaleVersion { current: 1 }));
}

#[test]
fn update_clears_optional_fields() {
    let t = TestEnv::new();
    let input = NewUser { text: vec![(TextField::City, "Paris".into())], ..new_user("jane") };
    let user = create(&t.env(), &t.admin(), input).unwrap();
    let patch = UserPatch { text: vec![(TextField::City, Change::Clear)], ..UserPatch::default() };
    assert_eq!(update(&t.env(), &t.admin(), &user.id.to_string(), patch).unwrap().city, None);
}

#[test]
fn an_empty_patch_changes_nothing() {
    let t = TestEnv::new();
    let user = create(&t.env(), &t.admin(), new_user("jane")).unwrap();
    assert_eq!(update(&t.env(), &t.admin(), &user.id.to_string(), UserPatch::default()).unwrap(), user);
}

#[test]
fn delete_removes_every_key_of_the_user() {
    let t = TestEnv::new();
    let admin = t.admin();
    let before = all_keys(&t);
    let input = NewUser { password: Some("correct horse".into()), ..new_user("jane") };
    let user = create(&t.env(), &admin, input).unwrap();
    let token = crate::auth::login(&t.env(), &RequestContext::default(), "jane", "correct horse").unwrap();
    delete(&t.env(), &admin, &user.id.to_string(), Some(1)).unwrap();
    // The audit log keeps its records of the user: everything else of theirs is gone.
    let not_audit = |k: &Vec<u8>| !k.starts_with(crate::audit::PREFIX) && !k.starts_with(b"ia/");
    let after: Vec<Vec<u8>> = all_keys(&t).into_iter().filter(not_audit).collect();
    let before: Vec<Vec<u8>> = before.into_iter().filter(not_audit).collect();
    assert_eq!(after, before);
    assert_eq!(crate::auth::whoami(&t.env(), &with_token(&token.access_token)), Err(Error::Unauthenticated));
    assert_eq!(delete(&t.env(), &t.admin(), &user.id.to_string(), None), Err(Error::NotFound));
}

#[test]
fn a_malformed_id_is_not_found() {
    let t = TestEnv::new();
    assert_eq!(get(&t.env(), &t.admin(), "not-a-uuid"), Err(Error::NotFound));
}

/// Twenty users, alternately active and inactive, some named "a…" and some "b…".
fn seeded() -> TestEnv {
    let t = TestEnv::new();
    for i in 0..20 {
        let name = format!("{}{:02}", if i % 3 == 0 { "b" } else { "a" }, 19 - i);
        let input = NewUser {
            status: Some(if i % 2 == 0 { UserStatus::Active } else { UserStatus::Inactive }),
            text: vec![(TextField::DisplayName, format!("User {}", i % 5))],
            ..new_user(&name)
        };
        create(&t.env(), &t.admin(), input).unwrap();
    }
    t
}

/// Every page of `query`, following cursors.
fn walk(t: &TestEnv, mut query: Query) -> Vec<User> {
    let mut all = Vec::new();
    loop {
        let page = list(&t.env(), &t.admin(), &query).unwrap();
        all.extend(page.items);
        match page.next_cursor {
            Some(cursor) => query.start = Start::Cursor(cursor),
            None => return all,
        }
    }
}

#[test]
fn cursor_pages_give_the_same_rows_as_filtering_and_sorting_everything() {
    let t = seeded();
    let everyone = walk(&t, Query { limit: 1000, ..list_query() });
    assert_eq!(everyone.len(), 21);
    let query = Query {
        status: Some(UserStatus::Active),
        email: Some(TextMatch::Prefix("A".into())),
        sort: SortField::Email,
        limit: 2,
        ..list_query()
    };
    let mut expected: Vec<User> =
        everyone.iter().filter(|u| u.status == UserStatus::Active && u.email.starts_with('a')).cloned().collect();
    expected.sort_by(|a, b| a.email.cmp(&b.email));
    assert!(expected.len() > 2);
    assert_eq!(walk(&t, query.clone()), expected);
    expected.reverse();
    assert_eq!(walk(&t, Query { descending: true, ..query }), expected);
}

#[test]
fn sorting_by_display_name_breaks_ties_by_creation() {
    let t = seeded();
    let rows = walk(&t, Query { sort: SortField::DisplayName, limit: 3, ..list_query() });
    assert_eq!(rows.len(), 21);
    let mut expected = walk(&t, Query { limit: 1000, ..list_query() });
    expected.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    assert_eq!(rows, expected);
}

#[test]
fn page_numbers_skip_whole_pages() {
    let t = seeded();
    let everyone = walk(&t, Query { limit: 1000, ..list_query() });
    let page3 = list(&t.env(), &t.admin(), &Query { limit: 6, start: Start::Page(3), ..list_query() }).unwrap();
    assert_eq!(page3.items, everyone[12..18]);
    assert_eq!(everyone.len(), 21);
    let page5 = list(&t.env(), &t.admin(), &Query { limit: 6, start: Start::Page(6), ..list_query() }).unwrap();
    assert!(page5.items.is_empty() && page5.next_cursor.is_none());
}

#[test]
fn sorting_by_status_puts_active_users_first() {
    let t = seeded();
    let rows = walk(&t, Query { sort: SortField::Status, limit: 7, ..list_query() });
    let statuses: Vec<UserStatus> = rows.iter().map(|u| u.status).collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(statuses, sorted);
    assert_eq!(rows.len(), 21);
}

#[test]
fn a_limit_out_of_range_is_invalid() {
    let t = seeded();
    let Err(Error::Invalid(fields)) = list(&t.env(), &t.admin(), &Query { limit: 0, ..list_query() }) else { panic!() };
    assert_eq!(fields[0].field, "limit");
}

#[test]
fn a_forged_cursor_is_invalid() {
    let t = seeded();
    let query = Query { start: Start::Cursor("AAAA".into()), ..list_query() };
    let Err(Error::Invalid(fields)) = list(&t.env(), &t.admin(), &query) else { panic!() };
    assert_eq!(fields[0].field, "cursor");
}

#[test]
fn every_user_call_needs_credentials() {
    let t = TestEnv::new();
    let anonymous = RequestContext::default();
    assert_eq!(create(&t.env(), &anonymous, new_user("jane")), Err(Error::Unauthenticated));
    assert_eq!(list(&t.env(), &anonymous, &list_query()).map(|_| ()), Err(Error::Unauthenticated));
    assert_eq!(get(&t.env(), &with_token("forged"), "x"), Err(Error::NotFound));
    let id = UserId::generate().to_string();
    assert_eq!(get(&t.env(), &with_token("forged"), &id), Err(Error::Unauthenticated));
}

#[test]
fn a_user_reads_and_changes_their_own_record_but_not_their_status_or_others() {
    let t = TestEnv::new();
    let input = NewUser { password: Some("correct horse".into()), ..new_user("jane") };
    let jane = create(&t.env(), &t.admin(), input).unwrap();
    let bob = create(&t.env(), &t.admin(), new_user("bob")).unwrap();
    let token = crate::auth::login(&t.env(), &RequestContext::default(), "jane", "correct horse").unwrap();
    let me = with_token(&token.access_token);
    assert_eq!(get(&t.env(), &me, &jane.id.to_string()).unwrap().id, jane.id);
    assert_eq!(get(&t.env(), &me, &bob.id.to_string()), Err(Error::Forbidden("users:read".into())));
    let rename = UserPatch { text: vec![(TextField::City, Change::Set("Oslo".into()))], ..UserPatch::default() };
    assert_eq!(update(&t.env(), &me, &jane.id.to_string(), rename).unwrap().city.as_deref(), Some("Oslo"));
    let disable = UserPatch { status: Some(UserStatus::Inactive), ..UserPatch::default() };
    assert_eq!(update(&t.env(), &me, &jane.id.to_string(), disable), Err(Error::Forbidden("users:update".into())));
    assert_eq!(list(&t.env(), &me, &list_query()).map(|_| ()), Err(Error::Forbidden("users:list".into())));
}

#[test]
fn recap_counts_match_a_direct_count_of_the_filtered_users() {
    let t = seeded();
    let query = Query { email: Some(TextMatch::Prefix("a".into())), ..list_query() };
    let counts = recap(&t.env(), &t.admin(), &query, "status").unwrap();
    let everyone = walk(&t, Query { limit: 1000, ..list_query() });
    let direct =
        |status: UserStatus| everyone.iter().filter(|u| u.email.starts_with('a') && u.status == status).count() as u64;
    assert_eq!(
        counts,
        [
            (Some("active".to_owned()), direct(UserStatus::Active)),
            (Some("inactive".to_owned()), direct(UserStatus::Inactive))
        ]
    );
    let by_display = recap(&t.env(), &t.admin(), &list_query(), "displayName").unwrap();
    assert_eq!(by_display.iter().map(|(_, n)| n).sum::<u64>(), 21);
    assert_eq!(by_display[0], (None, 1), "the administrator has no display name");
}

#[test]
fn recap_refuses_a_field_it_cannot_count_by() {
    let t = seeded();
    let Err(Error::Invalid(fields)) = recap(&t.env(), &t.admin(), &list_query(), "password") else { panic!() };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("target", "unknown_field"));
}

#[test]
fn every_change_leaves_an_audit_record_with_who_what_and_which_fields() {
    let t = TestEnv::new();
    let admin = t.admin();
    let user = create(&t.env(), &admin, new_user("jane")).unwrap();
    let patch = UserPatch { text: vec![(TextField::City, Change::Set("Oslo".into()))], ..UserPatch::default() };
    update(&t.env(), &admin, &user.id.to_string(), patch).unwrap();
    delete(&t.env(), &admin, &user.id.to_string(), None).unwrap();
    let query = crate::audit::AuditQuery { target: Some(format!("user:{}", user.id)), limit: 10, ..Default::default() };
    let records = crate::audit::list(&t.env(), &admin, &query).unwrap().items;
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["user.deleted", "user.updated", "user.created"]);
    assert_eq!(records[1].changes, ["city"]);
    let admin_id = crate::auth::caller(&t.env(), &admin).unwrap().user_id;
    assert!(records.iter().all(|r| r.actor == Some(crate::audit::Actor::User(admin_id)) && r.correlation_id == "test"));
}

#[test]
fn the_operator_acts_without_a_token_and_is_audited_as_the_operator() {
    let t = TestEnv::new();
    t.admin();
    let operator = crate::context::RequestContext {
        credentials: Some(crate::context::Credentials::Operator("cli".into())),
        account: None,
        correlation_id: "cli-1".into(),
    };
    let user = create(&t.env(), &operator, new_user("jane")).unwrap();
    delete(&t.env(), &operator, &user.id.to_string(), None).unwrap();
    let query = crate::audit::AuditQuery { target: Some(format!("user:{}", user.id)), limit: 10, ..Default::default() };
    let records = crate::audit::list(&t.env(), &operator, &query).unwrap().items;
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.actor == Some(crate::audit::Actor::Operator("cli".into()))));
    let json = serde_json::to_value(&records[0]).unwrap();
    assert_eq!(json["actor"], "operator:cli");
    assert_eq!(serde_json::from_value::<crate::audit::Record>(json).unwrap(), records[0]);
    let actor = Some(crate::audit::Actor::Operator("cli".into()));
    let by_operator =
        crate::audit::list(&t.env(), &operator, &crate::audit::AuditQuery { actor, limit: 10, ..Default::default() });
    assert_eq!(by_operator.unwrap().items.len(), 2);
}

fn with_password(name: &str) -> NewUser {
    NewUser { password: Some("velvet comet 99".into()), ..new_user(name) }
}

fn login_as(t: &TestEnv, name: &str) -> RequestContext {
    with_token(&crate::auth::login(&t.env(), &RequestContext::default(), name, "velvet comet 99").unwrap().access_token)
}

fn permissions(list: &[&str]) -> Grants {
    Grants { permissions: ListChange::Replace(list.iter().map(|p| (*p).to_owned()).collect()), ..Grants::default() }
}

#[test]
fn a_permission_held_directly_counts_everywhere_beside_roles() {
    let t = TestEnv::new();
    let jane = create(&t.env(), &t.admin(), with_password("jane")).unwrap();
    create(&t.env(), &t.admin(), new_user("bob")).unwrap();
    let me = login_as(&t, "jane");
    assert_eq!(list(&t.env(), &me, &list_query()).map(|_| ()), Err(Error::Forbidden("users:list".into())));
    let granted = assign(&t.env(), &t.admin(), &jane.id.to_string(), &permissions(&["users:list"])).unwrap();
    assert_eq!(granted.permissions, ["users:list"]);
    assert_eq!(list(&t.env(), &me, &list_query()).unwrap().items.len(), 3);
    let held = effective_permissions(&t.env(), &t.admin(), &jane.id.to_string()).unwrap();
    assert_eq!(held, ["users:list", "users:custom"]);
    assign(&t.env(), &t.admin(), &jane.id.to_string(), &permissions(&[])).unwrap();
    assert_eq!(list(&t.env(), &me, &list_query()).map(|_| ()), Err(Error::Forbidden("users:list".into())));
}

#[test]
fn no_one_grants_a_permission_directly_that_they_lack_and_unknown_ones_are_named() {
    let t = TestEnv::new();
    let ned = create(&t.env(), &t.admin(), with_password("ned")).unwrap();
    assign(&t.env(), &t.admin(), &ned.id.to_string(), &permissions(&["users:update"])).unwrap();
    let as_ned = login_as(&t, "ned");
    let escalation = assign(&t.env(), &as_ned, &ned.id.to_string(), &permissions(&["users:update", "users:delete"]));
    assert_eq!(escalation.map(|_| ()), Err(Error::Forbidden("users:delete".into())));
    let unknown = assign(&t.env(), &t.admin(), &ned.id.to_string(), &permissions(&["users:read", "users:fly"]));
    let Err(Error::Invalid(fields)) = unknown else { panic!("{unknown:?}") };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("permissions[1]", "unknown_permission"));
}

#[test]
fn a_user_changes_their_own_profile_with_unchanged_grants_but_cannot_grant_themselves() {
    let t = TestEnv::new();
    let jane = create(&t.env(), &t.admin(), with_password("jane")).unwrap();
    let me = login_as(&t, "jane");
    let rename = UserPatch { text: vec![(TextField::City, Change::Set("Oslo".into()))], ..UserPatch::default() };
    let same = Grants { roles: ListChange::Replace(vec![]), ..permissions(&[]) };
    assert_eq!(update_with(&t.env(), &me, &jane.id.to_string(), rename.clone(), &same).unwrap().version, 2);
    let more = permissions(&["users:list"]);
    let refused = update_with(&t.env(), &me, &jane.id.to_string(), rename, &more);
    assert_eq!(refused.map(|_| ()), Err(Error::Forbidden("users:update".into())));
}

#[test]
fn tenants_are_memberships_added_and_removed_with_the_user_in_one_transaction() {
    let t = TestEnv::new();
    let account = crate::accounts::create(
        &t.env(),
        &t.admin(),
        crate::model::account::NewAccount { name: Some("acme".into()), ..Default::default() },
    )
    .unwrap();
    let grants = Grants { tenants: ListChange::Replace(vec!["acme".into()]), ..Grants::default() };
    let jane = create_with(&t.env(), &t.admin(), new_user("jane"), &grants).unwrap();
    assert_eq!(tenants(&t.env(), &t.admin(), &[&jane]).unwrap(), [vec![account.id]]);
    let bad = Grants { tenants: ListChange::Replace(vec!["nowhere".into()]), ..Grants::default() };
    let refused = create_with(&t.env(), &t.admin(), new_user("bob"), &bad);
    let Err(Error::Invalid(fields)) = refused else { panic!("{refused:?}") };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("tenants[0]", "unknown_tenant"));
    assert_eq!(get_by_user_name(&t.env(), &t.admin(), "bob"), Err(Error::NotFound), "nothing half-written");
    let remove =
        Grants { tenants: ListChange::Edit { add: vec![], remove: vec![account.id.to_string()] }, ..Grants::default() };
    assign(&t.env(), &t.admin(), &jane.id.to_string(), &remove).unwrap();
    assert_eq!(tenants(&t.env(), &t.admin(), &[&jane]).unwrap(), [Vec::<AccountId>::new()]);
}

/// The users by status, counted from their records.
fn counted_from_records(t: &TestEnv) -> Vec<(UserStatus, u64)> {
    let mut counts = std::collections::BTreeMap::<UserStatus, u64>::new();
    for user in walk(t, Query { limit: 1000, ..list_query() }) {
        *counts.entry(user.status).or_default() += 1;
    }
    counts.into_iter().collect()
}

/// The number of users an unscoped list of `query` reports in all.
fn total(t: &TestEnv, query: &Query, member_of: &MemberOf) -> Option<u64> {
    directory::search(&t.env(), &t.admin(), query, member_of, true).unwrap().total
}

fn status_recap(t: &TestEnv, query: &Query) -> Vec<(Option<String>, u64)> {
    recap(&t.env(), &t.admin(), query, "status").unwrap()
}

fn by_status(counts: &[(&str, u64)]) -> Vec<(Option<String>, u64)> {
    counts.iter().map(|(status, count)| (Some((*status).to_owned()), *count)).collect()
}

#[test]
fn the_counts_follow_every_create_status_change_and_delete() {
    let t = TestEnv::new();
    let admin = t.admin();
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 1)]), "the administrator");
    let jane = create(&t.env(), &admin, new_user("jane")).unwrap();
    let bob = create(&t.env(), &admin, NewUser { status: Some(UserStatus::Inactive), ..new_user("bob") }).unwrap();
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 2), (UserStatus::Inactive, 1)]));
    let disable = UserPatch { status: Some(UserStatus::Inactive), ..UserPatch::default() };
    update(&t.env(), &admin, &jane.id.to_string(), disable).unwrap();
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 1), (UserStatus::Inactive, 2)]));
    let move_ = UserPatch { text: vec![(TextField::City, Change::Set("Oslo".into()))], ..UserPatch::default() };
    update(&t.env(), &admin, &jane.id.to_string(), move_).unwrap();
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 1), (UserStatus::Inactive, 2)]));
    delete(&t.env(), &admin, &bob.id.to_string(), None).unwrap();
    delete(&t.env(), &admin, &jane.id.to_string(), None).unwrap();
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 1)]), "no zero is kept for inactive");
    assert_eq!(stored_in(&t.store).unwrap(), counted_from_records(&t));
}

#[test]
fn the_recap_by_status_from_the_counts_equals_the_one_counted_from_the_records() {
    let t = seeded();
    let from_counts = status_recap(&t, &list_query());
    put_in(&t.store, None);
    assert_eq!(from_counts, status_recap(&t, &list_query()));
    assert_eq!(from_counts, by_status(&[("active", 11), ("inactive", 10)]));
}

#[test]
fn a_status_no_user_has_is_left_out_of_the_recap_from_the_counts_as_from_the_records() {
    let t = TestEnv::new();
    let input = NewUser { status: Some(UserStatus::Inactive), ..new_user("jane") };
    let jane = create(&t.env(), &t.admin(), input).unwrap();
    delete(&t.env(), &t.admin(), &jane.id.to_string(), None).unwrap();
    let from_counts = status_recap(&t, &list_query());
    put_in(&t.store, None);
    assert_eq!(from_counts, status_recap(&t, &list_query()));
    assert_eq!(from_counts, by_status(&[("active", 1)]));
}

#[test]
fn unfiltered_unscoped_recaps_and_totals_read_the_counts_and_the_others_read_the_users() {
    let t = seeded();
    // Counts that disagree with the records show which of the two answered.
    put_in(&t.store, Some(br#"{"active":7,"inactive":5}"#));
    let everyone = MemberOf::default();
    assert_eq!(status_recap(&t, &list_query()), by_status(&[("active", 7), ("inactive", 5)]));
    assert_eq!(total(&t, &list_query(), &everyone), Some(12));
    let active = Query { status: Some(UserStatus::Active), ..list_query() };
    assert_eq!(status_recap(&t, &active), by_status(&[("active", 11)]));
    assert_eq!(total(&t, &active, &everyone), Some(11));
    let nowhere = MemberOf { account_name: Some("nowhere".into()), ..MemberOf::default() };
    assert_eq!(recap_in(&t.env(), &t.admin(), &list_query(), &nowhere, "status").unwrap(), []);
    assert_eq!(total(&t, &list_query(), &nowhere), Some(0));
    let by_city = recap(&t.env(), &t.admin(), &list_query(), "city").unwrap();
    assert_eq!(by_city, [(None, 21)], "only the status is counted");
}

#[test]
fn a_store_without_counts_answers_by_reading_the_users_and_its_first_count_change_stores_them() {
    let t = seeded();
    put_in(&t.store, None);
    assert_eq!(status_recap(&t, &list_query()), by_status(&[("active", 11), ("inactive", 10)]));
    assert_eq!(total(&t, &list_query(), &MemberOf::default()), Some(21));
    let anyone = walk(&t, list_query()).remove(1);
    let move_ = UserPatch { text: vec![(TextField::City, Change::Set("Oslo".into()))], ..UserPatch::default() };
    update(&t.env(), &t.admin(), &anyone.id.to_string(), move_).unwrap();
    assert_eq!(stored_in(&t.store), None, "a write that changes no count stores none");
    create(&t.env(), &t.admin(), NewUser { status: Some(UserStatus::Inactive), ..new_user("zed") }).unwrap();
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 11), (UserStatus::Inactive, 11)]));
    assert_eq!(stored_in(&t.store).unwrap(), counted_from_records(&t));
}

#[test]
fn counts_that_do_not_decode_make_reads_and_writes_unavailable() {
    let t = seeded();
    put_in(&t.store, Some(b"not json"));
    let recapped = recap(&t.env(), &t.admin(), &list_query(), "status");
    assert!(matches!(recapped, Err(Error::Unavailable(_))), "{recapped:?}");
    let created = create(&t.env(), &t.admin(), new_user("zed"));
    assert!(matches!(created, Err(Error::Unavailable(_))), "{created:?}");
}
