//! Time zones: IANA names, and seed 000's `GMT#.#DST#` offsets converted to one.

use std::sync::LazyLock;

use crate::error::FieldError;

/// Every IANA zone and link name in the tz database, sorted, one a line.
const NAMES: &str = include_str!("tz_names.txt");

/// [`NAMES`] as a list, made once per instance, for a binary search: scanning the 598 lines
/// was the costliest part of validating a user in wasm, which has no vectorised `memchr`.
static SORTED: LazyLock<Vec<&'static str>> = LazyLock::new(|| NAMES.lines().collect());

/// Whether `name` is a zone or link name of the tz database (case-sensitive, as IANA's are).
pub fn is_known(name: &str) -> bool {
    SORTED.binary_search(&name).is_ok()
}

/// The IANA name for `value`: a known name as it is, or a `GMT#.#DST#` offset (seed 000,
/// for example `GMT-6.0DST0`) converted to the zone a later read shows.
///
/// Without DST an offset of whole hours becomes `Etc/GMT±N` (whose sign is inverted, as
/// POSIX has it); with DST, or at a fractional offset, it becomes a representative zone
/// that keeps that offset and rule. An offset no zone has is refused.
pub fn normalize(field: &str, value: &str) -> Result<String, FieldError> {
    if is_known(value) {
        return Ok(value.to_owned());
    }
    let Some((minutes, dst)) = parse_gmt_offset(value) else {
        return Err(FieldError::new(
            field,
            "format",
            "must be an IANA time-zone name (for example Europe/Paris) or GMT#.#DST# (for example GMT-6.0DST0)",
        ));
    };
    zone_for_offset(minutes, dst)
        .ok_or_else(|| FieldError::new(field, "unknown_offset", format!("no time zone has the offset {value}")))
}

/// Parses `GMT<hours>[.<fraction>]DST<0|1>` into minutes east of UTC and the DST flag.
fn parse_gmt_offset(value: &str) -> Option<(i32, bool)> {
    let rest = value.strip_prefix("GMT")?;
    let (offset, dst) = rest.split_once("DST")?;
    let dst = match dst {
        "0" => false,
        "1" => true,
        _ => return None,
    };
    let (sign, digits) = match offset.as_bytes().first()? {
        b'-' => (-1, &offset[1..]),
        b'+' => (1, &offset[1..]),
        _ => (1, offset),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let valid = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
    if !valid(whole, 2) || !valid(fraction, 2) {
        return None;
    }
    let hours: i32 = whole.parse().ok()?;
    // ".5" is half an hour and ".75" three quarters: the fraction is of an hour.
    let scale = 10_i32.pow(fraction.len() as u32);
    let fraction_minutes = fraction.parse::<i32>().ok()? * 60 / scale;
    let minutes = sign * (hours * 60 + fraction_minutes);
    (-12 * 60..=14 * 60).contains(&minutes).then_some((minutes, dst))
}

fn zone_for_offset(minutes: i32, dst: bool) -> Option<String> {
    // Zones that keep daylight saving time at the given standard offset.
    const WITH_DST: &[(i32, &str)] = &[
        (-600, "America/Adak"),
        (-540, "America/Anchorage"),
        (-480, "America/Los_Angeles"),
        (-420, "America/Denver"),
        (-360, "America/Chicago"),
        (-300, "America/New_York"),
        (-240, "America/Halifax"),
        (-210, "America/St_Johns"),
        (-180, "America/Miquelon"),
        (-120, "America/Nuuk"),
        (-60, "Atlantic/Azores"),
        (0, "Europe/London"),
        (60, "Europe/Paris"),
        (120, "Europe/Athens"),
        (570, "Australia/Adelaide"),
        (600, "Australia/Sydney"),
        (630, "Australia/Lord_Howe"),
        (720, "Pacific/Auckland"),
        (765, "Pacific/Chatham"),
    ];
    // Zones at offsets that are not whole hours, without daylight saving time.
    const FRACTIONAL: &[(i32, &str)] = &[
        (-570, "Pacific/Marquesas"),
        (-210, "America/St_Johns"),
        (210, "Asia/Tehran"),
        (270, "Asia/Kabul"),
        (330, "Asia/Kolkata"),
        (345, "Asia/Kathmandu"),
        (390, "Asia/Yangon"),
        (525, "Australia/Eucla"),
        (570, "Australia/Darwin"),
        (630, "Australia/Lord_Howe"),
        (765, "Pacific/Chatham"),
    ];
    let lookup = |table: &[(i32, &str)]| table.iter().find(|(m, _)| *m == minutes).map(|(_, z)| (*z).to_owned());
    if dst && let Some(zone) = lookup(WITH_DST) {
        return Some(zone);
    }
    if minutes % 60 == 0 {
        let hours = minutes / 60;
        // POSIX inverts the sign: Etc/GMT+6 is six hours west of Greenwich.
        return Some(match hours {
            0 => "Etc/GMT".to_owned(),
            h if h < 0 => format!("Etc/GMT+{}", -h),
            h => format!("Etc/GMT-{h}"),
        });
    }
    lookup(FRACTIONAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_strictly_sorted_so_the_binary_search_finds_each() {
        assert!(SORTED.windows(2).all(|pair| pair[0] < pair[1]), "tz_names.txt must stay sorted and unique");
        assert!(SORTED.iter().all(|name| is_known(name)));
        assert!(!is_known("Europe/Atlantis") && !is_known("europe/paris") && !is_known(""));
    }

    #[test]
    fn keeps_known_iana_names() {
        assert_eq!(normalize("timezone", "Europe/Paris").unwrap(), "Europe/Paris");
        assert_eq!(normalize("timezone", "UTC").unwrap(), "UTC");
    }

    #[test]
    fn converts_the_seed_000_example_to_a_fixed_zone() {
        assert_eq!(normalize("timezone", "GMT-6.0DST0").unwrap(), "Etc/GMT+6");
    }

    #[test]
    fn converts_an_offset_with_dst_to_a_zone_that_keeps_dst() {
        assert_eq!(normalize("timezone", "GMT-6.0DST1").unwrap(), "America/Chicago");
        assert_eq!(normalize("timezone", "GMT+1.0DST1").unwrap(), "Europe/Paris");
    }

    #[test]
    fn converts_fractional_offsets() {
        assert_eq!(normalize("timezone", "GMT+5.5DST0").unwrap(), "Asia/Kolkata");
        assert_eq!(normalize("timezone", "GMT+5.75DST0").unwrap(), "Asia/Kathmandu");
    }

    #[test]
    fn every_zone_it_produces_is_a_known_name() {
        for hours in -12..=14 {
            for dst in ["0", "1"] {
                let zone = normalize("timezone", &format!("GMT{hours}.0DST{dst}")).unwrap();
                assert!(is_known(&zone), "{zone}");
            }
        }
    }

    #[test]
    fn rejects_unknown_names_and_offsets() {
        assert_eq!(normalize("timezone", "Mars/Olympus").unwrap_err().code, "format");
        assert_eq!(normalize("timezone", "GMT+5.1DST0").unwrap_err().code, "unknown_offset");
        assert_eq!(normalize("timezone", "GMT+15.0DST0").unwrap_err().code, "format");
    }
}
