use super::*;
use crate::context::Credentials;
use crate::env::testing::{ADMIN_PASSWORD, TestEnv};
use crate::model::account::NewAccount;
use crate::model::user::NewUser;
use crate::users::counters::testing::stored_in;

fn operator() -> RequestContext {
    RequestContext { credentials: Some(Credentials::Operator("cli".into())), account: None, correlation_id: "t".into() }
}

fn export_all(t: &TestEnv) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cursor = None;
    loop {
        // A small page, so that pages cross record types.
        let page = export(&t.env(), &operator(), cursor.as_deref(), 2).unwrap();
        lines.extend(page.lines);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return lines,
        }
    }
}

fn numbered(lines: &[String]) -> Vec<(u64, String)> {
    lines.iter().enumerate().map(|(i, l)| (i as u64 + 1, l.clone())).collect()
}

/// A store with an administrator, a role, an account, a member and an attribute definition.
fn seeded() -> TestEnv {
    let t = TestEnv::new();
    let admin = t.admin();
    let env = t.env();
    let role = roles::create(
        &env,
        &admin,
        roles::NewRole { name: Some("support".into()), permissions: vec!["users:read".into()], ..Default::default() },
    )
    .unwrap();
    let account =
        accounts::create(&env, &admin, NewAccount { name: Some("123456".into()), ..Default::default() }).unwrap();
    let jane = users::create(
        &env,
        &admin,
        NewUser {
            user_name: Some("jane".into()),
            email: Some("jane@example.com".into()),
            password: Some("a long passphrase".into()),
            ..Default::default()
        },
    )
    .unwrap();
    accounts::members::put(&env, &admin, &account.id.to_string(), &jane.id.to_string(), &[role.id], None).unwrap();
    attributes::create(
        &env,
        &admin,
        attributes::NewDefinition {
            name: Some("costCenter".into()),
            value_type: Some(attributes::AttributeType::String),
            ..Default::default()
        },
    )
    .unwrap();
    t
}

#[test]
fn export_lists_every_kind_in_replay_order_with_password_hashes() {
    let lines = export_all(&seeded());
    let kinds: Vec<String> =
        lines.iter().map(|l| serde_json::from_str::<Value>(l).unwrap()["type"].as_str().unwrap().to_owned()).collect();
    let order = |kind: &str| KINDS.iter().position(|(k, _)| *k == kind).unwrap();
    assert!(kinds.windows(2).all(|w| order(&w[0]) <= order(&w[1])), "{kinds:?}");
    for kind in ["attributeDefinition", "role", "account", "user", "membership"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
    }
    let jane = lines.iter().find(|l| l.contains("\"jane\"")).unwrap();
    let jane: Value = serde_json::from_str(jane).unwrap();
    assert!(jane["passwordHash"].as_str().unwrap().starts_with("$argon2id$"));
    assert_eq!(jane["email"], "jane@example.com");
}

#[test]
fn import_into_an_empty_store_gives_the_same_export_and_a_second_import_changes_nothing() {
    let lines = export_all(&seeded());
    let fresh = TestEnv::new();
    let first = import(&fresh.env(), &operator(), &numbered(&lines)).unwrap();
    assert!(first.iter().all(|(_, r)| r.is_ok()), "{first:?}");
    assert_eq!(export_all(&fresh), lines);
    let second = import(&fresh.env(), &operator(), &numbered(&lines)).unwrap();
    assert!(second.iter().all(|(_, r)| *r == Ok(Applied::Unchanged)), "{second:?}");
}

#[test]
fn bad_lines_are_reported_by_number_and_the_good_ones_loaded() {
    let t = TestEnv::new();
    let lines = [
        r#"{"type":"account","id":"01900000-0000-7000-8000-000000000001","name":"acme","displayName":null,"accountType":"CUSTOMER"}"#.to_owned(),
        "not json".to_owned(),
        r#"{"type":"gadget"}"#.to_owned(),
        r#"{"type":"role","id":"r1","name":"ok role","description":"","permissions":["users:fly"],"builtin":false,"version":1,"createdAt":"2024-01-01T00:00:00Z","createdBy":null,"updatedAt":"2024-01-01T00:00:00Z"}"#.to_owned(),
        r#"{"type":"role","id":"r2","name":"readers","description":"","permissions":["users:read"],"builtin":false,"version":1,"createdAt":"2024-01-01T00:00:00Z","createdBy":null,"updatedAt":"2024-01-01T00:00:00Z"}"#.to_owned(),
    ];
    let results = import(&t.env(), &operator(), &numbered(&lines)).unwrap();
    let refused: Vec<(u64, String)> = results
        .iter()
        .filter_map(|(n, r)| match r {
            Err(Error::Invalid(fields)) => Some((*n, format!("{}:{}", fields[0].field, fields[0].code))),
            _ => None,
        })
        .collect();
    assert_eq!(refused[0], (1, "record:format".to_owned()), "an account without status: {refused:?}");
    assert_eq!(
        refused[1..],
        [
            (2, "line:malformed".to_owned()),
            (3, "type:unknown_type".to_owned()),
            (4, "permissions[0]:unknown_permission".to_owned())
        ]
    );
    assert_eq!(results[4], (5, Ok(Applied::Created)));
    assert_eq!(roles::get(&t.env(), &operator(), "r2").unwrap().name, "readers");
}

#[test]
fn only_the_operator_may_export_or_import() {
    let t = seeded();
    assert_eq!(export(&t.env(), &t.admin(), None, 10), Err(Error::Forbidden("operator".into())));
    assert_eq!(import(&t.env(), &t.admin(), &[]), Err(Error::Forbidden("operator".into())));
}

#[test]
fn an_imported_foreign_hash_logs_in_and_is_replaced_by_argon2id() {
    let t = TestEnv::new();
    // FakeCrypto verifies "<any scheme>$fake$<password reversed>".
    let reversed: String = ADMIN_PASSWORD.chars().rev().collect();
    let user = format!(
        r#"{{"type":"user","id":"01900000-0000-7000-8000-000000000009","userName":"imported","email":"imported@example.com","status":"active","canLogin":true,"shared":false,"optIn":false,"attributes":[],"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z","version":1,"passwordHash":"$2b$fake${reversed}"}}"#
    );
    let results = import(&t.env(), &operator(), &[(1, user)]).unwrap();
    assert_eq!(results, [(1, Ok(Applied::Created))]);
    let id = crate::model::user::UserId::parse("01900000-0000-7000-8000-000000000009").unwrap();
    auth::login(&t.env(), &operator(), "imported", ADMIN_PASSWORD).unwrap();
    let hash = t.env().read(|txn| auth::read_password(txn, id)).unwrap().unwrap().hash;
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    auth::login(&t.env(), &operator(), "imported", ADMIN_PASSWORD).unwrap();
}

#[test]
fn an_unsupported_hash_is_refused_and_nothing_of_the_user_written() {
    let t = TestEnv::new();
    let user = r#"{"type":"user","id":"01900000-0000-7000-8000-00000000000a","userName":"md5","email":"md5@example.com","status":"active","canLogin":true,"shared":false,"optIn":false,"attributes":[],"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z","version":1,"passwordHash":"$1$abc$def"}"#;
    let results = import(&t.env(), &operator(), &[(7, user.to_owned())]).unwrap();
    assert!(matches!(&results[0], (7, Err(Error::Invalid(f))) if f[0].code == "unsupported_hash"), "{results:?}");
    assert!(t.env().read(|txn| users::find_by_user_name(txn, "md5")).unwrap().is_none());
}

#[test]
fn imported_users_are_counted_by_status_and_a_reimported_status_moves_its_count() {
    use crate::model::user::UserStatus::{Active, Inactive};
    let lines = export_all(&seeded());
    let fresh = TestEnv::new();
    import(&fresh.env(), &operator(), &numbered(&lines)).unwrap();
    assert_eq!(stored_in(&fresh.store), Some(vec![(Active, 2)]), "the administrator and jane");
    let jane = lines.iter().position(|l| l.contains("\"jane\"")).unwrap();
    let mut changed = lines.clone();
    changed[jane] = changed[jane].replace("\"status\":\"active\"", "\"status\":\"inactive\"");
    assert_ne!(changed[jane], lines[jane]);
    let results = import(&fresh.env(), &operator(), &numbered(&changed)).unwrap();
    assert_eq!(results[jane].1, Ok(Applied::Updated));
    assert_eq!(stored_in(&fresh.store), Some(vec![(Active, 1), (Inactive, 1)]));
}
