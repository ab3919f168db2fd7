use super::check::check;
use super::*;
use crate::context::Credentials;
use crate::env::testing::TestEnv;
use crate::model::user::{NewUser, UserStatus};
use crate::store::{Direction, KeyRange, Store};
use crate::users::counters::testing::{put_in, stored_in};

fn operator() -> RequestContext {
    RequestContext { credentials: Some(Credentials::Operator("cli".into())), account: None, correlation_id: "t".into() }
}

fn with_jane() -> TestEnv {
    let t = TestEnv::new();
    let admin = t.admin();
    let input =
        NewUser { user_name: Some("jane".into()), email: Some("jane@example.com".into()), ..NewUser::default() };
    crate::users::create(&t.env(), &admin, input).unwrap();
    crate::accounts::create(
        &t.env(),
        &admin,
        crate::model::account::NewAccount { name: Some("acme".into()), ..Default::default() },
    )
    .unwrap();
    t
}

fn first_key(t: &TestEnv, prefix: &[u8]) -> Vec<u8> {
    let txn = t.store.begin_read().unwrap();
    txn.scan(&KeyRange::prefix(prefix), 1, Direction::Forward).unwrap().remove(0).0
}

#[test]
fn a_consistent_store_checks_clean() {
    let t = with_jane();
    let report = check(&t.env(), &operator(), false).unwrap();
    assert_eq!(report.problems, []);
    assert!(report.records >= 4 && report.entries > report.records, "{report:?}");
}

#[test]
fn a_missing_and_a_dangling_entry_are_reported_then_repaired() {
    let t = with_jane();
    let missing = first_key(&t, b"i/n/");
    let txn = t.store.begin_write().unwrap();
    txn.delete(&missing).unwrap();
    txn.put(b"i/e/ghost@example.com\0\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", &[]).unwrap();
    txn.commit().unwrap();

    let report = check(&t.env(), &operator(), false).unwrap();
    let kinds: Vec<&str> = report.problems.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, ["missing", "dangling"], "{report:?}");
    assert!(report.problems[1].key.starts_with("i/e/ghost@example.com\\x00"), "{report:?}");
    assert!(!report.repaired);
    assert_eq!(check(&t.env(), &operator(), false).unwrap().problems.len(), 2, "a plain check writes nothing");

    assert!(check(&t.env(), &operator(), true).unwrap().repaired);
    assert_eq!(check(&t.env(), &operator(), false).unwrap().problems, []);
    assert_eq!(crate::users::get_by_user_name(&t.env(), &operator(), "jane").unwrap().user_name, "jane");
}

#[test]
fn maintenance_is_for_the_operator_only() {
    let t = with_jane();
    assert_eq!(check(&t.env(), &t.admin(), false), Err(Error::Forbidden("operator".into())));
    assert_eq!(purge_audit(&t.env(), &t.admin(), 1, 10), Err(Error::Forbidden("operator".into())));
}

#[test]
fn purge_removes_only_records_past_retention_with_their_index_entries() {
    let t = with_jane();
    let old = crate::audit::list(&t.env(), &operator(), &crate::audit::AuditQuery { limit: 100, ..Default::default() })
        .unwrap()
        .items
        .len();
    assert!(old > 0);
    t.advance(3 * 86_400);
    crate::users::create(
        &t.env(),
        &operator(),
        NewUser { user_name: Some("jo".into()), email: Some("jo@example.com".into()), ..NewUser::default() },
    )
    .unwrap();
    assert_eq!(purge_audit(&t.env(), &operator(), 5, 1000).unwrap(), 0, "nothing is 5 days old");
    let mut removed = 0;
    loop {
        let batch = purge_audit(&t.env(), &operator(), 2, 2).unwrap();
        removed += batch;
        if batch < 2 {
            break;
        }
    }
    assert_eq!(removed as usize, old);
    let left =
        crate::audit::list(&t.env(), &operator(), &crate::audit::AuditQuery { limit: 100, ..Default::default() })
            .unwrap()
            .items;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].action, "user.created");
    assert_eq!(check(&t.env(), &operator(), false).unwrap().problems, [], "no index entry is left behind");
}

#[test]
fn wrong_counts_of_users_are_reported_then_repaired() {
    let t = with_jane();
    put_in(&t.store, Some(br#"{"active":9,"inactive":1}"#));
    let report = check(&t.env(), &operator(), false).unwrap();
    assert_eq!(report.problems, [check::Problem { kind: "missing", key: "c/users".into() }]);
    assert!(check(&t.env(), &operator(), true).unwrap().repaired);
    assert_eq!(check(&t.env(), &operator(), false).unwrap().problems, []);
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 2)]), "the admin and jane");
}

#[test]
fn counts_of_users_that_do_not_decode_are_reported_then_repaired() {
    let t = with_jane();
    put_in(&t.store, Some(b"not json"));
    let report = check(&t.env(), &operator(), false).unwrap();
    assert_eq!(report.problems, [check::Problem { kind: "missing", key: "c/users".into() }]);
    assert!(check(&t.env(), &operator(), true).unwrap().repaired);
    assert_eq!(stored_in(&t.store), Some(vec![(UserStatus::Active, 2)]));
}

#[test]
fn a_store_written_before_counts_were_kept_checks_clean_and_repair_leaves_it_so() {
    let t = with_jane();
    put_in(&t.store, None);
    assert_eq!(check(&t.env(), &operator(), false).unwrap().problems, []);
    assert!(!check(&t.env(), &operator(), true).unwrap().repaired);
    assert_eq!(stored_in(&t.store), None);
}
