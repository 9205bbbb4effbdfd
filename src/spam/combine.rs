//! Robinson–Fisher combining, as SpamBayes does it: each clue's spam
//! probability is pulled towards 0.5 by how little it has been seen, only
//! clues far enough from 0.5 are heard, and the two chi-squared tests
//! (evidence of spam, evidence of ham) are set against each other, so a
//! comment with strong clues both ways lands near 0.5 ("unsure") instead of
//! at whichever extreme shouts loudest.

/// How many times a clue was learned from each side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub spam: u64,
    pub ham: u64,
}

/// How strongly an unknown clue is held at [`UNKNOWN_PROBABILITY`]: as many
/// sightings' worth (SpamBayes's `unknown_word_strength`).
const UNKNOWN_STRENGTH: f64 = 0.45;
const UNKNOWN_PROBABILITY: f64 = 0.5;
/// Clues closer to 0.5 than this say nothing and are left out.
const MINIMUM_STRENGTH: f64 = 0.1;
/// At most this many clues are combined, the strongest first.
const MAX_DISCRIMINATORS: usize = 150;

/// The spam probability of one clue seen `clue` times among `learned`.
pub fn probability(clue: Counts, learned: Counts) -> f64 {
    let spam_ratio = clue.spam as f64 / learned.spam.max(1) as f64;
    let ham_ratio = clue.ham as f64 / learned.ham.max(1) as f64;
    let raw = if spam_ratio + ham_ratio > 0.0 {
        spam_ratio / (spam_ratio + ham_ratio)
    } else {
        UNKNOWN_PROBABILITY
    };
    let seen = (clue.spam + clue.ham) as f64;
    (UNKNOWN_STRENGTH * UNKNOWN_PROBABILITY + seen * raw) / (UNKNOWN_STRENGTH + seen)
}

/// A clue that was heard, with its probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard<T> {
    pub clue: T,
    pub probability: f64,
}

/// The combined score in `[0, 1]` (0.5 with nothing to go on), and the clues
/// heard, strongest first.
pub fn combine<T>(clues: impl IntoIterator<Item = (T, f64)>) -> (f64, Vec<Heard<T>>) {
    let mut heard: Vec<Heard<T>> = clues
        .into_iter()
        .filter(|(_, p)| (p - 0.5).abs() >= MINIMUM_STRENGTH)
        .map(|(clue, probability)| Heard { clue, probability })
        .collect();
    heard.sort_by(|a, b| {
        (b.probability - 0.5)
            .abs()
            .total_cmp(&(a.probability - 0.5).abs())
    });
    heard.truncate(MAX_DISCRIMINATORS);
    if heard.is_empty() {
        return (0.5, heard);
    }
    // Sums of logarithms rather than products: 150 small probabilities
    // multiplied would underflow.
    let (mut ln_ham, mut ln_spam) = (0.0, 0.0);
    for clue in &heard {
        ln_spam += (1.0 - clue.probability).ln();
        ln_ham += clue.probability.ln();
    }
    let freedom = 2 * heard.len();
    let spam = 1.0 - chi2_q(-2.0 * ln_spam, freedom);
    let ham = 1.0 - chi2_q(-2.0 * ln_ham, freedom);
    (((spam - ham) + 1.0) / 2.0, heard)
}

/// The probability that a chi-squared variable with `freedom` (even)
/// degrees of freedom is at least `x2`.
fn chi2_q(x2: f64, freedom: usize) -> f64 {
    let m = x2 / 2.0;
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..freedom / 2 {
        term *= m / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(spam: u64, ham: u64) -> Counts {
        Counts { spam, ham }
    }

    #[test]
    fn an_unknown_clue_is_exactly_unsure() {
        assert_eq!(probability(counts(0, 0), counts(20, 20)), 0.5);
    }

    #[test]
    fn a_clue_seen_once_is_pulled_towards_unsure() {
        let once = probability(counts(1, 0), counts(20, 20));
        let often = probability(counts(30, 0), counts(20, 20));
        assert!(once > 0.8 && once < 0.85, "{once}");
        assert!(often > 0.98, "{often}");
    }

    #[test]
    fn ratios_are_taken_within_each_side() {
        // Seen in 10 % of 100 spams and 10 % of 10 hams: no evidence either way.
        let p = probability(counts(10, 1), counts(100, 10));
        assert!((p - 0.5).abs() < 1e-9, "{p}");
    }

    #[test]
    fn nothing_heard_scores_one_half() {
        let (score, heard) = combine([("a", 0.5), ("b", 0.55)]);
        assert_eq!(score, 0.5);
        assert!(heard.is_empty());
    }

    #[test]
    fn strong_spam_clues_score_near_one_and_ham_clues_near_zero() {
        let (spam, _) = combine((0..10).map(|i| (i, 0.99)));
        let (ham, _) = combine((0..10).map(|i| (i, 0.01)));
        assert!(spam > 0.99, "{spam}");
        assert!(ham < 0.01, "{ham}");
    }

    #[test]
    fn evidence_both_ways_is_unsure() {
        let (score, _) = combine((0..10).map(|i| (i, if i % 2 == 0 { 0.99 } else { 0.01 })));
        assert!((score - 0.5).abs() < 0.05, "{score}");
    }

    #[test]
    fn the_strongest_clues_come_first_and_at_most_150_count() {
        let clues = (0..400).map(|i| (i, if i == 7 { 0.999 } else { 0.8 }));
        let (_, heard) = combine(clues);
        assert_eq!(heard.len(), 150);
        assert_eq!(heard[0].clue, 7);
    }

    #[test]
    fn many_tiny_probabilities_do_not_underflow() {
        let (score, _) = combine((0..150).map(|i| (i, 1e-6)));
        assert!(score.is_finite() && score < 0.01, "{score}");
    }
}
