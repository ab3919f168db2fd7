//! The component as a platform embedding the plugin sees it: its WIT imports and exports,
//! and its typed `roster:iam/users` exports called directly through wasmtime.

use roster_host::config::ServeConfig;
use roster_host::runtime::{EMBEDDED_COMPONENT, Runtime};
use roster_host::users::{
    Credentials, Error, NewUser, RequestContext, SortField, SortOrder, TextMatch, UserPatch, UserQuery, UserStatus,
};
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

const ADMIN_PASSWORD: &str = "correct horse battery staple";

fn anonymous() -> RequestContext {
    RequestContext { credentials: None, account: None, correlation_id: "component-test".into() }
}

/// Bootstrap an administrator through the typed `auth` export and log in: the context
/// every typed call then carries, as a platform embedding the plugin would.
async fn admin(runtime: &Runtime) -> RequestContext {
    let created = runtime.auth().bootstrap(&anonymous(), "admin", ADMIN_PASSWORD, false).await.unwrap().unwrap();
    assert!(created);
    let token = runtime.auth().login(&anonymous(), "admin", ADMIN_PASSWORD).await.unwrap().unwrap();
    RequestContext { credentials: Some(Credentials::Bearer(token.access_token)), ..anonymous() }
}

fn new_user(name: &str) -> NewUser {
    NewUser::named(name, format!("{name}@example.com"))
}

fn empty_patch() -> UserPatch {
    UserPatch::default()
}

/// A runtime on a fresh temp data dir, opened off the async workers as it blocks.
async fn runtime(dir: &tempfile::TempDir) -> Runtime {
    let config = ServeConfig::new(([127, 0, 0, 1], 0).into(), dir.path());
    tokio::task::spawn_blocking(move || Runtime::open(&config)).await.unwrap().expect("the runtime opens")
}

#[test]
fn the_component_imports_store_and_crypto_and_exports_users_and_wasi_http() {
    let engine = Engine::new(&Config::new()).unwrap();
    let component = Component::new(&engine, EMBEDDED_COMPONENT).unwrap();
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(&engine).map(|(name, _)| name.to_owned()).collect();
    let exports: Vec<String> = ty.exports(&engine).map(|(name, _)| name.to_owned()).collect();
    for wanted in ["roster:iam/store@0.1.0", "roster:iam/crypto@0.1.0"] {
        assert!(imports.iter().any(|i| i == wanted), "{wanted} not in {imports:?}");
    }
    for wanted in ["roster:iam/users@0.1.0", "wasi:http/incoming-handler@0.2.12"] {
        assert!(exports.iter().any(|e| e == wanted), "{wanted} not in {exports:?}");
    }
    // The sandbox: no filesystem, sockets or outgoing HTTP are even asked for.
    for forbidden in ["wasi:filesystem", "wasi:sockets", "wasi:http/outgoing-handler"] {
        assert!(!imports.iter().any(|i| i.starts_with(forbidden)), "{forbidden} imported: {imports:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_exports_create_read_update_list_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir).await;
    let ctx = admin(&runtime).await;
    let users = runtime.users();
    let mut input = new_user("typed");
    input.timezone = Some("GMT+1.0DST1".into());
    let created = users.create(&ctx, &input).await.unwrap().unwrap();
    assert_eq!(created.timezone.as_deref(), Some("Europe/Paris"));
    assert_eq!(created.status, UserStatus::Active);

    let by_name = users.get_by_user_name(&ctx, "TYPED").await.unwrap().unwrap();
    assert_eq!(by_name.id, created.id);

    let mut patch = empty_patch();
    patch.expected_version = Some(1);
    patch.city = Some(Some("Lyon".into()));
    let updated = users.update(&ctx, &created.id, &patch).await.unwrap().unwrap();
    assert_eq!((updated.city.as_deref(), updated.version), (Some("Lyon"), 2));

    let stale = users.update(&ctx, &created.id, &patch).await.unwrap();
    assert!(matches!(stale, Err(Error::StaleVersion(2))), "{stale:?}");

    let query = UserQuery {
        user_name: Some(TextMatch::Prefix("ty".into())),
        email: None,
        display_name: None,
        status: Some(UserStatus::Active),
        sort: SortField::UserName,
        order: SortOrder::Asc,
        limit: 10,
        page: None,
        cursor: None,
    };
    let page = users.list(&ctx, &query).await.unwrap().unwrap();
    assert_eq!(page.items.len(), 1);

    users.delete(&ctx, &created.id, Some(2)).await.unwrap().unwrap();
    let gone = users.get(&ctx, &created.id).await.unwrap();
    assert!(matches!(gone, Err(Error::NotFound)), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_exports_name_every_invalid_field() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir).await;
    let ctx = admin(&runtime).await;
    let mut input = new_user("bad name");
    input.email = "nope".into();
    input.country = Some("XX".into());
    let Err(Error::Invalid(fields)) = runtime.users().create(&ctx, &input).await.unwrap() else {
        panic!("expected invalid input")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["email", "userName", "country"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_checks_each_user_without_credentials_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir).await;
    let ctx = admin(&runtime).await;
    let mut good = new_user("checked");
    good.country = Some("FR".into());
    let mut bad = new_user("bad name");
    bad.email = "nope".into();
    let results = runtime.users().validate(&[good, bad]).await.unwrap();
    assert_eq!(results.len(), 2);
    let record: serde_json::Value = serde_json::from_str(results[0].as_ref().expect("a valid user")).unwrap();
    assert_eq!((record["userName"].as_str(), record["country"].as_str()), (Some("checked"), Some("FR")));
    assert_eq!(record["version"], 1);
    let Err(Error::Invalid(fields)) = &results[1] else { panic!("expected invalid input: {:?}", results[1]) };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["email", "userName"]);
    // Nothing was stored: the checked user name is still free.
    let missing = runtime.users().get_by_user_name(&ctx, "checked").await.unwrap();
    assert!(matches!(missing, Err(Error::NotFound)), "{missing:?}");
    assert!(runtime.users().validate(&[]).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_exports_refuse_a_user_name_taken_in_another_case() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir).await;
    let ctx = admin(&runtime).await;
    let users = runtime.users();
    users.create(&ctx, &new_user("first")).await.unwrap().unwrap();
    let mut clash = new_user("FIRST");
    clash.email = "other@example.com".into();
    let Err(Error::Duplicate(fields)) = users.create(&ctx, &clash).await.unwrap() else { panic!("expected duplicate") };
    assert_eq!(fields[0].field, "userName");
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_exports_refuse_a_call_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime(&dir).await;
    admin(&runtime).await;
    let outcome = runtime.users().create(&anonymous(), &new_user("sneaky")).await.unwrap();
    assert!(matches!(outcome, Err(Error::Unauthenticated)), "{outcome:?}");
    let forged = RequestContext { credentials: Some(Credentials::Bearer("forged".into())), ..anonymous() };
    let outcome = runtime.users().get_by_user_name(&forged, "admin").await.unwrap();
    assert!(matches!(outcome, Err(Error::Unauthenticated)), "{outcome:?}");
}
