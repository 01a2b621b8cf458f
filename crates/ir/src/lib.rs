//! The compiled guidepath artifact and the value vocabulary that the checker
//! and the evaluator share.
//!
//! This crate depends on nothing of the source language: a downstream system
//! embeds `guidepath-ir` and `guidepath-eval` only.

pub mod calendar;
pub mod units;

pub use calendar::{days_in_month, is_valid_date};
pub use units::{TimeFamily, Unit};
