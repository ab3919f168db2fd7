//! What operator commands print: aligned tables for people, JSON for scripts.

use std::io::{self, Write};

use anyhow::Context;
use serde_json::Value;

/// Print `rows` under `headers` as a table with aligned columns, or, with `json`, `value`.
pub fn print(json: bool, value: &Value, headers: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let text = if json { format!("{}\n", serde_json::to_string_pretty(value)?) } else { table(headers, rows) };
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).context("cannot write to stdout")
}

/// Print one record as `field  value` lines, or, with `json`, as JSON.
pub fn print_record(json: bool, value: &Value) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect(),
        other => vec![vec![cell(other)]],
    };
    print(json, value, &["FIELD", "VALUE"], &rows)
}

/// A JSON value as a table cell: strings bare, nothing for null, the rest as JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

/// The rows under the headers, each column as wide as its widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let text = table(&["ID", "NAME"], &[vec!["1".into(), "jane".into()], vec!["22".into(), "jo".into()]]);
        assert_eq!(text, "ID  NAME\n1   jane\n22  jo\n");
    }

    #[test]
    fn cells_show_strings_bare_and_lists_joined() {
        assert_eq!(cell(&serde_json::json!("x")), "x");
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&serde_json::json!(["a", "b"])), "a,b");
        assert_eq!(cell(&serde_json::json!(3)), "3");
    }
}
