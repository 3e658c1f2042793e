//! Helpers shared by the dataset tools `smile-eval` and `smile-crops`.

pub mod images;
pub mod labels;

use std::path::PathBuf;

/// Face detector model committed with the crate.
pub fn default_detector_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/face_detection_short_range.onnx"
    ))
}

/// Reads a model file, naming it in the error.
pub fn read_model(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    std::fs::read(path).with_context(|| format!("failed to read model {}", path.display()))
}
