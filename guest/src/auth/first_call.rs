//! The first administrator of a runtime that cannot call `auth.bootstrap` at start-up (the
//! standalone composition, run by `wasmtime serve` or jco): the first call that finds no
//! user creates the administrator the runtime configured, before it is served.

use crate::context::RequestContext;
use crate::env::Env;
use crate::error::Error;
use crate::users;

/// The correlation id of the bootstrap, in audit records.
const CORRELATION_ID: &str = "bootstrap";

/// The administrator a runtime configured, with the operator's password.
#[derive(Clone, PartialEq, Eq)]
pub struct Administrator {
    /// Its user name.
    pub user_name: String,
    /// Its password; never a default.
    pub password: String,
}

impl std::fmt::Debug for Administrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Administrator").field("user_name", &self.user_name).finish_non_exhaustive()
    }
}

/// Create `admin` if one is configured and the store has no user yet; true if it did.
/// Without a configured administrator nothing happens (Roster's own host bootstraps at
/// start-up), and once any user exists the check is one read, without hashing.
pub fn bootstrap_on_first_call(env: &Env, admin: Option<&Administrator>) -> Result<bool, Error> {
    let Some(admin) = admin else { return Ok(false) };
    if env.read(users::any)? {
        return Ok(false);
    }
    let ctx = RequestContext { correlation_id: CORRELATION_ID.into(), ..RequestContext::default() };
    super::bootstrap(env, &ctx, &admin.user_name, &admin.password, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::testing::{ADMIN_PASSWORD, TestEnv};

    fn admin(password: &str) -> Administrator {
        Administrator { user_name: "root".into(), password: password.into() }
    }

    #[test]
    fn without_a_configured_administrator_nothing_is_created() {
        let test = TestEnv::new();
        assert_eq!(bootstrap_on_first_call(&test.env(), None), Ok(false));
        assert!(test.store.is_empty());
    }

    #[test]
    fn the_first_call_on_an_empty_store_creates_the_administrator_who_can_log_in() {
        let test = TestEnv::new();
        assert_eq!(bootstrap_on_first_call(&test.env(), Some(&admin(ADMIN_PASSWORD))), Ok(true));
        let token = crate::auth::login(&test.env(), &RequestContext::default(), "root", ADMIN_PASSWORD);
        assert!(token.is_ok(), "{token:?}");
    }

    #[test]
    fn later_calls_create_nothing() {
        let test = TestEnv::new();
        assert_eq!(bootstrap_on_first_call(&test.env(), Some(&admin(ADMIN_PASSWORD))), Ok(true));
        let keys = test.store.len();
        assert_eq!(bootstrap_on_first_call(&test.env(), Some(&admin("another long password"))), Ok(false));
        assert_eq!(test.store.len(), keys);
        let refused = crate::auth::login(&test.env(), &RequestContext::default(), "root", "another long password");
        assert_eq!(refused, Err(Error::Unauthenticated));
    }

    #[test]
    fn a_store_that_has_users_gets_no_administrator() {
        let test = TestEnv::new();
        test.admin();
        let keys = test.store.len();
        assert_eq!(bootstrap_on_first_call(&test.env(), Some(&admin(ADMIN_PASSWORD))), Ok(false));
        assert_eq!(test.store.len(), keys);
    }

    #[test]
    fn a_password_the_policy_refuses_creates_nothing() {
        let test = TestEnv::new();
        let refused = bootstrap_on_first_call(&test.env(), Some(&admin("short")));
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
        assert!(!test.env().read(users::any).unwrap());
    }

    #[test]
    fn debug_output_hides_the_password() {
        assert!(!format!("{:?}", admin(ADMIN_PASSWORD)).contains("horse"));
    }
}
