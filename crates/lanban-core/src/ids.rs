//! Typed identifiers: every id is a UUIDv7, so ids sort by creation time and one kind can't be passed for another.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies a board (and its room).
    BoardId
);
id_type!(
    /// Identifies a column of a board.
    ColumnId
);
id_type!(
    /// Identifies a card.
    CardId
);
id_type!(
    /// Identifies a member of one board; the same person on two boards has two member ids.
    MemberId
);
id_type!(
    /// Identifies a comment on a card.
    CommentId
);
id_type!(
    /// Identifies a checklist on a card.
    ChecklistId
);
id_type!(
    /// Identifies an item of a checklist.
    ItemId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_round_trip_as_plain_strings() {
        let id = CardId::new();
        assert_eq!(id.0.get_version_num(), 7);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<CardId>(&json).unwrap(), id);
        assert_eq!(id.to_string().parse::<CardId>().unwrap(), id);
    }
}
