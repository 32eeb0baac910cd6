//! The commands the window invokes: thin wrappers over lanban-client and the embedded server. Each is typed for
//! the generated `ui/src/bindings.ts`.

pub mod board;
pub mod handoff;
pub mod lan;
pub mod links;
pub mod notify;
pub mod report;
pub mod share;
pub mod start;
