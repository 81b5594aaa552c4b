//! One module per group of targets; each adds its rows to the report.

pub mod amplification;
pub mod client_size;
pub mod download;
pub mod generation;
pub mod holder;
pub mod import;
pub mod instances;
pub mod pages;
pub mod production;
pub mod quickstart;
pub mod scale;
pub mod start;
pub mod turnaround;
pub mod wire;
