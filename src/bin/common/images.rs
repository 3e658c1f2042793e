//! Loading labelled images as frames the detector can read.

use std::path::Path;

use anyhow::Context;
use smile_sensor::preprocess::{pad_tight_crop, RgbaImage};
use smile_sensor::Frame;

/// Loads the image at `path` and adds the border that tight face crops need (see
/// [`pad_tight_crop`]), exactly as both evaluation and training-crop tools do.
pub fn load_padded(path: &Path) -> anyhow::Result<RgbaImage> {
    let image = image::open(path)
        .with_context(|| format!("failed to read image {}", path.display()))?
        .to_rgba8();
    let (width, height) = image.dimensions();
    let frame = Frame::rgba(image.as_raw(), width, height)
        .with_context(|| format!("invalid image {}", path.display()))?;
    Ok(pad_tight_crop(&frame))
}
