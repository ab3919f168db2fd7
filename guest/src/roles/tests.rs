use super::*;
use crate::auth;
use crate::context::RequestContext;
use crate::env::testing::{TestEnv, with_token};
use crate::model::user::NewUser;
use crate::users;

fn admin(t: &TestEnv) -> RequestContext {
    t.admin()
}

fn auditor_input() -> NewRole {
    NewRole {
        name: Some("Auditor".into()),
        description: Some("Reads users".into()),
        permissions: vec!["users:read".into(), "users:list".into()],
    }
}

#[test]
fn creates_lists_and_reads_roles_beside_the_built_in_ones() {
    let t = TestEnv::new();
    let role = create(&t.env(), &admin(&t), auditor_input()).unwrap();
    assert_eq!(role.version, 1);
    assert_eq!(role.created_by, Some(auth::caller(&t.env(), &admin(&t)).unwrap().user_id.to_string()));
    let names: Vec<String> = list(&t.env(), &admin(&t)).unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["account-admin", "administrator", "Auditor"]);
    assert_eq!(get(&t.env(), &admin(&t), &role.id).unwrap(), role);
}

#[test]
fn refuses_unknown_permissions_by_position_and_taken_names() {
    let t = TestEnv::new();
    let bad = NewRole { permissions: vec!["users:read".into(), "users:fly".into()], ..auditor_input() };
    let Err(Error::Invalid(fields)) = create(&t.env(), &admin(&t), bad) else { panic!() };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("permissions[1]", "unknown_permission"));
    create(&t.env(), &admin(&t), auditor_input()).unwrap();
    let again = NewRole { name: Some("AUDITOR".into()), ..auditor_input() };
    assert!(matches!(create(&t.env(), &admin(&t), again), Err(Error::Duplicate(_))));
}

#[test]
fn updates_add_and_remove_permissions_and_refuse_a_stale_version() {
    let t = TestEnv::new();
    let role = create(&t.env(), &admin(&t), auditor_input()).unwrap();
    let patch = RolePatch {
        expected_version: Some(1),
        add_permissions: vec!["roles:read".into()],
        remove_permissions: vec!["users:list".into()],
        ..RolePatch::default()
    };
    let updated = update(&t.env(), &admin(&t), &role.id, patch.clone()).unwrap();
    assert_eq!(updated.permissions, ["roles:read", "users:read"]);
    assert_eq!(updated.version, 2);
    assert_eq!(update(&t.env(), &admin(&t), &role.id, patch), Err(Error::StaleVersion { current: 2 }));
}

#[test]
fn built_in_roles_cannot_be_deleted_and_administrator_keeps_every_permission() {
    let t = TestEnv::new();
    assert_eq!(delete(&t.env(), &admin(&t), ADMINISTRATOR, None), Err(Error::BuiltinRole));
    assert_eq!(delete(&t.env(), &admin(&t), ACCOUNT_ADMIN, None), Err(Error::BuiltinRole));
    let patch = RolePatch { remove_permissions: vec!["users:read".into()], ..RolePatch::default() };
    assert!(matches!(update(&t.env(), &admin(&t), ADMINISTRATOR, patch), Err(Error::Invalid(_))));
}

#[test]
fn a_role_grants_its_permissions_and_deleting_it_takes_them_back() {
    let t = TestEnv::new();
    let role = create(&t.env(), &admin(&t), auditor_input()).unwrap();
    let input = NewUser {
        user_name: Some("amy".into()),
        email: Some("amy@example.com".into()),
        password: Some("velvet comet 99".into()),
        ..NewUser::default()
    };
    let amy = users::create(&t.env(), &t.admin(), input).unwrap();
    users::change_roles(&t.env(), &t.admin(), &amy.id.to_string(), std::slice::from_ref(&role.id), &[]).unwrap();
    let token = auth::login(&t.env(), &RequestContext::default(), "amy", "velvet comet 99").unwrap();
    let amy_ctx = with_token(&token.access_token);
    let listed = users::effective_permissions(&t.env(), &amy_ctx, &amy.id.to_string()).unwrap();
    assert_eq!(listed, ["users:read", "users:list", "users:custom"]);
    delete(&t.env(), &admin(&t), &role.id, Some(1)).unwrap();
    assert_eq!(users::get(&t.env(), &t.admin(), &amy.id.to_string()).unwrap().roles, Vec::<String>::new());
    let listed = users::effective_permissions(&t.env(), &amy_ctx, &amy.id.to_string()).unwrap();
    assert_eq!(listed, ["users:custom"]);
}

#[test]
fn no_one_grants_a_role_with_permissions_they_lack() {
    let t = TestEnv::new();
    let role = create(&t.env(), &admin(&t), auditor_input()).unwrap();
    let updater = create(
        &t.env(),
        &admin(&t),
        NewRole { name: Some("Updater".into()), description: None, permissions: vec!["users:update".into()] },
    )
    .unwrap();
    let input = NewUser {
        user_name: Some("ned".into()),
        email: Some("ned@example.com".into()),
        password: Some("velvet comet 99".into()),
        ..NewUser::default()
    };
    let ned = users::create(&t.env(), &t.admin(), input).unwrap();
    users::change_roles(&t.env(), &t.admin(), &ned.id.to_string(), std::slice::from_ref(&updater.id), &[]).unwrap();
    let ned_ctx =
        with_token(&auth::login(&t.env(), &RequestContext::default(), "ned", "velvet comet 99").unwrap().access_token);
    let escalation = users::change_roles(&t.env(), &ned_ctx, &ned.id.to_string(), std::slice::from_ref(&role.id), &[]);
    assert_eq!(escalation.map(|_| ()), Err(Error::Forbidden("users:read".into())));
}
