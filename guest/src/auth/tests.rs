use super::*;
use crate::env::testing::{ADMIN_PASSWORD, TestEnv, with_token};
use crate::model::user::NewUser;
use crate::store::Store;

const JANE_PASSWORD: &str = "tulip marble ocean";

fn anonymous() -> RequestContext {
    RequestContext::default()
}

/// An environment with an administrator and a user `jane` who has a password.
fn with_jane() -> (TestEnv, User) {
    let t = TestEnv::new();
    let input = NewUser {
        user_name: Some("jane".into()),
        email: Some("jane@example.com".into()),
        password: Some(JANE_PASSWORD.into()),
        ..NewUser::default()
    };
    let jane = users::create(&t.env(), &t.admin(), input).unwrap();
    (t, jane)
}

fn login_jane(t: &TestEnv, password: &str) -> Result<AccessToken, Error> {
    login(&t.env(), &anonymous(), "jane", password)
}

#[test]
fn a_login_token_identifies_the_user_until_logout() {
    let (t, jane) = with_jane();
    let token = login_jane(&t, JANE_PASSWORD).unwrap();
    assert_eq!((token.token_type, token.expires_in), ("Bearer", 3600));
    let ctx = with_token(&token.access_token);
    assert_eq!(whoami(&t.env(), &ctx).unwrap().id, jane.id);
    logout(&t.env(), &ctx).unwrap();
    assert_eq!(whoami(&t.env(), &ctx), Err(Error::Unauthenticated));
}

#[test]
fn the_store_keeps_only_the_digest_of_a_token() {
    let (t, _) = with_jane();
    let token = login_jane(&t, JANE_PASSWORD).unwrap();
    let txn = t.store.begin_read().unwrap();
    let everything = txn.scan(&KeyRange::prefix(b""), 100_000, crate::store::Direction::Forward).unwrap();
    let needle = token.access_token.as_bytes();
    assert!(
        everything.iter().all(
            |(k, v)| !k.windows(needle.len()).any(|w| w == needle) && !v.windows(needle.len()).any(|w| w == needle)
        )
    );
}

#[test]
fn a_token_stops_working_when_it_expires() {
    let (t, _) = with_jane();
    let ctx = with_token(&login_jane(&t, JANE_PASSWORD).unwrap().access_token);
    t.advance(3599);
    assert!(whoami(&t.env(), &ctx).is_ok());
    t.advance(1);
    assert_eq!(whoami(&t.env(), &ctx), Err(Error::Unauthenticated));
}

#[test]
fn unknown_users_wrong_passwords_and_locked_users_get_the_same_answer() {
    let (t, _) = with_jane();
    assert_eq!(login(&t.env(), &anonymous(), "nobody", JANE_PASSWORD), Err(Error::Unauthenticated));
    assert_eq!(login_jane(&t, "wrong password"), Err(Error::Unauthenticated));
}

#[test]
fn ten_failures_lock_the_user_even_against_the_right_password_until_the_lock_ends() {
    let (t, jane) = with_jane();
    for _ in 0..10 {
        assert_eq!(login_jane(&t, "wrong password"), Err(Error::Unauthenticated));
    }
    assert_eq!(login_jane(&t, JANE_PASSWORD), Err(Error::Unauthenticated));
    let state = lock_state(&t.env(), &t.admin(), &jane.id.to_string()).unwrap();
    assert!(state.is_locked(t.env().now().0));
    t.advance(60);
    assert!(login_jane(&t, JANE_PASSWORD).is_ok());
    assert_eq!(lock_state(&t.env(), &t.admin(), &jane.id.to_string()).unwrap(), LockState::default());
}

#[test]
fn an_administrator_can_clear_a_lock() {
    let (t, jane) = with_jane();
    for _ in 0..10 {
        let _ = login_jane(&t, "wrong password");
    }
    unlock(&t.env(), &t.admin(), &jane.id.to_string()).unwrap();
    assert!(login_jane(&t, JANE_PASSWORD).is_ok());
}

#[test]
fn a_temporary_password_allows_nothing_but_changing_it() {
    let (t, jane) = with_jane();
    reset_password(&t.env(), &t.admin(), &jane.id.to_string(), "granite willow 42").unwrap();
    assert_eq!(login_jane(&t, JANE_PASSWORD), Err(Error::Unauthenticated));
    let ctx = with_token(&login_jane(&t, "granite willow 42").unwrap().access_token);
    assert_eq!(whoami(&t.env(), &ctx), Err(Error::PasswordChangeRequired));
    assert_eq!(users::get(&t.env(), &ctx, &jane.id.to_string()), Err(Error::PasswordChangeRequired));
    change_password(&t.env(), &ctx, "granite willow 42", "harbour lantern 7").unwrap();
    // The change ended every session, this one included.
    assert_eq!(whoami(&t.env(), &ctx), Err(Error::Unauthenticated));
    let ctx = with_token(&login_jane(&t, "harbour lantern 7").unwrap().access_token);
    assert_eq!(whoami(&t.env(), &ctx).unwrap().id, jane.id);
}

#[test]
fn changing_a_password_needs_the_current_one_and_a_good_new_one() {
    let (t, _) = with_jane();
    let ctx = with_token(&login_jane(&t, JANE_PASSWORD).unwrap().access_token);
    let Err(Error::Invalid(fields)) = change_password(&t.env(), &ctx, "wrong", "harbour lantern 7") else { panic!() };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("currentPassword", "incorrect"));
    let Err(Error::Invalid(fields)) = change_password(&t.env(), &ctx, JANE_PASSWORD, "password1") else { panic!() };
    assert_eq!((fields[0].field.as_str(), fields[0].code), ("newPassword", "common"));
}

#[test]
fn the_lost_password_flow_mails_a_single_use_token() {
    let (t, _) = with_jane();
    let old_session = with_token(&login_jane(&t, JANE_PASSWORD).unwrap().access_token);
    request_password_reset(&t.env(), &anonymous(), "JANE@example.com").unwrap();
    let mail = t.store.sent();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, "jane@example.com");
    let token = mail[0].body.lines().find(|l| l.len() == 43).expect("the mail carries the token").to_owned();
    reset_password_with_token(&t.env(), &anonymous(), &token, "harbour lantern 7").unwrap();
    assert!(login_jane(&t, "harbour lantern 7").is_ok());
    assert_eq!(whoami(&t.env(), &old_session), Err(Error::Unauthenticated));
    let Err(Error::Invalid(fields)) = reset_password_with_token(&t.env(), &anonymous(), &token, "another good one")
    else {
        panic!()
    };
    assert_eq!(fields[0].code, "invalid_token");
}

#[test]
fn an_expired_reset_token_says_so() {
    let (t, _) = with_jane();
    request_password_reset(&t.env(), &anonymous(), "jane@example.com").unwrap();
    let token = t.store.sent()[0].body.lines().find(|l| l.len() == 43).unwrap().to_owned();
    t.advance(1800);
    let Err(Error::Invalid(fields)) = reset_password_with_token(&t.env(), &anonymous(), &token, "harbour lantern 7")
    else {
        panic!()
    };
    assert_eq!(fields[0].code, "expired_token");
}

#[test]
fn a_reset_request_for_an_unknown_address_succeeds_and_sends_nothing() {
    let (t, _) = with_jane();
    request_password_reset(&t.env(), &anonymous(), "nobody@example.com").unwrap();
    assert!(t.store.sent().is_empty());
}

#[test]
fn an_api_key_is_exchanged_for_a_token_until_it_is_revoked() {
    let (t, jane) = with_jane();
    let me = with_token(&login_jane(&t, JANE_PASSWORD).unwrap().access_token);
    let key = api_keys::create(&t.env(), &me, &jane.id.to_string(), Some("ci")).unwrap();
    assert_eq!(api_keys::list(&t.env(), &me, &jane.id.to_string()).unwrap(), std::slice::from_ref(&key.key));
    let token = exchange_client_credentials(&t.env(), &anonymous(), &key.client_id, &key.client_secret).unwrap();
    let machine = with_token(&token.access_token);
    assert_eq!(whoami(&t.env(), &machine).unwrap().id, jane.id);
    assert_eq!(
        exchange_client_credentials(&t.env(), &anonymous(), &key.client_id, "wrong"),
        Err(Error::Unauthenticated)
    );
    api_keys::revoke(&t.env(), &me, &jane.id.to_string(), &key.key.id).unwrap();
    assert_eq!(whoami(&t.env(), &machine), Err(Error::Unauthenticated));
}

#[test]
fn a_user_cannot_manage_another_users_keys() {
    let (t, _) = with_jane();
    let me = with_token(&login_jane(&t, JANE_PASSWORD).unwrap().access_token);
    let admin_id = whoami(&t.env(), &t.admin()).unwrap().id.to_string();
    assert_eq!(
        api_keys::create(&t.env(), &me, &admin_id, None).map(|_| ()),
        Err(Error::Forbidden("api-keys:manage".into()))
    );
}

#[test]
fn bootstrap_creates_one_administrator_only_in_an_empty_store() {
    let t = TestEnv::new();
    assert_eq!(bootstrap(&t.env(), &anonymous(), "root", ADMIN_PASSWORD, false), Ok(true));
    assert_eq!(bootstrap(&t.env(), &anonymous(), "other", ADMIN_PASSWORD, false), Ok(false));
    let token = login(&t.env(), &anonymous(), "root", ADMIN_PASSWORD).unwrap();
    let root = caller(&t.env(), &with_token(&token.access_token)).unwrap();
    assert_eq!(root.permissions.len(), Permission::ALL.len());
}

#[test]
fn bootstrap_refuses_a_weak_password() {
    let t = TestEnv::new();
    assert!(matches!(bootstrap(&t.env(), &anonymous(), "root", "password", false), Err(Error::Invalid(_))));
}

#[test]
fn a_temporary_bootstrap_password_must_be_changed_first() {
    let t = TestEnv::new();
    bootstrap(&t.env(), &anonymous(), "root", ADMIN_PASSWORD, true).unwrap();
    let ctx = with_token(&login(&t.env(), &anonymous(), "root", ADMIN_PASSWORD).unwrap().access_token);
    assert_eq!(caller(&t.env(), &ctx).map(|c| c.password_change_required), Ok(true));
}

#[test]
fn disabling_a_user_ends_their_sessions() {
    let (t, jane) = with_jane();
    let ctx = with_token(&login_jane(&t, JANE_PASSWORD).unwrap().access_token);
    let patch = crate::model::user::UserPatch { status: Some(UserStatus::Inactive), ..Default::default() };
    users::update(&t.env(), &t.admin(), &jane.id.to_string(), patch).unwrap();
    let patch = crate::model::user::UserPatch { status: Some(UserStatus::Active), ..Default::default() };
    users::update(&t.env(), &t.admin(), &jane.id.to_string(), patch).unwrap();
    assert_eq!(whoami(&t.env(), &ctx), Err(Error::Unauthenticated));
}

#[test]
fn a_realm_scopes_the_lost_password_flow_to_the_accounts_members() {
    let (t, jane) = with_jane();
    let env = t.env();
    let admin = t.admin();
    let new_account = |name: &str| crate::model::account::NewAccount { name: Some(name.into()), ..Default::default() };
    let acme = crate::accounts::create(&env, &admin, new_account("acme")).unwrap();
    crate::accounts::create(&env, &admin, new_account("beta")).unwrap();
    request_password_reset_in(&env, &anonymous(), "jane@example.com", Some("acme")).unwrap();
    assert!(t.store.sent().is_empty(), "jane is no member of acme yet");
    crate::accounts::members::put(&env, &admin, &acme.id.to_string(), &jane.id.to_string(), &[], None).unwrap();
    request_password_reset_in(&env, &anonymous(), "jane@example.com", Some("acme")).unwrap();
    let token = t.store.sent()[0].body.lines().find(|l| l.len() == 43).unwrap().to_owned();
    let Err(Error::Invalid(fields)) =
        reset_password_with_token_in(&env, &anonymous(), &token, "harbour lantern 7", Some("beta"))
    else {
        panic!("another realm's reset must fail")
    };
    assert_eq!(fields[0].code, "invalid_token");
    reset_password_with_token_in(&env, &anonymous(), &token, "harbour lantern 7", Some("acme")).unwrap();
    assert!(login_jane(&t, "harbour lantern 7").is_ok());
}
