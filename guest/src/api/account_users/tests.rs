use serde_json::{Value, json};

use crate::api::{Request, Response, handle};
use crate::env::testing::TestEnv;

fn send(
    t: &TestEnv,
    token: Option<&str>,
    method: &str,
    target: &str,
    account: Option<&str>,
    body: Option<Value>,
) -> Response {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    if let Some(token) = token {
        headers.push(("authorization".to_owned(), format!("Bearer {token}")));
    }
    if let Some(account) = account {
        headers.push(("x-account-id".to_owned(), account.to_owned()));
    }
    if body.is_some() {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    let body = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
    handle(&t.env(), &Request { method: method.into(), path: path.into(), query: query.into(), headers, body })
}

fn admin_token(t: &TestEnv) -> String {
    let Some(crate::context::Credentials::Bearer(token)) = t.admin().credentials else { unreachable!() };
    token
}

fn body(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn account(t: &TestEnv, name: &str) -> String {
    let response = send(t, Some(&admin_token(t)), "POST", "/api/v1/accounts", None, Some(json!({"name": name})));
    body(&response)["id"].as_str().unwrap().to_owned()
}

#[test]
fn the_account_header_is_required_and_named_after_credentials_are_checked() {
    let t = TestEnv::new();
    let id = account(&t, "acme");
    assert_eq!(send(&t, None, "GET", "/v1/account/users", None, None).status, 401);
    let missing = send(&t, Some(&admin_token(&t)), "GET", "/v1/account/users", None, None);
    assert_eq!((missing.status, body(&missing)["errors"][0]["field"].as_str()), (400, Some("x-account-id")));
    let malformed = send(&t, Some(&admin_token(&t)), "GET", "/v1/account/users", Some("acme"), None);
    assert_eq!(body(&malformed)["errors"][0]["code"], "format");
    assert_eq!(send(&t, Some(&admin_token(&t)), "GET", "/v1/account/users", Some(&id), None).status, 200);
}

#[test]
fn invitations_list_as_pending_users_paged_by_from_and_take() {
    let t = TestEnv::new();
    let id = account(&t, "acme");
    let token = admin_token(&t);
    for n in 0..3 {
        let sample = json!({"emailAddress": format!("u{n}@example.com"), "roles": ["account-admin"]});
        let invited = send(&t, Some(&token), "POST", "/v1/account/invitation/invite", Some(&id), Some(sample));
        assert_eq!(invited.status, 201);
        assert_eq!(body(&invited)["invitationStatus"], "Pending");
    }
    let page = body(&send(&t, Some(&token), "GET", "/v1/account/users?from=2&take=2", Some(&id), None));
    assert_eq!(
        (&page["currentPage"], &page["pageCount"], &page["pageSize"], &page["rowCount"]),
        (&json!(1), &json!(2), &json!(2), &json!(3))
    );
    let user = &page["results"][0];
    assert_eq!((user["emailAddress"].as_str(), user["isSsoUser"].as_bool()), (Some("u2@example.com"), Some(false)));
    let bad = send(&t, Some(&token), "GET", "/v1/account/users?take=0", Some(&id), None);
    assert_eq!(body(&bad)["errors"][0]["field"], "take");
}

#[test]
fn a_caller_without_rights_in_the_named_account_gets_403_whether_it_exists_or_not() {
    let t = TestEnv::new();
    let id = account(&t, "acme");
    let env = t.env();
    let input = crate::model::user::NewUser {
        user_name: Some("amy".into()),
        email: Some("amy@example.com".into()),
        password: Some("velvet comet 99".into()),
        ..Default::default()
    };
    crate::users::create(&env, &t.admin(), input).unwrap();
    let token = crate::auth::login(&env, &Default::default(), "amy", "velvet comet 99").unwrap().access_token;
    let foreign = send(&t, Some(&token), "GET", "/v1/account/users", Some(&id), None);
    assert_eq!((foreign.status, body(&foreign)["code"].as_str()), (403, Some("forbidden")));
    let none = send(&t, Some(&token), "GET", "/v1/account/users", Some(&uuid::Uuid::now_v7().to_string()), None);
    assert_eq!(none.status, 403);
}
