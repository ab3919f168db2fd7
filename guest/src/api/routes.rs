//! The table of every route the API serves, surface by surface: the one list that the
//! `Allow` header of a 405, the route template in logs and metrics, and the OpenAPI drift
//! test are all read from. Dispatch itself stays a `match` per surface; a debug assertion in
//! [`super::handle`] fails any test that reaches a route missing from this table.

/// A route: the upper-case method and the path template (`/api/v1/users/{id}`).
pub type Route = (&'static str, &'static str);

/// Every surface's routes.
pub const SURFACES: &[&[Route]] = &[
    NATIVE,
    super::user_management::ROUTES,
    super::account_users::ROUTES,
    super::flexnet::ROUTES,
    super::users_v1::ROUTES,
];

/// The native API, under `/api/v1`, with the RFC 6749 token endpoint.
pub const NATIVE: &[Route] = &[
    ("GET", "/openapi.json"),
    ("POST", "/oauth/token"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password/lost"),
    ("POST", "/api/v1/auth/password/reset"),
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/me/password"),
    ("GET", "/api/v1/permissions"),
    ("GET", "/api/v1/audit"),
    ("POST", "/api/v1/roles"),
    ("GET", "/api/v1/roles"),
    ("GET", "/api/v1/roles/{id}"),
    ("PATCH", "/api/v1/roles/{id}"),
    ("DELETE", "/api/v1/roles/{id}"),
    ("POST", "/api/v1/invitations/accept"),
    ("POST", "/api/v1/attribute-definitions"),
    ("GET", "/api/v1/attribute-definitions"),
    ("DELETE", "/api/v1/attribute-definitions/{name}"),
    ("POST", "/api/v1/accounts"),
    ("GET", "/api/v1/accounts"),
    ("GET", "/api/v1/accounts/{id}"),
    ("PATCH", "/api/v1/accounts/{id}"),
    ("DELETE", "/api/v1/accounts/{id}"),
    ("GET", "/api/v1/accounts/{id}/members"),
    ("PUT", "/api/v1/accounts/{id}/members/{userId}"),
    ("DELETE", "/api/v1/accounts/{id}/members/{userId}"),
    ("POST", "/api/v1/accounts/{id}/invitations"),
    ("POST", "/api/v1/accounts/{id}/invitations/{userId}/resend"),
    ("DELETE", "/api/v1/accounts/{id}/invitations/{userId}"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/users/recap"),
    ("GET", "/api/v1/users/{id}"),
    ("PATCH", "/api/v1/users/{id}"),
    ("DELETE", "/api/v1/users/{id}"),
    ("PATCH", "/api/v1/users/{id}/roles"),
    ("GET", "/api/v1/users/{id}/permissions"),
    ("POST", "/api/v1/users/{id}/password-reset"),
    ("GET", "/api/v1/users/{id}/lock"),
    ("DELETE", "/api/v1/users/{id}/lock"),
    ("POST", "/api/v1/users/{id}/api-keys"),
    ("GET", "/api/v1/users/{id}/api-keys"),
    ("DELETE", "/api/v1/users/{id}/api-keys/{key}"),
];

/// Every route of every surface.
pub fn all() -> impl Iterator<Item = Route> {
    SURFACES.iter().flat_map(|routes| routes.iter().copied())
}

/// How well `template` matches the path `segments`: `None` when it does not, else the number
/// of literal segments, so that `/users/recap` wins over `/users/{id}`.
fn score(template: &str, segments: &[&str]) -> Option<usize> {
    let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literal = 0;
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') {
            if segment.is_empty() {
                return None;
            }
        } else if part == segment {
            literal += 1;
        } else {
            return None;
        }
    }
    Some(literal)
}

/// The template of the best-matching route for this path, whatever its method.
pub fn template(segments: &[&str]) -> Option<&'static str> {
    all().filter_map(|(_, path)| score(path, segments).map(|s| (s, path))).max_by_key(|(s, _)| *s).map(|(_, p)| p)
}

/// The route serving `method` on this path.
pub fn find(method: &str, segments: &[&str]) -> Option<Route> {
    let path = template(segments)?;
    all().find(|route| route.0 == method && route.1 == path)
}

/// The methods this path takes, for the `Allow` header of a 405; `None` when no route has it.
pub fn allowed(segments: &[&str]) -> Option<String> {
    let path = template(segments)?;
    let methods: Vec<&str> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter(|method| all().any(|route| route == (*method, path)))
        .collect();
    Some(methods.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_hide_ids_and_prefer_literal_segments() {
        assert_eq!(template(&["api", "v1", "users", "0196"]), Some("/api/v1/users/{id}"));
        assert_eq!(template(&["api", "v1", "users", "recap"]), Some("/api/v1/users/recap"));
        assert_eq!(
            template(&["api", "v1", "users", "0196", "api-keys", "k1"]),
            Some("/api/v1/users/{id}/api-keys/{key}")
        );
        assert_eq!(template(&["wp-admin", "x"]), None);
        assert_eq!(template(&["api", "v1", "users", ""]), None);
    }

    #[test]
    fn allowed_lists_every_method_of_a_path() {
        assert_eq!(allowed(&["api", "v1", "users", "0196", "lock"]).as_deref(), Some("GET, DELETE"));
        assert_eq!(allowed(&["api", "v1", "me"]).as_deref(), Some("GET"));
        assert_eq!(allowed(&["nowhere"]), None);
    }

    #[test]
    fn no_route_is_listed_twice() {
        let routes: Vec<Route> = all().collect();
        for (i, route) in routes.iter().enumerate() {
            assert!(!routes[..i].contains(route), "{route:?} is listed twice");
        }
    }
}
