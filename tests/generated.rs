//! Random guidelines over fixed inputs, for the property tests that hold
//! over generated guidelines as well as the shipped ones (`needs.rs`,
//! `witnesses.rs`).

#![allow(dead_code)]

use proptest::prelude::*;

/// A comparison of one of the inputs with a constant.
pub fn arb_atom() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..4, 0i64..=10).prop_map(|(op, n)| format!("a {} {n}", ["<", "<=", ">", ">="][op as usize])),
        (0u8..4, 0i64..=10).prop_map(|(op, n)| format!("b {} {n}", ["<", "=", ">", "!="][op as usize])),
        Just("c".to_string()),
        Just("d".to_string()),
        (0u8..2, 1i64..=6, 0u8..2).prop_map(|(op, n, u)| {
            format!("e {} {n} {}", [">=", "<"][op as usize], ["months", "weeks"][u as usize])
        }),
        (0u8..3).prop_map(|v| format!("f is {}", ["x", "y", "z"][v as usize])),
        (0i64..=10, 0i64..=10).prop_map(|(lo, w)| format!("a in {lo}..{}", (lo + w).min(10))),
        (0i64..=7).prop_map(|n| format!("s.p + s.q >= {n}")),
    ]
}

/// A condition of atoms with `and`, `or` and `not`, nested a few levels.
pub fn arb_cond() -> impl Strategy<Value = String> {
    arb_atom().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|xs| format!("({})", xs.join(" and "))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|xs| format!("({})", xs.join(" or "))),
            inner.prop_map(|x| format!("not ({x})")),
        ]
    })
}

/// A guideline over fixed inputs (numbers, booleans, a duration, an enum,
/// two questionnaire items) with random definitions, strata, a recommendation
/// and a pathway whose steps count from a date and from each other.
pub fn arb_guideline() -> impl Strategy<Value = String> {
    (arb_cond(), arb_cond(), arb_cond(), arb_cond(), arb_cond(), 1i64..=5, any::<bool>()).prop_map(
        |(pop, s1, r, pw, st, n, population)| {
            let of = if population { " of pop" } else { "" };
            format!(
                "guideline r.g \"R\" {{ issuer \"t\" version \"1\" status draft language en source \"t\" }}\n\
                 input {{\n  a : integer in 0..10\n  b : integer in 0..10\n  c : boolean\n  d : boolean\n  \
                 e : duration\n  f : f\n  start : date\n}}\n\
                 enum f {{ x, y, z }}\n\
                 instrument s {{\n  item p : integer in 0..6\n  item q : boolean\n}}\n\
                 define pop = {pop}\n\
                 stratify g{of} {{\n  one when {s1}\n  two when not ({s1})\n}}\n\
                 recommend r1 \"R1\" {{ when {r} and g is one }}\n\
                 recommend r2 \"R2\" {{ when pop or c }}\n\
                 pathway w {{\n  when {pw}\n  step first within {n} weeks after start\n  \
                 step second {{ when {st}\n    within 1 month after first }}\n}}\n"
            )
        },
    )
}
