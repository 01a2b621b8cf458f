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
