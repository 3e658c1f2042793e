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
//!
//! Vision: [`Pipeline`] runs the face detector ([`detect`]) and the smile scorer
//! ([`smile`]) on each [`Frame`]. Both need the `vision` feature (tract); frames,
//! preprocessing, anchors, decoding and suppression build without it.

pub mod aggregate;
pub mod config;
pub mod detect;
pub mod face;
pub mod frame;
pub mod interaction;
pub mod preprocess;
pub mod report;
pub mod roles;
pub mod schedule;
pub mod session;
pub mod smile_events;
pub mod time;
pub mod tracking;

#[cfg(feature = "vision")]
mod kernels;
#[cfg(feature = "vision")]
mod model;
#[cfg(feature = "vision")]
mod pipeline;
#[cfg(feature = "vision")]
pub mod smile;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use frame::{Frame, FrameError, PixelFormat, YuvColor, YuvMatrix};
#[cfg(feature = "vision")]
pub use model::ModelError;
#[cfg(feature = "vision")]
pub use pipeline::{
    Pipeline, PipelineConfig, PipelineError, Stage, StageTimes, DEFAULT_SMILE_THRESHOLD,
};
