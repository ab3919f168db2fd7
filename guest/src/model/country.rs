//! ISO 3166-1 alpha-2 country codes (the officially assigned ones, from tzdata's iso3166.tab).

/// Every assigned code, sorted, separated by spaces.
const CODES: &str = "\
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS \
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE \
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM \
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC \
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA \
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Whether `code` (upper case) is an assigned ISO 3166-1 alpha-2 code: a binary search,
/// since every code sits at a multiple of three bytes in [`CODES`].
pub fn is_assigned(code: &str) -> bool {
    let codes = CODES.as_bytes();
    let (mut low, mut high) = (0, codes.len().div_ceil(3));
    while code.len() == 2 && low < high {
        let middle = low + (high - low) / 2;
        match codes[3 * middle..3 * middle + 2].cmp(code.as_bytes()) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_two_letters_apart_by_one_space_and_strictly_sorted() {
        let codes: Vec<&str> = super::CODES.split(' ').collect();
        assert!(codes.iter().all(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())));
        assert!(codes.windows(2).all(|pair| pair[0] < pair[1]), "the binary search needs sorted codes");
        assert!(codes.iter().all(|code| super::is_assigned(code)));
        assert!(!super::is_assigned("ZZ") && !super::is_assigned("A") && !super::is_assigned("AAA"));
    }

    use super::*;

    #[test]
    fn knows_assigned_codes() {
        assert!(is_assigned("US"));
        assert!(is_assigned("DE"));
        assert!(is_assigned("ZW"));
    }

    #[test]
    fn rejects_unassigned_and_lower_case_codes() {
        assert!(!is_assigned("XX"));
        assert!(!is_assigned("us"));
        assert!(!is_assigned("USA"));
    }
}
