use super::invitations;
use super::members::{self, InvitationStatus};
use super::*;
use crate::auth;
use crate::env::testing::{TestEnv, with_token};
use crate::model::user::{NewUser, UserId};
use crate::roles::{self, NewRole};
use crate::store::Store;
use crate::users;

const PASSWORD: &str = "tulip marble ocean";

fn new_account(name: &str) -> NewAccount {
    NewAccount { name: Some(name.into()), account_type: Some(AccountType::Customer), ..NewAccount::default() }
}

fn create_user(t: &TestEnv, name: &str) -> UserId {
    let input = NewUser {
        user_name: Some(name.into()),
        email: Some(format!("{name}@example.com")),
        password: Some(PASSWORD.into()),
        ..NewUser::default()
    };
    users::create(&t.env(), &t.admin(), input).unwrap().id
}

fn login(t: &TestEnv, name: &str) -> RequestContext {
    with_token(&auth::login(&t.env(), &RequestContext::default(), name, PASSWORD).unwrap().access_token)
}

fn query() -> AccountQuery {
    AccountQuery::default()
}

#[test]
fn creates_reads_by_id_or_name_updates_and_deletes_an_account() {
    let t = TestEnv::new();
    let account = create(&t.env(), &t.admin(), new_account("123456")).unwrap();
    assert_eq!(
        (account.account_type, account.status, account.version),
        (AccountType::Customer, AccountStatus::Active, 1)
    );
    assert_eq!(get(&t.env(), &t.admin(), &account.id.to_string()).unwrap(), account);
    assert_eq!(get(&t.env(), &t.admin(), "123456").unwrap(), account);
    let patch = AccountPatch {
        expected_version: Some(1),
        display_name: Some(Change::Set("Acme".into())),
        ..AccountPatch::default()
    };
    let updated = update(&t.env(), &t.admin(), "123456", patch.clone()).unwrap();
    assert_eq!((updated.display_name.as_deref(), updated.version), (Some("Acme"), 2));
    assert_eq!(update(&t.env(), &t.admin(), "123456", patch), Err(Error::StaleVersion { current: 2 }));
    delete(&t.env(), &t.admin(), "123456", Some(2), false).unwrap();
    assert_eq!(get(&t.env(), &t.admin(), "123456"), Err(Error::NotFound));
}

#[test]
fn account_names_are_unique_case_insensitively_and_checked() {
    let t = TestEnv::new();
    create(&t.env(), &t.admin(), new_account("acme")).unwrap();
    assert!(matches!(create(&t.env(), &t.admin(), new_account("ACME")), Err(Error::Duplicate(_))));
    let Err(Error::Invalid(fields)) = create(&t.env(), &t.admin(), new_account("no spaces")) else { panic!() };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("name", "format"));
}

#[test]
fn lists_filter_by_type_and_name_prefix_in_name_order() {
    let t = TestEnv::new();
    for (name, kind) in [("beta", AccountType::Home), ("alpha", AccountType::Customer), ("alps", AccountType::Customer)]
    {
        create(&t.env(), &t.admin(), NewAccount { account_type: Some(kind), ..new_account(name) }).unwrap();
    }
    let q = AccountQuery { name: Some(crate::users::query::TextMatch::Prefix("al".into())), limit: 1, ..query() };
    let first = list(&t.env(), &t.admin(), &q).unwrap();
    assert_eq!(first.items[0].name, "alpha");
    let second =
        list(&t.env(), &t.admin(), &AccountQuery { start: Start::Cursor(first.next_cursor.unwrap()), ..q }).unwrap();
    assert_eq!(second.items[0].name, "alps");
    assert_eq!(second.next_cursor, None);
    let homes = list(&t.env(), &t.admin(), &AccountQuery { account_type: Some(AccountType::Home), ..query() }).unwrap();
    assert_eq!(homes.items.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["beta"]);
}

#[test]
fn deleting_an_account_with_members_needs_force_and_then_removes_them() {
    let t = TestEnv::new();
    let account = create(&t.env(), &t.admin(), new_account("acme")).unwrap();
    let user = create_user(&t, "amy");
    members::put(&t.env(), &t.admin(), &account.id.to_string(), &user.to_string(), &[], None).unwrap();
    assert_eq!(delete(&t.env(), &t.admin(), "acme", None, false), Err(Error::AccountHasMembers));
    delete(&t.env(), &t.admin(), "acme", None, true).unwrap();
    let txn = t.store.begin_read().unwrap();
    assert!(members::of_user(&*txn, user).unwrap().is_empty());
}

/// An account `name` administered by a new user `<name>-admin` through the built-in
/// account-admin role; the administrator's context.
fn administered(t: &TestEnv, name: &str) -> (Account, RequestContext) {
    let account = create(&t.env(), &t.admin(), new_account(name)).unwrap();
    let admin_name = format!("{name}-admin");
    let user = create_user(t, &admin_name);
    let roles = [roles::ACCOUNT_ADMIN.to_owned()];
    members::put(&t.env(), &t.admin(), &account.id.to_string(), &user.to_string(), &roles, None).unwrap();
    (account, login(t, &admin_name))
}

#[test]
fn an_account_admin_sees_its_own_members_and_nothing_of_another_account() {
    let t = TestEnv::new();
    let (a, admin_a) = administered(&t, "account-a");
    let (b, _) = administered(&t, "account-b");
    let in_a = create_user(&t, "in-a");
    let in_b = create_user(&t, "in-b");
    members::put(&t.env(), &t.admin(), &a.id.to_string(), &in_a.to_string(), &[], None).unwrap();
    members::put(&t.env(), &t.admin(), &b.id.to_string(), &in_b.to_string(), &[], None).unwrap();

    assert_eq!(users::get(&t.env(), &admin_a, &in_a.to_string()).unwrap().id, in_a);
    assert_eq!(users::get(&t.env(), &admin_a, &in_b.to_string()), Err(Error::NotFound));
    let listed = members::list(&t.env(), &admin_a, &a.id.to_string(), None, 50, &Start::Page(1)).unwrap();
    assert_eq!(listed.items.len(), 2, "the admin and in-a");
    assert_eq!(
        members::list(&t.env(), &admin_a, &b.id.to_string(), None, 50, &Start::Page(1)).map(|_| ()),
        Err(Error::NotFound)
    );
    assert_eq!(members::count(&t.env(), &admin_a, &b.id.to_string(), None), Err(Error::NotFound));
    assert_eq!(get(&t.env(), &admin_a, &b.id.to_string()), Err(Error::Forbidden("accounts:read".into())));
    // A user name that exists elsewhere and one that exists nowhere look the same.
    assert_eq!(users::get_by_user_name(&t.env(), &admin_a, "in-b"), Err(Error::NotFound));
    assert_eq!(users::get_by_user_name(&t.env(), &admin_a, "no-such-user"), Err(Error::NotFound));
    let attempt = members::put(&t.env(), &admin_a, &b.id.to_string(), &in_b.to_string(), &[], None);
    assert_eq!(attempt.map(|_| ()), Err(Error::NotFound));
    let invite = invitations::invite(&t.env(), &admin_a, &b.id.to_string(), "x@example.com", &[]);
    assert_eq!(invite.map(|_| ()), Err(Error::NotFound));
    // Nor does an account administrator reach beyond users and invitations.
    assert_eq!(
        users::list(&t.env(), &admin_a, &crate::users::query::Query::default()).map(|_| ()),
        Err(Error::Forbidden("users:list".into()))
    );
    let patch = crate::model::user::UserPatch {
        text: vec![(crate::model::user::TextField::City, Change::Set("Oslo".into()))],
        ..Default::default()
    };
    assert_eq!(
        users::update(&t.env(), &admin_a, &in_a.to_string(), patch).map(|_| ()),
        Err(Error::Forbidden("users:update".into()))
    );
}

#[test]
fn a_membership_that_expired_yesterday_grants_nothing_today() {
    let t = TestEnv::new();
    let account = create(&t.env(), &t.admin(), new_account("acme")).unwrap();
    let reader = roles::create(
        &t.env(),
        &t.admin(),
        NewRole { name: Some("Reader".into()), description: None, permissions: vec!["accounts:read".into()] },
    )
    .unwrap();
    let user = create_user(&t, "temp");
    let today = t.env().now().date();
    let tomorrow = crate::model::time::Millis(t.env().now().0 + 86_400_000).date();
    members::put(
        &t.env(),
        &t.admin(),
        &account.id.to_string(),
        &user.to_string(),
        std::slice::from_ref(&reader.id),
        Some(&tomorrow),
    )
    .unwrap();
    let ctx = login(&t, "temp");
    assert!(get(&t.env(), &ctx, "acme").is_ok(), "valid until tomorrow ({today} < {tomorrow})");
    t.advance(86_400);
    let ctx = login(&t, "temp");
    assert_eq!(get(&t.env(), &ctx, "acme"), Err(Error::Forbidden("accounts:read".into())));
    let admin = with_token(
        &auth::login(&t.env(), &RequestContext::default(), "admin", crate::env::testing::ADMIN_PASSWORD)
            .unwrap()
            .access_token,
    );
    let listed = members::list(&t.env(), &admin, &account.id.to_string(), None, 50, &Start::Page(1)).unwrap();
    assert!(listed.items.is_empty(), "an expired member is no longer listed");
    let txn = t.store.begin_read().unwrap();
    assert!(members::read(&*txn, account.id, user).unwrap().is_some(), "the record stays for audit");
}

#[test]
fn an_invitation_is_mailed_resent_and_accepted_once() {
    let t = TestEnv::new();
    let (account, admin_a) = administered(&t, "acme");
    let invited = invitations::invite(&t.env(), &admin_a, &account.id.to_string(), "new@example.com", &[]).unwrap();
    assert_eq!(invited.invitation_status, InvitationStatus::Pending);
    let first_token = token_in(&t.store.sent().last().unwrap().body);
    let resent =
        invitations::resend(&t.env(), &admin_a, &account.id.to_string(), &invited.user_id.to_string()).unwrap();
    assert_eq!(resent.user_id, invited.user_id);
    let second_token = token_in(&t.store.sent().last().unwrap().body);
    let stale = invitations::accept(&t.env(), &RequestContext::default(), &first_token, PASSWORD, Some("Nia"), None);
    assert!(matches!(stale, Err(Error::Invalid(ref f)) if f[0].code == "invalid_token"), "{stale:?}");
    let membership =
        invitations::accept(&t.env(), &RequestContext::default(), &second_token, PASSWORD, Some("Nia"), None).unwrap();
    assert_eq!(membership.invitation_status, InvitationStatus::Accepted);
    let nia = login(&t, "new@example.com");
    assert_eq!(auth::whoami(&t.env(), &nia).unwrap().first_name.as_deref(), Some("Nia"));
    let again = invitations::accept(&t.env(), &RequestContext::default(), &second_token, PASSWORD, None, None);
    assert!(matches!(again, Err(Error::Invalid(ref f)) if f[0].code == "invalid_token"));
}

#[test]
fn an_expired_invitation_says_so() {
    let t = TestEnv::new();
    let (account, admin_a) = administered(&t, "acme");
    invitations::invite(&t.env(), &admin_a, &account.id.to_string(), "late@example.com", &[]).unwrap();
    let token = token_in(&t.store.sent().last().unwrap().body);
    t.advance(7 * 86_400);
    let expired = invitations::accept(&t.env(), &RequestContext::default(), &token, PASSWORD, None, None);
    assert!(matches!(expired, Err(Error::Invalid(ref f)) if f[0].code == "expired_token"), "{expired:?}");
}

fn token_in(body: &str) -> String {
    body.lines().find(|l| l.len() == 43).expect("the mail carries a token").to_owned()
}

#[test]
fn a_temporary_password_reads_no_audit_record_even_with_account_rights() {
    let t = TestEnv::new();
    administered(&t, "acme");
    let admin_id = users::find_by_user_name(&*t.store.begin_read().unwrap(), "acme-admin").unwrap().unwrap().id;
    auth::reset_password(&t.env(), &t.admin(), &admin_id.to_string(), "granite willow 42").unwrap();
    let temporary = with_token(
        &auth::login(&t.env(), &RequestContext::default(), "acme-admin", "granite willow 42").unwrap().access_token,
    );
    let audit = crate::audit::list(&t.env(), &temporary, &crate::audit::AuditQuery { limit: 10, ..Default::default() });
    assert_eq!(audit.map(|_| ()), Err(Error::PasswordChangeRequired));
}

#[test]
fn an_account_admin_reads_and_changes_the_roles_of_its_members_only() {
    let t = TestEnv::new();
    let (a, admin_a) = administered(&t, "account-a");
    let (b, _) = administered(&t, "account-b");
    let in_a = create_user(&t, "in-a");
    let outsider = create_user(&t, "outsider");
    members::put(&t.env(), &t.admin(), &a.id.to_string(), &in_a.to_string(), &[], None).unwrap();
    let (a_id, in_a_id) = (a.id.to_string(), in_a.to_string());

    let member = members::get(&t.env(), &admin_a, &a_id, &in_a_id).unwrap();
    assert_eq!((member.user.id, member.membership.roles.len()), (in_a, 0));
    let roles = [roles::ACCOUNT_ADMIN.to_owned()];
    let changed = members::set_roles(&t.env(), &admin_a, &a_id, &in_a_id, &roles).unwrap();
    assert_eq!(changed.roles, roles);
    assert_eq!(members::get(&t.env(), &admin_a, &a_id, &in_a_id).unwrap().membership.roles, roles);
    // Not a member: not found, and set_roles does not make one.
    let outsider = outsider.to_string();
    assert_eq!(members::get(&t.env(), &admin_a, &a_id, &outsider).map(|_| ()), Err(Error::NotFound));
    assert_eq!(members::set_roles(&t.env(), &admin_a, &a_id, &outsider, &[]).map(|_| ()), Err(Error::NotFound));
    // Another account's members are out of reach.
    assert_eq!(members::get(&t.env(), &admin_a, &b.id.to_string(), &in_a_id).map(|_| ()), Err(Error::NotFound));
    let unknown = members::set_roles(&t.env(), &admin_a, &a_id, &in_a_id, &["no-such-role".into()]);
    let Err(Error::Invalid(fields)) = unknown else { panic!("{unknown:?}") };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("roles[0]", "unknown_role"));
}

#[test]
fn an_account_admin_sees_and_replaces_only_the_tenants_of_its_own_account() {
    use crate::users::grants::{Grants, ListChange};
    let t = TestEnv::new();
    let (a, admin_a) = administered(&t, "account-a");
    let (b, _) = administered(&t, "account-b");
    let both = create_user(&t, "both");
    for account in [&a, &b] {
        members::put(&t.env(), &t.admin(), &account.id.to_string(), &both.to_string(), &[], None).unwrap();
    }
    let user = users::get(&t.env(), &t.admin(), &both.to_string()).unwrap();
    assert_eq!(users::tenants(&t.env(), &t.admin(), &[&user]).unwrap(), [vec![a.id, b.id]]);
    assert_eq!(users::tenants(&t.env(), &admin_a, &[&user]).unwrap(), [vec![a.id]], "account-b stays hidden");
    // Replacing with an empty list takes the user out of account-a only.
    let none = Grants { tenants: ListChange::Replace(Vec::new()), ..Grants::default() };
    users::assign(&t.env(), &admin_a, &both.to_string(), &none).unwrap();
    assert_eq!(users::tenants(&t.env(), &t.admin(), &[&user]).unwrap(), [vec![b.id]]);
    // And account-b cannot be named from account-a.
    let into_b = Grants { tenants: ListChange::Replace(vec!["account-b".into()]), ..Grants::default() };
    let other = create_user(&t, "other");
    members::put(&t.env(), &t.admin(), &a.id.to_string(), &other.to_string(), &[], None).unwrap();
    assert_eq!(users::assign(&t.env(), &admin_a, &other.to_string(), &into_b).map(|_| ()), Err(Error::NotFound));
}
