//! "Did you mean …?" suggestions.

/// The candidate closest to `name`, if it is close enough to be a likely
/// typo: at most a third of the name's length in edits (at least one), and
/// not the name itself.
pub fn suggest<'c, I>(name: &str, candidates: I) -> Option<&'c str>
where
    I: IntoIterator<Item = &'c str>,
{
    let len = name.chars().count();
    let limit = (len / 3).max(1);
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &'c str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = strsim::damerau_levenshtein(&lower, &c.to_lowercase());
        // Replacing every letter of a short name is no typo (`a` is not `r`).
        if d <= limit && d < len && d < c.chars().count() && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn finds_typos() {
        let names = ["linton_score", "age", "pain_duration"];
        assert_eq!(suggest("lintn_score", names), Some("linton_score"));
        assert_eq!(suggest("linton_socre", names), Some("linton_score"));
        assert_eq!(suggest("agee", names), Some("age"));
        assert_eq!(suggest("weight", names), None);
        assert_eq!(suggest("a", ["r"]), None);
    }
}
