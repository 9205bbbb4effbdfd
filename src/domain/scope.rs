//! Which sites a moderator works on: an owner works on every site and the
//! instance's settings; anyone else on the sites they were given.

/// The sites a moderator may see, count and act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An owner: every site, and the instance's settings.
    Owner,
    /// These sites only, by id; none at all once their sites are removed.
    Sites(Vec<i64>),
}

impl Scope {
    pub fn covers(&self, site_id: i64) -> bool {
        match self {
            Scope::Owner => true,
            Scope::Sites(ids) => ids.contains(&site_id),
        }
    }

    pub fn is_owner(&self) -> bool {
        matches!(self, Scope::Owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_covers_every_site_and_a_scoped_moderator_only_theirs() {
        assert!(Scope::Owner.covers(7));
        let scoped = Scope::Sites(vec![2, 3]);
        assert!(scoped.covers(3));
        assert!(!scoped.covers(1));
        assert!(!Scope::Sites(Vec::new()).covers(1));
    }
}
