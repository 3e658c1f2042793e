//! Face detection with MediaPipe's BlazeFace short-range model.
//!
//! The model reads a 128x128 letterboxed copy of the frame and scores 896 fixed
//! anchors; [`decode`] turns the raw outputs into candidates in frame pixels and
//! [`nms`] merges overlapping candidates. Anchor generation, decoding and suppression
//! are plain Rust and build without the `vision` feature; only [`FaceDetector`], which
//! runs the model, needs tract.

pub mod anchors;
pub mod decode;
pub mod nms;

pub use decode::DecodeError;
pub use nms::{Nms, NmsMethod};

#[cfg(feature = "vision")]
mod detector;
#[cfg(feature = "vision")]
pub use detector::{DetectError, FaceDetector};
