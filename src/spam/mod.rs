//! The spam filter: a statistical token filter trained by the moderators'
//! decisions, one per site. Its counts live in the database, so every
//! instance shares them; each instance scores from a copy in memory,
//! brought up to date with only the rows changed since it last looked, so
//! scoring a submission costs no read (docs/performance.md, "spam").

pub mod clues;
pub mod combine;
mod placing;
pub mod replay;
mod training;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use diesel::QueryResult;

use crate::db::spam as store;
use crate::db::{AnyConnection, Database};
use crate::error::AppError;
use clues::{Clue, Evidence, Label, Reader};
use combine::Counts;

pub use placing::place;
pub use training::{Taught, after_decision, train_all};

/// Until a site's filter has learned at least this many comments of each
/// side it scores, but its score moves nothing.
pub const MIN_LEARNED: u64 = 20;
/// Pending comments scoring at least this are shown as likely spam.
pub const LIKELY_SPAM: f64 = 0.9;
/// How many clues a comment's reason names.
const REASONS: usize = 5;

/// What the score may do: send to spam at or above `spam`, and publish at
/// or below `ham` (when set, and only with `HOLD_ALL` off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub spam: f64,
    pub ham: Option<f64>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            spam: 0.99,
            ham: None,
        }
    }
}

/// The filter of every site, as this instance last read it.
#[derive(Debug)]
pub struct Filter {
    reader: Reader,
    pub thresholds: Thresholds,
    models: RwLock<HashMap<i64, Model>>,
}

#[derive(Debug, Default)]
struct Model {
    learned: Counts,
    generation: i64,
    epoch: i64,
    tokens: HashMap<String, Counts>,
}

/// What the filter made of one comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub score: f64,
    /// The strongest clues, in words, strongest first.
    pub reasons: Vec<String>,
    /// Every clue's key, one per line, as the comment will be trained.
    pub clues: String,
    /// The filter has learned enough to act on the score.
    pub trained: bool,
}

impl Judgement {
    /// The reasons on one line: "links to pills.example; words: casino, odds".
    pub fn reasons_line(&self) -> String {
        self.reasons.join("; ")
    }
}

impl Filter {
    pub fn new(secret: &[u8], thresholds: Thresholds) -> Self {
        Self {
            reader: Reader::new(secret),
            thresholds,
            models: RwLock::new(HashMap::new()),
        }
    }

    /// The reader that turns comments into the clues this filter counts.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Scores a comment for `site` from the counts in memory.
    pub fn judge(&self, site: i64, evidence: &Evidence<'_>) -> Judgement {
        let clues = self.reader.read(evidence);
        let models = self.models.read().unwrap_or_else(|e| e.into_inner());
        let empty = Model::default();
        let model = models.get(&site).unwrap_or(&empty);
        let (score, heard) = combine::combine(clues.iter().map(|clue| {
            let counts = model.tokens.get(&clue.key).copied().unwrap_or_default();
            (clue, combine::probability(counts, model.learned))
        }));
        let trained = model.learned.spam >= MIN_LEARNED && model.learned.ham >= MIN_LEARNED;
        drop(models);
        let spammy = score >= 0.5;
        let strongest = heard
            .iter()
            .filter(|h| (h.probability >= 0.5) == spammy)
            .take(REASONS)
            .map(|h| h.clue);
        Judgement {
            score,
            reasons: in_words(strongest),
            clues: keys(&clues),
            trained,
        }
    }

    /// What each site's filter learned, as this instance last read it.
    pub fn learned(&self) -> Vec<(i64, Counts)> {
        let models = self.models.read().unwrap_or_else(|e| e.into_inner());
        let mut learned: Vec<_> = models.iter().map(|(site, m)| (*site, m.learned)).collect();
        learned.sort_by_key(|(site, _)| *site);
        learned
    }

    /// [`Filter::refresh`] on one of `db`'s read connections.
    pub async fn refresh_from(self: Arc<Self>, db: &Database) -> Result<(), AppError> {
        db.read(move |conn| Ok(self.refresh(conn)?)).await
    }

    /// Brings the copy in memory up to date: one read of every site's row,
    /// then, for each site that moved, the clues changed since.
    pub fn refresh(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        let stored = store::filters(conn)?;
        let wanted: Vec<(store::Learned, i64)> = {
            let models = self.models.read().unwrap_or_else(|e| e.into_inner());
            stored
                .iter()
                .filter_map(|row| match models.get(&row.site_id) {
                    Some(m) if m.epoch == row.epoch && m.generation >= row.generation => None,
                    Some(m) if m.epoch == row.epoch => Some((*row, m.generation)),
                    _ => Some((*row, -1)),
                })
                .collect()
        };
        for (row, since) in wanted {
            let changed = store::tokens_since(conn, row.site_id, since)?;
            let mut models = self.models.write().unwrap_or_else(|e| e.into_inner());
            let model = models.entry(row.site_id).or_default();
            if since < 0 {
                // Read from the start: replaces whatever was here, unless a
                // newer read of the same epoch got here first.
                if model.epoch == row.epoch && model.generation >= row.generation {
                    continue;
                }
                *model = Model {
                    epoch: row.epoch,
                    ..Model::default()
                };
            } else if model.epoch != row.epoch || model.generation >= row.generation {
                continue;
            }
            model.learned = counts(row.spam, row.ham);
            model.generation = row.generation;
            for token in changed {
                model
                    .tokens
                    .insert(token.token, counts(token.spam, token.ham));
            }
        }
        let gone: Vec<i64> = {
            let models = self.models.read().unwrap_or_else(|e| e.into_inner());
            models
                .keys()
                .filter(|site| !stored.iter().any(|row| row.site_id == **site))
                .copied()
                .collect()
        };
        if !gone.is_empty() {
            let mut models = self.models.write().unwrap_or_else(|e| e.into_inner());
            for site in gone {
                models.remove(&site);
            }
        }
        Ok(())
    }
}

fn counts(spam: i64, ham: i64) -> Counts {
    Counts {
        spam: u64::try_from(spam).unwrap_or(0),
        ham: u64::try_from(ham).unwrap_or(0),
    }
}

fn keys(clues: &[Clue]) -> String {
    let mut keys = String::new();
    for clue in clues {
        if !keys.is_empty() {
            keys.push('\n');
        }
        keys.push_str(&clue.key);
    }
    keys
}

/// Clues as a moderator reads them: words gathered into one reason, in the
/// place of the strongest of them.
fn in_words<'a>(clues: impl Iterator<Item = &'a Clue>) -> Vec<String> {
    let mut reasons: Vec<String> = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    let mut words_at = None;
    for clue in clues {
        match &clue.label {
            Label::Word(word) => {
                words_at.get_or_insert(reasons.len());
                words.push(word);
            }
            Label::Other(text) => reasons.push(text.clone()),
        }
    }
    if let Some(at) = words_at {
        let label = if words.len() == 1 { "word" } else { "words" };
        reasons.insert(at, format!("{label}: {}", words.join(", ")));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clue(key: &str, label: Label) -> Clue {
        Clue {
            key: key.into(),
            label,
        }
    }

    #[test]
    fn words_are_gathered_where_the_strongest_was() {
        let clues = [
            clue(
                "h:pills.example",
                Label::Other("links to pills.example".into()),
            ),
            clue("w:casino", Label::Word("casino".into())),
            clue("u:none", Label::Other("no website given".into())),
            clue("w:odds", Label::Word("odds".into())),
        ];
        assert_eq!(
            in_words(clues.iter()),
            [
                "links to pills.example",
                "words: casino, odds",
                "no website given"
            ]
        );
    }

    #[test]
    fn an_empty_filter_scores_one_half_and_does_not_act() {
        let filter = Filter::new(b"s", Thresholds::default());
        let judged = filter.judge(
            1,
            &Evidence {
                author: "A",
                email: "a@b.example",
                url: "",
                body: "Hello there, nice post.",
                took_seconds: None,
                proof: None,
            },
        );
        assert_eq!(judged.score, 0.5);
        assert!(!judged.trained);
        assert!(judged.reasons.is_empty());
        assert!(judged.clues.contains("w:hello"));
    }
}
