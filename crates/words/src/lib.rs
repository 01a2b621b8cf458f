//! The fixed words of guidepath's output for people: results, cards, the
//! FHIR routes they name, and diff sentences. One table per language, so
//! that a text is in one language from its first word to its last: the
//! guideline's own, or the one asked for.
//!
//! A struct, not message files (Fluent and the like): about fifty words in
//! four languages with no grammar beyond a count, and a word missing from
//! one language is a compile error here, where a message file finds it at
//! run time.

/// A language guidepath writes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Da,
    Sv,
    Nb,
    En,
}

impl Lang {
    /// Every language, in the order their tags are listed.
    pub const ALL: [Lang; 4] = [Lang::Da, Lang::Sv, Lang::Nb, Lang::En];

    /// The language of a tag: `da`, `sv`, `nb` (or `no`, `nn`, whose readers
    /// read Bokmål), `en`; `None` for one guidepath does not write in.
    pub fn parse(tag: &str) -> Option<Lang> {
        match tag {
            "da" => Some(Lang::Da),
            "sv" => Some(Lang::Sv),
            "nb" | "no" | "nn" => Some(Lang::Nb),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language for a guideline's tag, or English where there is none
    /// or it is one guidepath does not write in.
    pub fn or_english(tag: Option<&str>) -> Lang {
        tag.and_then(Lang::parse).unwrap_or(Lang::En)
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::Sv => "sv",
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }

    /// The tags guidepath writes in, for a message that lists them.
    pub fn tags() -> String {
        Lang::ALL.iter().map(|l| l.tag()).collect::<Vec<_>>().join(", ")
    }

    pub const fn words(self) -> &'static Words {
        match self {
            Lang::Da => &DA,
            Lang::Sv => &SV,
            Lang::Nb => &NB,
            Lang::En => &EN,
        }
    }
}

/// The words of one language. Where a word holds `{…}`, the caller puts
/// the value in.
#[derive(Debug)]
pub struct Words {
    // Headings of a result.
    pub strata: &'static str,
    pub scores: &'static str,
    pub recommendations: &'static str,
    pub pathways: &'static str,
    pub explanation: &'static str,
    // States of a recommendation, stratum, pathway or step.
    pub applies: &'static str,
    pub does_not_apply: &'static str,
    pub not_applicable: &'static str,
    pub undecided: &'static str,
    /// Heads a recommendation against that applies: what not to do.
    pub do_not_offer: &'static str,
    /// Heads the data that would decide what is undecided.
    pub decided_by: &'static str,
    /// Heads conditions that do not hold, after a state.
    pub not_met: &'static str,
    /// Heads a condition that cannot be decided for the data given.
    pub cannot_decide: &'static str,
    /// Before a due date.
    pub due: &'static str,
    pub due_unknown: &'static str,
    pub no_deadline: &'static str,
    // The value of a condition.
    pub holds: &'static str,
    pub fails: &'static str,
    pub unknown: &'static str,
    // Kinds of rule, in an explanation.
    pub definition: &'static str,
    pub stratification: &'static str,
    pub recommendation: &'static str,
    pub score: &'static str,
    pub pathway: &'static str,
    pub step: &'static str,
    // Cards.
    pub for_: &'static str,
    pub against: &'static str,
    pub why: &'static str,
    pub missing_data: &'static str,
    /// `{n}`: how many recommendations more data would decide.
    pub undecided_one: &'static str,
    pub undecided_many: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub level: &'static str,
    pub strength: &'static str,
    pub certainty: &'static str,
    /// Heads the sentences of the source a rule quotes.
    pub source: &'static str,
    /// Heads what a rule assumes where no source speaks.
    pub assumed: &'static str,
    /// Every card of a guideline built with analysis errors starts with
    /// this (`{codes}`: their codes).
    pub findings: &'static str,
    // Where in FHIR data a field is read from.
    pub with_code: &'static str,
    pub or: &'static str,
    /// `{link}`: the item's linkId.
    pub item_with_link: &'static str,
    /// `{codes}`: the codes.
    pub observation_or_item: &'static str,
    // What changed, in a diff.
    pub before: &'static str,
    pub now: &'static str,
}

impl Words {
    /// `More data would decide 2 recommendations`.
    pub fn undecided_count(&self, n: usize) -> String {
        let w = if n == 1 { self.undecided_one } else { self.undecided_many };
        w.replace("{n}", &n.to_string())
    }

    /// The word for a condition's value: true, false or unknown.
    pub fn value(&self, v: Option<bool>) -> &'static str {
        match v {
            Some(true) => self.holds,
            Some(false) => self.fails,
            None => self.unknown,
        }
    }

    /// The word for a kind of rule as the result names it
    /// (`definition`, `stratification`, …); the name itself otherwise.
    pub fn kind<'a>(&self, kind: &'a str) -> &'a str {
        match kind {
            "definition" => self.definition,
            "stratification" => self.stratification,
            "recommendation" => self.recommendation,
            "score" => self.score,
            "pathway" => self.pathway,
            "step" => self.step,
            other => other,
        }
    }
}

static EN: Words = Words {
    strata: "Strata",
    scores: "Scores",
    recommendations: "Recommendations",
    pathways: "Pathways",
    explanation: "Explanation",
    applies: "applies",
    does_not_apply: "does not apply",
    not_applicable: "not applicable",
    undecided: "undecided",
    do_not_offer: "Do not offer",
    decided_by: "would be decided by",
    not_met: "not met",
    cannot_decide: "cannot be decided",
    due: "by",
    due_unknown: "date not yet known",
    no_deadline: "no time limit",
    holds: "holds",
    fails: "does not hold",
    unknown: "unknown",
    definition: "definition",
    stratification: "stratification",
    recommendation: "recommendation",
    score: "score",
    pathway: "pathway",
    step: "step",
    for_: "Recommended",
    against: "Recommended against",
    why: "Because",
    missing_data: "Missing data",
    undecided_one: "More data would decide {n} recommendation",
    undecided_many: "More data would decide {n} recommendations",
    yes: "yes",
    no: "no",
    level: "Level",
    strength: "Strength",
    certainty: "Certainty",
    source: "Source",
    assumed: "Assumption (not from the source)",
    findings: "Warning: this guideline was built with analysis errors ({codes}); its results may contradict themselves. Not for use with patients.",
    with_code: "with code",
    or: "or",
    item_with_link: "QuestionnaireResponse item with linkId `{link}`",
    observation_or_item: "Observation or QuestionnaireResponse item with code {codes}",
    before: "before",
    now: "now",
};

static SV: Words = Words {
    strata: "Indelningar",
    scores: "Poäng",
    recommendations: "Rekommendationer",
    pathways: "Vårdförlopp",
    explanation: "Förklaring",
    applies: "gäller",
    does_not_apply: "gäller inte",
    not_applicable: "inte aktuell",
    undecided: "inte avgjort",
    do_not_offer: "Erbjud inte",
    decided_by: "avgörs av",
    not_met: "inte uppfyllt",
    cannot_decide: "kan inte avgöras",
    due: "senast",
    due_unknown: "datum ännu okänt",
    no_deadline: "ingen tidsgräns",
    holds: "uppfyllt",
    fails: "inte uppfyllt",
    unknown: "okänt",
    definition: "definition",
    stratification: "indelning",
    recommendation: "rekommendation",
    score: "poäng",
    pathway: "vårdförlopp",
    step: "steg",
    for_: "Rekommenderas",
    against: "Rekommenderas inte",
    why: "Eftersom",
    missing_data: "Uppgifter som saknas",
    undecided_one: "Fler uppgifter kan avgöra {n} rekommendation",
    undecided_many: "Fler uppgifter kan avgöra {n} rekommendationer",
    yes: "ja",
    no: "nej",
    level: "Vårdnivå",
    strength: "Styrka",
    certainty: "Evidensstyrka",
    source: "Källa",
    assumed: "Antagande (inte från källan)",
    findings: "Varning: riktlinjen är byggd med analysfel ({codes}); resultatet kan motsäga sig självt. Inte för användning för patienter.",
    with_code: "med kod",
    or: "eller",
    item_with_link: "QuestionnaireResponse-post med linkId `{link}`",
    observation_or_item: "Observation eller QuestionnaireResponse-post med kod {codes}",
    before: "före",
    now: "nu",
};

static DA: Words = Words {
    strata: "Inddelinger",
    scores: "Scorer",
    recommendations: "Anbefalinger",
    pathways: "Forløb",
    explanation: "Forklaring",
    applies: "gælder",
    does_not_apply: "gælder ikke",
    not_applicable: "ikke relevant",
    undecided: "ikke afgjort",
    do_not_offer: "Tilbyd ikke",
    decided_by: "afgøres af",
    not_met: "ikke opfyldt",
    cannot_decide: "kan ikke afgøres",
    due: "senest",
    due_unknown: "dato endnu ukendt",
    no_deadline: "ingen tidsfrist",
    holds: "opfyldt",
    fails: "ikke opfyldt",
    unknown: "ukendt",
    definition: "definition",
    stratification: "inddeling",
    recommendation: "anbefaling",
    score: "score",
    pathway: "forløb",
    step: "trin",
    for_: "Anbefales",
    against: "Anbefales ikke",
    why: "Fordi",
    missing_data: "Oplysninger, der mangler",
    undecided_one: "Flere oplysninger kan afgøre {n} anbefaling",
    undecided_many: "Flere oplysninger kan afgøre {n} anbefalinger",
    yes: "ja",
    no: "nej",
    level: "Niveau",
    strength: "Styrke",
    certainty: "Evidensens kvalitet",
    source: "Kilde",
    assumed: "Antagelse (ikke fra kilden)",
    findings: "Advarsel: retningslinjen er bygget med analysefejl ({codes}); resultatet kan modsige sig selv. Ikke til brug for patienter.",
    with_code: "med kode",
    or: "eller",
    item_with_link: "QuestionnaireResponse-punkt med linkId `{link}`",
    observation_or_item: "Observation eller QuestionnaireResponse-punkt med kode {codes}",
    before: "før",
    now: "nu",
};

static NB: Words = Words {
    strata: "Inndelinger",
    scores: "Poeng",
    recommendations: "Anbefalinger",
    pathways: "Forløp",
    explanation: "Forklaring",
    applies: "gjelder",
    does_not_apply: "gjelder ikke",
    not_applicable: "ikke relevant",
    undecided: "ikke avgjort",
    do_not_offer: "Ikke tilby",
    decided_by: "avgjøres av",
    not_met: "ikke oppfylt",
    cannot_decide: "kan ikke avgjøres",
    due: "senest",
    due_unknown: "dato ennå ukjent",
    no_deadline: "ingen tidsfrist",
    holds: "oppfylt",
    fails: "ikke oppfylt",
    unknown: "ukjent",
    definition: "definisjon",
    stratification: "inndeling",
    recommendation: "anbefaling",
    score: "poengsum",
    pathway: "forløp",
    step: "trinn",
    for_: "Anbefales",
    against: "Anbefales ikke",
    why: "Fordi",
    missing_data: "Opplysninger som mangler",
    undecided_one: "Flere opplysninger kan avgjøre {n} anbefaling",
    undecided_many: "Flere opplysninger kan avgjøre {n} anbefalinger",
    yes: "ja",
    no: "nei",
    level: "Nivå",
    strength: "Styrke",
    certainty: "Kunnskapsgrunnlag",
    source: "Kilde",
    assumed: "Antakelse (ikke fra kilden)",
    findings: "Advarsel: retningslinjen er bygget med analysefeil ({codes}); resultatet kan motsi seg selv. Ikke til bruk for pasienter.",
    with_code: "med kode",
    or: "eller",
    item_with_link: "QuestionnaireResponse-element med linkId `{link}`",
    observation_or_item: "Observation eller QuestionnaireResponse-element med kode {codes}",
    before: "før",
    now: "nå",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_unknown_tags_are_refused() {
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.tag()), Some(l));
        }
        assert_eq!(Lang::parse("no"), Some(Lang::Nb));
        assert_eq!(Lang::parse("xx"), None);
        assert_eq!(Lang::or_english(Some("fi")), Lang::En);
    }

    #[test]
    fn counts_take_their_number() {
        assert_eq!(Lang::En.words().undecided_count(1), "More data would decide 1 recommendation");
        assert_eq!(Lang::Sv.words().undecided_count(3), "Fler uppgifter kan avgöra 3 rekommendationer");
    }

    /// The Nordic tables share no English word but the FHIR resource names
    /// and the few words the languages share with English.
    #[test]
    fn no_english_in_the_nordic_tables() {
        let english =
            ["applies", "undecided", "Recommend", "because", "with code", " or ", "before", "holds", "unknown"];
        for l in [Lang::Da, Lang::Sv, Lang::Nb] {
            // The words, without the fields' names: the quoted parts of the
            // debug form.
            let debug = format!("{:?}", l.words());
            let text: String = debug.split('"').skip(1).step_by(2).collect::<Vec<_>>().join("|");
            for w in english {
                assert!(!text.contains(w), "{l:?} has `{w}`");
            }
        }
    }
}
