//! The smile-sensor collector: receives aggregate reports from stations, turns
//! client smiles into charity amounts, keeps each opted-in employee's points
//! private to that employee, and shows the organisation only totals over groups
//! of at least k stations.
//!
//! [`web::app`] builds the HTTP router; `main.rs` adds configuration, logging,
//! the administration commands and graceful shutdown around it.

pub mod anonymity;
pub mod chart;
pub mod clock;
pub mod config;
pub mod html;
pub mod i18n;
pub mod ingest;
pub mod secret;
pub mod store;
pub mod web;

pub use config::Config;
pub use web::{app, AppState};
