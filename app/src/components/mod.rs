//! Pieces shared by the pages.
pub mod certificate;
pub mod copy_links;
pub mod fields;
pub mod gate;
pub mod island;
pub mod layout;
pub mod poll;
pub mod text;
pub mod verdict;
