//! What a score may change about where the rules put a comment: only a
//! trained filter acts, and only within its thresholds.

use super::{Judgement, Thresholds};
use crate::domain::rules::{Placement, Verdict};
use crate::domain::status::Status;

/// The rules' placement, moved by the filter where its thresholds say:
/// to spam at or above the spam threshold (a comment the rules would hold
/// or publish), or published at or below the ham threshold when nothing
/// but the link count held it and every comment is not held anyway.
pub fn place(
    mut placement: Placement,
    judged: &Judgement,
    thresholds: Thresholds,
    hold_all: bool,
) -> Placement {
    if !judged.trained {
        return placement;
    }
    let moved = |verdict| Verdict {
        rule: "filter",
        verdict,
    };
    if judged.score >= thresholds.spam
        && matches!(placement.status, Status::Pending | Status::Approved)
    {
        placement.status = Status::Spam;
        placement.reasons.push(format!(
            "the spam filter scored it {:.3} (at least {}): {}",
            judged.score,
            thresholds.spam,
            judged.reasons_line()
        ));
        placement.verdicts.push(moved("spam"));
    } else if let Some(ham) = thresholds.ham
        && !hold_all
        && judged.score <= ham
        && placement.held_only_by(&["links"])
    {
        placement.status = Status::Approved;
        placement.reasons.push(format!(
            "published: the spam filter scored it {:.3} (at most {ham})",
            judged.score
        ));
        placement.verdicts.push(moved("approve"));
    }
    placement
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(score: f64, trained: bool) -> Judgement {
        Judgement {
            score,
            reasons: vec!["links to pills.example".into()],
            clues: String::new(),
            trained,
        }
    }

    fn placed(status: Status, held_by: &[&'static str]) -> Placement {
        Placement {
            status,
            reasons: vec![],
            verdicts: held_by
                .iter()
                .map(|rule| Verdict {
                    rule,
                    verdict: "hold",
                })
                .collect(),
        }
    }

    const BOTH: Thresholds = Thresholds {
        spam: 0.99,
        ham: Some(0.01),
    };

    #[test]
    fn an_untrained_filter_moves_nothing() {
        let p = place(
            placed(Status::Pending, &["hold_all"]),
            &judged(1.0, false),
            BOTH,
            true,
        );
        assert_eq!(p.status, Status::Pending);
    }

    #[test]
    fn at_the_spam_threshold_a_held_or_published_comment_goes_to_spam() {
        for status in [Status::Pending, Status::Approved] {
            let p = place(placed(status, &[]), &judged(0.99, true), BOTH, true);
            assert_eq!(p.status, Status::Spam);
            assert!(
                p.reasons[0].contains("links to pills.example"),
                "{:?}",
                p.reasons
            );
        }
        let p = place(
            placed(Status::Pending, &[]),
            &judged(0.989, true),
            BOTH,
            true,
        );
        assert_eq!(p.status, Status::Pending);
    }

    #[test]
    fn trash_from_a_disallowed_key_stays_trash() {
        let p = place(placed(Status::Trash, &[]), &judged(1.0, true), BOTH, true);
        assert_eq!(p.status, Status::Trash);
    }

    #[test]
    fn the_ham_threshold_publishes_only_link_holds_and_only_with_hold_all_off() {
        let low = judged(0.001, true);
        let links = place(placed(Status::Pending, &["links"]), &low, BOTH, false);
        assert_eq!(links.status, Status::Approved);
        let keys = place(
            placed(Status::Pending, &["links", "moderation_keys"]),
            &low,
            BOTH,
            false,
        );
        assert_eq!(keys.status, Status::Pending);
        let all = place(placed(Status::Pending, &["links"]), &low, BOTH, true);
        assert_eq!(all.status, Status::Pending);
        let off = Thresholds { ham: None, ..BOTH };
        let unset = place(placed(Status::Pending, &["links"]), &low, off, false);
        assert_eq!(unset.status, Status::Pending);
    }
}
