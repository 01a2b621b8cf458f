//! The compiled guidepath artifact and the value vocabulary that the checker
//! and the evaluator share.
//!
//! This crate depends on nothing of the source language: a downstream system
//! embeds `guidepath-ir` and `guidepath-eval` only.

pub mod artifact;
pub mod binding;
pub mod calendar;
pub mod canonical;
pub mod depth;
pub mod duration;
pub mod gate;
pub mod json;
pub mod show;
pub mod units;

pub use artifact::*;
pub use calendar::{days_in_month, is_valid_date};
pub use duration::Duration;
pub use units::{TimeFamily, Unit};
