//! How Rust values are stored as Parquet columns: one [`Cell`] implementation per type, enums
//! as their serde names, and tolerant readers (a missing column reads as nulls).

use polars::prelude::*;

use crate::call::{CallStatus, Speaker};
use crate::rules::{Kind, MatchMode, Severity};

/// A Rust type stored as one Parquet column.
pub trait Cell: Sized {
    fn column(name: &str, values: Vec<Self>) -> Column;
    /// The column `name` of `df`; a missing column reads as nulls (files older than a column).
    fn read(df: &DataFrame, name: &str) -> Result<Vec<Self>, String>;
}

macro_rules! native_cell {
    ($($t:ty => $read:ident, $missing:expr;)*) => {$(
        impl Cell for $t {
            fn column(name: &str, values: Vec<Self>) -> Column {
                Column::new(name.into(), values)
            }
            fn read(df: &DataFrame, name: &str) -> Result<Vec<Self>, String> {
                let missing: fn(Option<_>) -> $t = $missing;
                Ok($read(df, name).into_iter().map(missing).collect())
            }
        }
    )*};
}

native_cell! {
    String => strings, |v: Option<String>| v.unwrap_or_default();
    Option<String> => strings, |v| v;
    f64 => floats, |v: Option<f64>| v.unwrap_or(0.0);
    Option<f64> => floats, |v| v;
    i64 => ints, |v: Option<i64>| v.unwrap_or(0);
    Option<i64> => ints, |v| v;
    bool => bools, |v: Option<bool>| v.unwrap_or(false);
    Option<bool> => bools, |v| v;
}

/// Enums are stored as their serde names.
macro_rules! enum_cell {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            fn column(name: &str, values: Vec<Self>) -> Column {
                let names: Vec<String> = values.iter().map(ToString::to_string).collect();
                Column::new(name.into(), names)
            }
            fn read(df: &DataFrame, name: &str) -> Result<Vec<Self>, String> {
                strings(df, name)
                    .into_iter()
                    .map(|v| v.unwrap_or_default().parse().map_err(|e| format!("{name}: {e}")))
                    .collect()
            }
        }
    )*};
}

enum_cell!(CallStatus, Speaker, Kind, Severity, MatchMode);

pub fn strings(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    match df.column(name).and_then(|c| c.str().cloned()) {
        Ok(c) => c.into_iter().map(|v| v.map(str::to_string)).collect(),
        Err(_) => vec![None; df.height()],
    }
}

pub fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    match df
        .column(name)
        .and_then(|c| c.cast(&DataType::Float64))
        .and_then(|c| c.f64().cloned())
    {
        Ok(c) => c.into_iter().collect(),
        Err(_) => vec![None; df.height()],
    }
}

pub fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    match df
        .column(name)
        .and_then(|c| c.cast(&DataType::Int64))
        .and_then(|c| c.i64().cloned())
    {
        Ok(c) => c.into_iter().collect(),
        Err(_) => vec![None; df.height()],
    }
}

pub fn bools(df: &DataFrame, name: &str) -> Vec<Option<bool>> {
    match df.column(name).and_then(|c| c.bool().cloned()) {
        Ok(c) => c.into_iter().collect(),
        Err(_) => vec![None; df.height()],
    }
}
