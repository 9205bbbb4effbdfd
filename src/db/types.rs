//! How the domain's enums are stored: as their text, in `Text` columns, on
//! SQLite, on PostgreSQL and through the `MultiConnection`'s `MultiBackend`.
//!
//! The impls are generic over the backend and hand the text to `str` and
//! `String`'s own: for SQLite and PostgreSQL those write and read the bytes;
//! for `MultiBackend` the derive's `str` and `String` impls pass the value on
//! to the connection's own backend (`Output::set_value`, `MultiRawValue::from_sql`),
//! which then lands here again. So one impl serves all three, the queries
//! through `native!` on a backend's own connection as well as those through
//! `AnyConnection`. The `AsExpression` and `FromSqlRow` derives are applied
//! here with `foreign_derive`, so that `domain` names no diesel.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::akismet::{Job, Verdict};
use crate::domain::mail_kind::MailKind;
use crate::domain::moderation_mail::ModerationMail;
use crate::domain::status::Status;

/// Stores `$ty` as the text of its `as_str`, read back through its `FromStr`.
macro_rules! stored_as_text {
    ($ty:ident, $derives:ident) => {
        #[derive(AsExpression, FromSqlRow)]
        #[diesel(foreign_derive, sql_type = Text)]
        #[allow(dead_code)] // only carries the derives for `$ty`
        struct $derives($ty);

        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                Ok(String::from_sql(bytes)?.parse()?)
            }
        }
    };
}

stored_as_text!(Status, StatusDerives);
stored_as_text!(MailKind, MailKindDerives);
stored_as_text!(Job, JobDerives);
stored_as_text!(Verdict, VerdictDerives);
stored_as_text!(ModerationMail, ModerationMailDerives);

/// An outbox row's kind as read back: rows queued before the kinds existed
/// have an empty one, which the worker skips instead of failing the batch.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct StoredMailKind(pub Option<MailKind>);

impl<DB> FromSql<Text, DB> for StoredMailKind
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Self(String::from_sql(bytes)?.parse().ok()))
    }
}

impl From<StoredMailKind> for Option<MailKind> {
    fn from(stored: StoredMailKind) -> Self {
        stored.0
    }
}
