//! smile-sensor: counts smiles at a service desk on the device itself and reports
//! only aggregate counts.
//!
//! The crate is a pure core that builds and tests natively: frames, face detection,
//! smile scoring, tracking, smile events, interactions and the aggregate report.
//! Models are loaded from bytes and time is passed in by the caller; nothing here
//! reads a clock, a file or a random source. The browser glue in [`wasm`] is compiled
//! only for `wasm32`.
//!
//! A smile is detected as a facial expression. The crate infers no emotion, and
//! estimates no age, gender or identity.

pub mod aggregate;
pub mod config;
pub mod face;
pub mod interaction;
pub mod report;
pub mod roles;
pub mod session;
pub mod smile_events;
pub mod time;
pub mod tracking;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
