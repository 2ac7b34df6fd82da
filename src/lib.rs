//! callqa: call-center QA over recorded calls.
//!
//! One call flows one way through one module per stage:
//! `audio` (decode, resample) → `analysis` → `asr` → `rules` → `score` → `store`,
//! driven by `batch` for many files and by `cli` for people. See DESIGN in the README.

pub mod analysis;
pub mod asr;
pub mod audio;
pub mod batch;
pub mod cli;
pub mod config;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod score;
pub mod store;
