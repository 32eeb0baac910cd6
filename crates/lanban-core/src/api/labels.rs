//! Bodies of the board label routes (docs/protocol.md §6.33–§6.35); a label itself is [`crate::model::Label`].

use serde::{Deserialize, Serialize};

/// `PATCH /api/boards/{board}/labels/{name}`: rename and/or recolour one of the board's labels (every card carrying
/// it follows).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct UpdateLabel {
    /// The new name: 1–60 characters, not another label's (ignoring case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// The new colour, `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^#[0-9A-Fa-f]{6}$")]
    pub color: Option<String>,
}
