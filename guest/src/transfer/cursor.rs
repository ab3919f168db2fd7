//! The export cursor: which record type, and the last key returned, as `<type>.<hex key>`.

/// The cursor after `key` of the `kind`-th record type.
pub fn encode(kind: usize, key: &[u8]) -> String {
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    format!("{kind}.{hex}")
}

/// The record type and last key of a cursor; none when it is not one.
pub fn decode(text: &str) -> Option<(usize, Option<Vec<u8>>)> {
    let (kind, hex) = text.split_once('.')?;
    let kind = kind.parse().ok().filter(|k| *k < super::KINDS.len())?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let key = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some((kind, Some(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_decodes_to_what_it_encodes() {
        assert_eq!(decode(&encode(3, b"u/\x00\xff")), Some((3, Some(b"u/\x00\xff".to_vec()))));
    }

    #[test]
    fn garbage_is_no_cursor() {
        for text in ["", "x", "9.00", "1.0", "1.zz"] {
            assert_eq!(decode(text), None, "{text}");
        }
    }
}
