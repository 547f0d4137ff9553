//! Finding codes and the checks that produce them, one file per rule family.

pub mod hygiene;
pub mod presence;
pub mod registry;
pub mod stack;
pub mod types;

pub use registry::{Code, RuleInfo, Severity};
