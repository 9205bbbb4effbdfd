//! Teaching the filter: each moderation decision trains a comment as spam
//! or ham, and a decision taken back untrains it, so the counts always add
//! up to the decisions that stand.

use diesel::QueryResult;

use super::clues::{Evidence, Reader};
use crate::db::AnyConnection;
use crate::db::spam::{self as store, Side};
use crate::domain::moderation::Action;
use crate::domain::status::Status;

/// The side a decision teaches, or `None` when it takes a decision back;
/// `Err(())` when it says nothing about spam (trash, restore to the queue,
/// delete), and what the comment was learned as stands.
fn teaches(action: Action, to: Option<Status>) -> Result<Option<Side>, ()> {
    match (action, to) {
        (_, Some(Status::Approved)) | (Action::NotSpam, Some(_)) => Ok(Some(Side::Ham)),
        (_, Some(Status::Spam)) => Ok(Some(Side::Spam)),
        (Action::Unapprove, _) => Ok(None),
        _ => Err(()),
    }
}

/// Trains or untrains comment `id` after `action` moved it to `to`, inside
/// the moderation's transaction. A comment stored before the filter has no
/// clues and teaches nothing until `replydesk spam train` reads it.
pub fn after_decision(
    conn: &mut AnyConnection,
    id: i64,
    action: Action,
    to: Option<Status>,
) -> QueryResult<()> {
    let Ok(wanted) = teaches(action, to) else {
        return Ok(());
    };
    let Some(trainee) = store::trainee(conn, id)? else {
        return Ok(());
    };
    if trainee.trained == wanted || trainee.clues.is_empty() {
        return Ok(());
    }
    relearn(
        conn,
        id,
        trainee.site_id,
        &trainee.clues,
        trainee.trained,
        wanted,
    )
}

/// Moves comment `id` from being learned as `was` to being learned as
/// `now`: its clues unlearned from the one side, learned on the other.
fn relearn(
    conn: &mut AnyConnection,
    id: i64,
    site: i64,
    clues: &str,
    was: Option<Side>,
    now: Option<Side>,
) -> QueryResult<()> {
    let clues: Vec<&str> = clues.lines().collect();
    if let Some(old) = was {
        store::learn(conn, site, &clues, old, -1)?;
    }
    if let Some(new) = now {
        store::learn(conn, site, &clues, new, 1)?;
    }
    store::mark_trained(conn, id, now)
}

/// How many comments `train_all` learned of each side.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Taught {
    pub spam: u64,
    pub ham: u64,
    /// Already learned as they stand.
    pub unchanged: u64,
}

/// Learns every published comment as ham and every spam comment as spam,
/// on `site` or every site; comments without clues (imported, or older than
/// the filter) have theirs read from what is stored first. Comments already
/// learned as they stand are left, so running it twice teaches nothing twice.
pub fn train_all(
    conn: &mut AnyConnection,
    reader: &Reader,
    site: Option<i64>,
) -> QueryResult<Taught> {
    let mut taught = Taught::default();
    let mut after = 0_i64;
    loop {
        let page = store::moderated_after(conn, after, site)?;
        let Some(last) = page.last() else {
            return Ok(taught);
        };
        after = last.id;
        for store::Moderated {
            id,
            site_id,
            status,
            author,
            email,
            url,
            body,
            mut clues,
            trained,
        } in page
        {
            let side = if status == Status::Spam {
                Side::Spam
            } else {
                Side::Ham
            };
            if trained == Some(side) {
                taught.unchanged += 1;
                continue;
            }
            if clues.is_empty() {
                clues = super::keys(&reader.read(&Evidence {
                    author: &author,
                    email: &email,
                    url: &url,
                    body: &body,
                    took_seconds: None,
                    proof: None,
                }));
                store::set_clues(conn, id, &clues)?;
            }
            relearn(conn, id, site_id, &clues, trained, Some(side))?;
            match side {
                Side::Spam => taught.spam += 1,
                Side::Ham => taught.ham += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_decision_teaches() {
        use Action::*;
        assert_eq!(
            teaches(Approve, Some(Status::Approved)),
            Ok(Some(Side::Ham))
        );
        assert_eq!(teaches(Spam, Some(Status::Spam)), Ok(Some(Side::Spam)));
        assert_eq!(teaches(NotSpam, Some(Status::Pending)), Ok(Some(Side::Ham)));
        assert_eq!(teaches(Unapprove, Some(Status::Pending)), Ok(None));
        assert_eq!(
            teaches(Restore, Some(Status::Approved)),
            Ok(Some(Side::Ham))
        );
        assert_eq!(teaches(Trash, Some(Status::Trash)), Err(()));
        assert_eq!(teaches(Delete, None), Err(()));
        assert_eq!(teaches(Restore, Some(Status::Pending)), Err(()));
    }
}
