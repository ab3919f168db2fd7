//! The first administrator of a standalone run, from the environment the runtime passes
//! (`wasmtime serve --env`, or Node's own environment under jco), with the host's variable
//! names. Without a password there is none: never a default password.

/// The administrator's user name; `admin` when unset.
pub const USER_VAR: &str = "ROSTER_BOOTSTRAP_ADMIN_USER";
/// The administrator's password; without it no administrator is created.
pub const PASSWORD_VAR: &str = "ROSTER_BOOTSTRAP_ADMIN_PASSWORD";
/// The user name when [`USER_VAR`] is unset or empty.
pub const DEFAULT_USER: &str = "admin";

/// The administrator to create on the first call that finds no user.
#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapAdmin {
    /// Its user name.
    pub user_name: String,
    /// Its password, as the operator set it.
    pub password: String,
}

impl std::fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapAdmin").field("user_name", &self.user_name).finish_non_exhaustive()
    }
}

/// The administrator `lookup` (an environment reader) configures, if any.
pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Option<BootstrapAdmin> {
    let password = lookup(PASSWORD_VAR).filter(|password| !password.is_empty())?;
    let user_name = lookup(USER_VAR).filter(|name| !name.trim().is_empty()).unwrap_or_else(|| DEFAULT_USER.into());
    Some(BootstrapAdmin { user_name, password })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn no_password_means_no_administrator() {
        assert_eq!(from_env(env(&[])), None);
        assert_eq!(from_env(env(&[(USER_VAR, "root")])), None);
        assert_eq!(from_env(env(&[(PASSWORD_VAR, "")])), None);
    }

    #[test]
    fn the_password_alone_names_admin() {
        let admin = from_env(env(&[(PASSWORD_VAR, "correct horse")])).unwrap();
        assert_eq!((admin.user_name.as_str(), admin.password.as_str()), ("admin", "correct horse"));
    }

    #[test]
    fn the_user_name_is_taken_when_given() {
        let admin = from_env(env(&[(USER_VAR, "root"), (PASSWORD_VAR, "correct horse")])).unwrap();
        assert_eq!(admin.user_name, "root");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let admin = from_env(env(&[(PASSWORD_VAR, "correct horse")])).unwrap();
        assert!(!format!("{admin:?}").contains("correct"));
    }
}
