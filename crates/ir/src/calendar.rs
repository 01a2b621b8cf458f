//! Proleptic Gregorian calendar facts.

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month, or 0 for a month outside 1..=12.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `year-month-day` exists (years 1..=9999).
pub fn is_valid_date(year: i32, month: u8, day: u8) -> bool {
    (1..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years() {
        assert!(is_valid_date(2024, 2, 29));
        assert!(!is_valid_date(2023, 2, 29));
        assert!(!is_valid_date(1900, 2, 29));
        assert!(is_valid_date(2000, 2, 29));
        assert!(!is_valid_date(2024, 13, 1));
        assert!(!is_valid_date(2024, 4, 31));
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's
/// algorithm, exact for all years).
pub fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let m = u64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + u64::from(day);
    // Years from 0000-03-01 on, every date a result holds, in unsigned
    // arithmetic: a due date is computed for every patient, and each
    // signed `div_euclid` costs a correction for the sign.
    if let Ok(y) = u64::try_from(y) {
        let (era, yoe) = (y / 400, y % 400);
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return (era * 146_097 + doe) as i64 - 719_469;
    }
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i64 - 1;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    // As in `days_from_civil`: unsigned from 0000-03-01 on.
    let (era, doe) = match u64::try_from(z) {
        Ok(z) => ((z / 146_097) as i64, z % 146_097),
        // Before it: the day of the era is in 0..146_097 all the same.
        Err(_) => (z.div_euclid(146_097), z.rem_euclid(146_097) as u64),
    };
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe as i64 + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// Adds calendar months, clamping to the month's last day:
/// 2024-01-31 + 1 month = 2024-02-29.
pub fn add_months(days: i64, months: i64) -> i64 {
    let (y, m, d) = civil_from_days(days);
    let total = i64::from(y) * 12 + i64::from(m) - 1 + months;
    let ny = total.div_euclid(12) as i32;
    let nm = (total.rem_euclid(12) + 1) as u8;
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd)
}

/// A date plus (or minus) a duration: months first, clamped to the month's
/// last day, then days; minutes count in whole days.
pub fn add_duration(days: i64, d: crate::Duration, plus: bool) -> i64 {
    let sign = if plus { 1 } else { -1 };
    add_months(days, sign * d.months) + sign * (d.days + d.minutes.div_euclid(24 * 60))
}

/// Reads `YYYY-MM-DD` into days since 1970-01-01, if it is a real date.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (num(0..4)? as i32, num(5..7)? as u8, num(8..10)? as u8);
    is_valid_date(y, m, d).then(|| days_from_civil(y, m, d))
}

/// Whether a day count since 1970-01-01 falls in 0001-01-01..=9999-12-31,
/// the days `YYYY-MM-DD` writes and [`parse_date`] reads.
pub fn in_calendar(days: i64) -> bool {
    (days_from_civil(1, 1, 1)..=days_from_civil(9999, 12, 31)).contains(&days)
}

/// Writes days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    match date_bytes(days) {
        Some(bytes) => bytes.iter().copied().map(char::from).collect(),
        None => {
            let (y, m, d) = civil_from_days(days);
            format!("{y:04}-{m:02}-{d:02}")
        }
    }
}

/// The day as `YYYY-MM-DD` in ASCII, for a year of four digits (every date
/// a result can hold); `None` for another year, which [`format_date`]
/// writes. Written digit by digit: a due date is written for every
/// patient, and the formatting machinery cost more than the rest of the
/// date.
pub fn date_bytes(days: i64) -> Option<[u8; 10]> {
    let (y, m, d) = civil_from_days(days);
    let y = u16::try_from(y).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u16| b'0' + (n % 10) as u8;
    let (m, d) = (u16::from(m), u16::from(d));
    Some([
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ])
}

#[cfg(test)]
mod arithmetic_tests {
    use super::*;

    /// Written digit by digit, a date is what `format!` writes, at the
    /// ends of the four-digit years and beyond them.
    #[test]
    fn dates_are_written_as_format_writes_them() {
        let first = parse_date("0001-01-01").unwrap();
        let last = parse_date("9999-12-31").unwrap();
        let edges = [-800_000i64, first - 367, first - 1, first, 0, 19_753, last, last + 1, 2_932_896];
        let every_day_of_some_years = (-1_000i64..1_000).chain(first..first + 800).chain(last - 800..last + 800);
        for days in edges.into_iter().chain(every_day_of_some_years) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(format_date(days), format!("{y:04}-{m:02}-{d:02}"), "{days}");
        }
    }

    #[test]
    fn round_trips_and_month_ends() {
        for days in [-800_000i64, -1, 0, 1, 19_753, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        let jan31 = parse_date("2024-01-31").unwrap();
        assert_eq!(format_date(add_months(jan31, 1)), "2024-02-29");
        assert_eq!(format_date(add_months(parse_date("2023-01-31").unwrap(), 1)), "2023-02-28");
        assert_eq!(format_date(add_months(parse_date("2024-12-15").unwrap(), 2)), "2025-02-15");
        assert_eq!(format_date(add_months(parse_date("2024-03-31").unwrap(), -1)), "2024-02-29");
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("24-02-03"), None);
    }

    /// Hinnant's algorithms in signed arithmetic throughout, as they were
    /// before the unsigned path for years from 0 on.
    fn signed_days_from_civil(year: i32, month: u8, day: u8) -> i64 {
        let y = i64::from(year) - i64::from(month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    fn signed_civil_from_days(days: i64) -> (i32, u8, u8) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        ((yoe + era * 400 + i64::from(month <= 2)) as i32, month, day)
    }

    /// The unsigned path gives what the signed one gives, on both sides of
    /// 0000-03-01 (day -719,468, where it starts), at the ends of the
    /// years `i32` holds, and for months and days out of their ranges.
    #[test]
    fn the_unsigned_path_is_the_signed_one() {
        let start = -719_468i64;
        let days = (start - 150_000..start + 150_000)
            .chain((-3_000_000_000i64..3_000_000_000).step_by(9_973))
            .chain([i64::from(i32::MIN) * 366, i64::from(i32::MAX) * 365]);
        for d in days {
            assert_eq!(civil_from_days(d), signed_civil_from_days(d), "{d}");
        }
        let years = (-1_200..1_200).chain(9_990..10_010).chain([i32::MIN + 1, -5_000_000, 5_000_000, i32::MAX]);
        for y in years {
            for m in 0..=13 {
                for d in 0..=32 {
                    assert_eq!(days_from_civil(y, m, d), signed_days_from_civil(y, m, d), "{y}-{m}-{d}");
                }
            }
        }
    }
}
