//! Calendar durations: months and days kept apart, because a month has no
//! fixed number of days.

use crate::units::{TimeFamily, Unit};
use serde::{Deserialize, Serialize};

/// A duration as months plus days plus minutes (ISO 8601 `P1Y2M10DT2H`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Duration {
    pub months: i64,
    pub days: i64,
    pub minutes: i64,
}

/// The durations [`Duration::parse_iso`] reads, as an ECMA-262 regular
/// expression (for JSON Schema).
pub const ISO_PATTERN: &str = "^P(?!$)([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?)?$";

/// The longest duration guidepath takes, in years: the whole calendar
/// (0001 to 9999). Every duration is bounded by it when it is read, so no
/// arithmetic on durations can overflow (a count near the 64-bit limit once
/// wrapped, and a longer duration compared as a shorter one).
pub const MAX_YEARS: i64 = 10_000;
const MAX_MONTHS: i64 = MAX_YEARS * 12;
const MAX_DAYS: i64 = MAX_YEARS * 366;
const MAX_MINUTES: i64 = MAX_DAYS * 24 * 60;

/// Why a text is not a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsoError {
    /// Not ISO 8601 as [`ISO_PATTERN`] says.
    Syntax,
    /// Longer than [`MAX_YEARS`].
    TooLong,
}

impl Duration {
    /// `amount` of `unit`, if the unit is a time unit, the amount whole and
    /// the duration within [`MAX_YEARS`].
    pub fn of(amount: f64, unit: Unit) -> Option<Duration> {
        if amount.fract() != 0.0 || !amount.is_finite() || amount.abs() > (MAX_MINUTES as f64) {
            return None;
        }
        let n = (amount as i64).checked_mul(unit.in_family_base()?)?;
        let d = match unit.time_family()? {
            TimeFamily::Months => Duration { months: n, ..Duration::default() },
            TimeFamily::Days => Duration { days: n, ..Duration::default() },
            TimeFamily::Minutes => Duration { minutes: n, ..Duration::default() },
        };
        d.is_bounded().then_some(d)
    }

    /// Whether every part is within [`MAX_YEARS`].
    pub fn is_bounded(self) -> bool {
        self.months.abs() <= MAX_MONTHS && self.days.abs() <= MAX_DAYS && self.minutes.abs() <= MAX_MINUTES
    }

    /// The shortest and longest this can be, in minutes (a month is 28 to
    /// 31 days).
    pub fn minutes_bounds(self) -> (i64, i64) {
        const DAY: i64 = 24 * 60;
        let fixed = self.days * DAY + self.minutes;
        let (a, b) = (self.months * 28 * DAY, self.months * 31 * DAY);
        (fixed + a.min(b), fixed + a.max(b))
    }

    /// Compares exactly where possible: `Some(ordering)` when every reading
    /// of the months agrees, `None` when the months' lengths decide.
    pub fn compare(self, other: Duration) -> Option<std::cmp::Ordering> {
        if self.days == other.days && self.minutes == other.minutes {
            return Some(self.months.cmp(&other.months));
        }
        if self.months == other.months {
            return Some((self.days * 24 * 60 + self.minutes).cmp(&(other.days * 24 * 60 + other.minutes)));
        }
        // A remainder under 28 days never reaches a whole month, whatever
        // month it is, so whole months decide: 2 months 27 days < 3 months.
        const MONTH_MIN: i64 = 28 * 24 * 60;
        let (ra, rb) = (self.days * 24 * 60 + self.minutes, other.days * 24 * 60 + other.minutes);
        if (0..MONTH_MIN).contains(&ra) && (0..MONTH_MIN).contains(&rb) {
            return Some(self.months.cmp(&other.months));
        }
        let (alo, ahi) = self.minutes_bounds();
        let (blo, bhi) = other.minutes_bounds();
        if ahi < blo {
            Some(std::cmp::Ordering::Less)
        } else if alo > bhi {
            Some(std::cmp::Ordering::Greater)
        } else {
            None
        }
    }

    /// Reads an ISO 8601 duration: `P4M`, `P90D`, `P1Y6M`, `P2W`, `PT12H`:
    /// designators in the order Y, M, W, D, then T and H, M, each at most
    /// once, whole numbers only ([`ISO_PATTERN`] says the same as a regular
    /// expression).
    pub fn parse_iso(s: &str) -> Option<Duration> {
        Duration::read_iso(s).ok()
    }

    /// Like [`Duration::parse_iso`], saying why a text is not a duration.
    pub fn read_iso(s: &str) -> Result<Duration, IsoError> {
        let d = Duration::syntax_iso(s).ok_or(IsoError::Syntax)?;
        match d {
            Some(d) if d.is_bounded() => Ok(d),
            _ => Err(IsoError::TooLong),
        }
    }

    /// `None` when not ISO 8601; `Some(None)` when its numbers overflow.
    fn syntax_iso(s: &str) -> Option<Option<Duration>> {
        let rest = s.strip_prefix('P')?;
        let (date, time) = match rest.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return None,
            None => (rest, None),
        };
        let mut any = false;
        let mut overflow = false;
        // Each part: its designators in order, and what one of it adds.
        let mut read = |text: &str, order: &[char], add: &mut dyn FnMut(char, i64) -> Option<()>| -> Option<()> {
            let mut next = 0;
            // Where the digits before the next designator start.
            let mut start = 0;
            for (at, c) in text.char_indices() {
                if c.is_ascii_digit() {
                    continue;
                }
                let k = order[next..].iter().position(|x| *x == c)? + next;
                let num = text.get(start..at)?;
                if num.is_empty() {
                    return None;
                }
                // Digits that do not fit, or a sum that does not: too long.
                if num.parse::<i64>().ok().and_then(|n| add(c, n)).is_none() {
                    overflow = true;
                }
                start = at + c.len_utf8();
                next = k + 1;
                any = true;
            }
            // No digits after the last designator.
            (start == text.len()).then_some(())
        };
        let (mut months, mut days, mut minutes) = (0i64, 0i64, 0i64);
        read(date, &['Y', 'M', 'W', 'D'], &mut |c, n| {
            match c {
                'Y' => months = months.checked_add(n.checked_mul(12)?)?,
                'M' => months = months.checked_add(n)?,
                'W' => days = days.checked_add(n.checked_mul(7)?)?,
                _ => days = days.checked_add(n)?,
            }
            Some(())
        })?;
        if let Some(t) = time {
            read(t, &['H', 'M'], &mut |c, n| {
                match c {
                    'H' => minutes = minutes.checked_add(n.checked_mul(60)?)?,
                    _ => minutes = minutes.checked_add(n)?,
                }
                Some(())
            })?;
        }
        if !any {
            return None;
        }
        Some((!overflow).then_some(Duration { months, days, minutes }))
    }

    /// Writes the duration in ISO 8601.
    pub fn to_iso(self) -> String {
        use std::fmt::Write as _;
        // Written into one string: a reason's data writes a duration for
        // every patient it leaves open. Writing to a String cannot fail.
        let mut s = String::with_capacity(16);
        s.push('P');
        let (y, m) = (self.months / 12, self.months % 12);
        if y != 0 {
            let _ = write!(s, "{y}Y");
        }
        if m != 0 {
            let _ = write!(s, "{m}M");
        }
        if self.days != 0 {
            let _ = write!(s, "{}D", self.days);
        }
        if self.minutes != 0 {
            let _ = write!(s, "T{}M", self.minutes);
        }
        if s.len() == 1 {
            s.push_str("0D");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn iso_and_comparison() {
        let p4m = Duration::parse_iso("P4M").unwrap();
        let three = Duration::of(3.0, Unit::Months).unwrap();
        assert_eq!(p4m.compare(three), Some(Greater));
        assert_eq!(Duration::parse_iso("P1Y").unwrap().compare(Duration::of(12.0, Unit::Months).unwrap()), Some(Equal));
        // 90 days is 2.9 to 3.2 months: undecided.
        assert_eq!(Duration::parse_iso("P90D").unwrap().compare(three), None);
        // Months and a remainder under 28 days: whole months decide (a
        // calendar difference of 2 months 27 days is under 3 months in every
        // reading); from 28 days on, the month's length does.
        assert_eq!(Duration::parse_iso("P2M27D").unwrap().compare(three), Some(Less));
        assert_eq!(Duration::parse_iso("P3M1D").unwrap().compare(three), Some(Greater));
        assert_eq!(Duration::parse_iso("P2M28D").unwrap().compare(three), None);
        // 100 days is more than any 3 months (at most 93 days).
        assert_eq!(Duration::parse_iso("P100D").unwrap().compare(three), Some(Greater));
        assert_eq!(Duration::parse_iso("P2W").unwrap().days, 14);
        assert_eq!(Duration::parse_iso("PT2H").unwrap().minutes, 120);
        assert!(Duration::parse_iso("P").is_none());
        for bad in [
            "P1D1D",
            "P1M2Y",
            "PT",
            "P1YT",
            "PT1D",
            "P1H",
            "PM",
            "P-1D",
            "P1.5D",
            "P 1D",
            "P1Y2",
            "P12",
            "PT5H3",
            "P1éD",
            "P\u{661}D",
            "P+1D",
        ] {
            assert!(Duration::parse_iso(bad).is_none(), "{bad}");
        }
        assert_eq!(Duration::read_iso("P9223372036854775807D"), Err(IsoError::TooLong));
        assert_eq!(Duration::read_iso("P99999999999999999999999D"), Err(IsoError::TooLong));
        assert_eq!(Duration::read_iso("P10001Y"), Err(IsoError::TooLong));
        assert_eq!(Duration::read_iso("P1D1D"), Err(IsoError::Syntax));
        assert!(Duration::read_iso("P10000Y").is_ok());
        assert!(Duration::of(1e15, Unit::Days).is_none());
        assert!(Duration::of(10_000.0, Unit::Years).is_some());
        assert!(Duration::of(10_001.0, Unit::Years).is_none());
        let all = Duration::parse_iso("P1Y2M3W4DT5H6M").unwrap();
        assert_eq!((all.months, all.days, all.minutes), (14, 25, 306));
        assert!(Duration::parse_iso("4M").is_none());
        assert!(Duration::parse_iso("P4X").is_none());
        assert_eq!(Duration::parse_iso("P1Y6M").unwrap().to_iso(), "P1Y6M");
    }
}
