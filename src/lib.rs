//! callqa: call-center QA over recorded calls.
//!
//! One call flows one way through one module per stage, lowest first (README, "Architecture"):
//! `call` (facts) → `audio` (decode, resample, VAD) → `asr` → `analysis` → `rules` → `score`
//! → `aggregate` → `config` → `pipeline` → `store` → `batch` / `report` → `cli`.
//! `models` (the Whisper converter) stands apart. A module never imports from one above it;
//! `tests/layers.rs` checks that.

pub mod aggregate;
pub mod analysis;
pub mod asr;
pub mod audio;
pub mod batch;
pub mod call;
pub mod cli;
pub mod config;
pub mod diarize;
pub mod models;
pub mod pipeline;
pub mod report;
pub mod review;
pub mod rules;
pub mod score;
pub mod store;
