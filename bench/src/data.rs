//! The data set: synthetic users, written as the JSON Lines file `roster import` reads, or
//! created over HTTP when the binary has no import.
//!
//! User `i` is `<name><i>` with email `<name><i>@example.com`, where `<name>` cycles through
//! ten first names, so an email prefix such as `ann` selects a tenth of the users; one in seven
//! is inactive.

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::load::{self, Stop};

const NAMES: [&str; 10] = ["ann", "bob", "cid", "dee", "eve", "fay", "gus", "hal", "ivy", "jon"];

/// The email prefix the search scenario filters on: one user in ten.
pub const SEARCH_PREFIX: &str = "ann";

/// The native API's JSON for user `i` of the data set.
pub fn user(i: u64) -> Value {
    let name = NAMES[(i % 10) as usize];
    let user_name = format!("{name}{i:07}");
    let mut first = name.to_owned();
    first[..1].make_ascii_uppercase();
    json!({
        "userName": user_name,
        "email": format!("{user_name}@example.com"),
        "firstName": first,
        "lastName": format!("L{i}"),
        "displayName": format!("{first} L{i}"),
        "status": if i.is_multiple_of(7) { "inactive" } else { "active" },
    })
}

/// Users of the data set that the search filter (`status=active`, email prefix) matches,
/// among the first `n`.
pub fn search_matches(n: u64) -> u64 {
    (0..n).filter(|i| i % 10 == 0 && i % 7 != 0).count() as u64
}

/// Write users `0..n` as `roster import` JSON Lines, each with `password_hash`.
pub fn write_import_file(path: &Path, n: u64, password_hash: &str) -> anyhow::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for i in 0..n {
        // An import line is an exported record: it names its id, timestamps and version.
        let mut line = user(i);
        line["type"] = json!("user");
        line["id"] = json!(format!("0190a3f0-0000-7000-8000-{i:012x}"));
        line["canLogin"] = json!(true);
        line["shared"] = json!(false);
        line["optIn"] = json!(false);
        line["attributes"] = json!([]);
        line["createdAt"] = json!("2026-01-01T00:00:00.000Z");
        line["updatedAt"] = json!("2026-01-01T00:00:00.000Z");
        line["version"] = json!(1);
        line["passwordHash"] = json!(password_hash);
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Create users `0..n` with `POST /api/v1/users` on `concurrency` connections; how long it
/// took, in seconds.
pub async fn load_over_http(addr: SocketAddr, token: &str, n: u64, concurrency: usize) -> anyhow::Result<f64> {
    let token: Arc<str> = token.into();
    let make: load::MakeRequest = Arc::new(move |i| {
        let body = serde_json::to_vec(&user(i)).expect("JSON serializes");
        load::request("POST", "/api/v1/users", Some(&token), Some(body))
    });
    let measured = load::run(addr, concurrency, Stop::Count(n), hyper::StatusCode::CREATED, make).await;
    if measured.errors > 0 {
        anyhow::bail!(
            "{} of {n} users could not be created: {}",
            measured.errors,
            measured.first_error.unwrap_or_default()
        );
    }
    Ok(measured.elapsed.as_secs_f64())
}

/// Ids of up to `n` users, oldest first, read page by page through the list API.
pub async fn user_ids(addr: SocketAddr, token: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    let mut cursor: Option<String> = None;
    while ids.len() < n {
        let mut path = String::from("/api/v1/users?limit=1000&fields=id&sort=createdAt");
        if let Some(cursor) = &cursor {
            path.push_str("&cursor=");
            path.push_str(cursor);
        }
        let (status, body) = load::send(addr, load::request("GET", &path, Some(token), None)).await?;
        anyhow::ensure!(status.is_success(), "listing users: {status} {}", String::from_utf8_lossy(&body));
        let page: Value = serde_json::from_slice(&body)?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        ids.extend(items.iter().filter_map(|item| item["id"].as_str().map(str::to_owned)));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    ids.truncate(n);
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_unique_and_a_tenth_share_the_search_prefix() {
        let names: std::collections::HashSet<String> =
            (0..1000).map(|i| user(i)["userName"].as_str().unwrap().to_owned()).collect();
        assert_eq!(names.len(), 1000);
        let prefixed = (0..1000).filter(|&i| user(i)["email"].as_str().unwrap().starts_with(SEARCH_PREFIX)).count();
        assert_eq!(prefixed, 100);
        let matched = (0..1000)
            .filter(|&i| {
                let u = user(i);
                u["email"].as_str().unwrap().starts_with(SEARCH_PREFIX) && u["status"] == "active"
            })
            .count() as u64;
        assert_eq!(matched, search_matches(1000));
    }

    #[test]
    fn import_lines_are_typed_users_with_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.jsonl");
        write_import_file(&path, 3, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1]["type"], "user");
        assert_eq!(lines[1]["userName"], "bob0000001");
        assert!(lines[2]["passwordHash"].as_str().unwrap().starts_with("$argon2id$"));
    }
}
