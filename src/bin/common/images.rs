//! Loading labelled images and finding their face with the rule that both dataset
//! tools share, so the crops `smile-crops` writes for training are the crops
//! `smile-eval` scores.

use std::path::Path;

use anyhow::Context;
use smile_sensor::face::FaceBox;
use smile_sensor::preprocess::{pad_tight_crop, RgbaImage};
use smile_sensor::Frame;

/// Border widths tried on a tight crop, each a fraction of the crop's larger side
/// per side, in order until the detector finds a face. The second, wider border
/// makes a face that fills a tight crop smaller in the detector's input.
pub const BORDERS_PER_SIDE: [f32; 2] = [smile_sensor::preprocess::pad::BORDER_PER_SIDE, 1.0];

/// A labelled image after padding, with the faces found in it, strongest first.
pub struct DetectedImage {
    pub padded: RgbaImage,
    pub faces: Vec<FaceBox>,
}

/// Loads the image at `path` and finds its faces with `detect`, padding it with each
/// border of [`BORDERS_PER_SIDE`] in turn (see [`pad_tight_crop`]) until a face is
/// found. When no border yields a face, returns the first padding and no faces.
pub fn detect_in_image(
    path: &Path,
    mut detect: impl FnMut(&Frame<'_>) -> anyhow::Result<Vec<FaceBox>>,
) -> anyhow::Result<DetectedImage> {
    let image = image::open(path)
        .with_context(|| format!("failed to read image {}", path.display()))?
        .to_rgba8();
    let (width, height) = image.dimensions();
    let frame = Frame::rgba(image.as_raw(), width, height)
        .with_context(|| format!("invalid image {}", path.display()))?;

    let mut first_attempt = None;
    for border_per_side in BORDERS_PER_SIDE {
        let padded = pad_tight_crop(&frame, border_per_side);
        let faces = detect(&padded.frame()?)
            .with_context(|| format!("face detection failed on {}", path.display()))?;
        if !faces.is_empty() {
            return Ok(DetectedImage { padded, faces });
        }
        first_attempt.get_or_insert(padded);
    }
    let padded = match first_attempt {
        Some(padded) => padded,
        None => pad_tight_crop(&frame, BORDERS_PER_SIDE[0]),
    };
    Ok(DetectedImage {
        padded,
        faces: Vec::new(),
    })
}
