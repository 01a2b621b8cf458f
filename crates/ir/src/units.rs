//! Units of measure.
//!
//! A guideline's numbers carry units: years are not points, months are not
//! days. The conversions the language defines are exact ones only:
//! 1 year = 12 months and 1 week = 7 days. Month-based and day-based
//! durations are different families; comparing them needs a calendar anchor
//! (see `docs/language.md`, "Units").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Points,
    Years,
    Months,
    Weeks,
    Days,
    Hours,
    Minutes,
    Kg,
    G,
    Cm,
    Mm,
    Percent,
}

/// Durations convert exactly within a family, never across.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeFamily {
    /// Years and months (1 year = 12 months).
    Months,
    /// Weeks and days (1 week = 7 days).
    Days,
    /// Hours and minutes (1 hour = 60 minutes).
    Minutes,
}

impl Unit {
    pub const ALL: &'static [Unit] = &[
        Unit::Points,
        Unit::Years,
        Unit::Months,
        Unit::Weeks,
        Unit::Days,
        Unit::Hours,
        Unit::Minutes,
        Unit::Kg,
        Unit::G,
        Unit::Cm,
        Unit::Mm,
        Unit::Percent,
    ];

    /// The unit's canonical (plural) name.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Points => "points",
            Unit::Years => "years",
            Unit::Months => "months",
            Unit::Weeks => "weeks",
            Unit::Days => "days",
            Unit::Hours => "hours",
            Unit::Minutes => "minutes",
            Unit::Kg => "kg",
            Unit::G => "g",
            Unit::Cm => "cm",
            Unit::Mm => "mm",
            Unit::Percent => "percent",
        }
    }

    /// The name after `amount`: singular after exactly one of a unit that
    /// has a singular (`1 month`, `2 months`, `1 kg`).
    pub fn name_after(self, amount: f64) -> &'static str {
        if amount != 1.0 {
            return self.name();
        }
        match self {
            Unit::Points => "point",
            Unit::Years => "year",
            Unit::Months => "month",
            Unit::Weeks => "week",
            Unit::Days => "day",
            Unit::Hours => "hour",
            Unit::Minutes => "minute",
            other => other.name(),
        }
    }

    /// Reads a unit name; singular forms are accepted (`1 month`).
    pub fn parse(name: &str) -> Option<Unit> {
        Some(match name {
            "points" | "point" => Unit::Points,
            "years" | "year" => Unit::Years,
            "months" | "month" => Unit::Months,
            "weeks" | "week" => Unit::Weeks,
            "days" | "day" => Unit::Days,
            "hours" | "hour" => Unit::Hours,
            "minutes" | "minute" => Unit::Minutes,
            "kg" => Unit::Kg,
            "g" => Unit::G,
            "cm" => Unit::Cm,
            "mm" => Unit::Mm,
            "percent" => Unit::Percent,
            _ => return None,
        })
    }

    /// The duration family of a time unit; `None` for other units.
    pub fn time_family(self) -> Option<TimeFamily> {
        match self {
            Unit::Years | Unit::Months => Some(TimeFamily::Months),
            Unit::Weeks | Unit::Days => Some(TimeFamily::Days),
            Unit::Hours | Unit::Minutes => Some(TimeFamily::Minutes),
            _ => None,
        }
    }

    /// How many of the family's base unit (months, days, minutes) one of
    /// this unit is.
    pub fn in_family_base(self) -> Option<i64> {
        match self {
            Unit::Years => Some(12),
            Unit::Months | Unit::Days | Unit::Minutes => Some(1),
            Unit::Weeks => Some(7),
            Unit::Hours => Some(60),
            _ => None,
        }
    }
}

impl TimeFamily {
    pub fn name(self) -> &'static str {
        match self {
            TimeFamily::Months => "months",
            TimeFamily::Days => "days",
            TimeFamily::Minutes => "minutes",
        }
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
