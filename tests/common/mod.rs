//! Fixtures shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use smile_sensor::preprocess::RgbaImage;

pub fn repository_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn detector_bytes() -> Vec<u8> {
    read(&repository_path("models/face_detection_short_range.onnx"))
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()))
}

/// Loads a PNG or JPEG file as tightly packed RGBA.
pub fn load_rgba(path: &Path) -> RgbaImage {
    let image = image::open(path)
        .unwrap_or_else(|error| panic!("failed to decode {}: {error}", path.display()))
        .to_rgba8();
    let (width, height) = image.dimensions();
    RgbaImage {
        pixels: image.into_raw(),
        width,
        height,
    }
}

/// Loads the public-domain NASA astronaut portrait (Eileen Collins), 512x512.
pub fn astronaut() -> RgbaImage {
    load_rgba(&repository_path("tests/fixtures/astronaut.png"))
}

/// Finds the labelled data folder: `SMILE_DATA_DIR`, or `../shared/data` beside the
/// repository. Prints a skip line and returns `None` when it is absent.
pub fn data_dir() -> Option<PathBuf> {
    let path = std::env::var_os("SMILE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository_path("../shared/data"));
    if path.is_dir() {
        Some(path)
    } else {
        println!("skipped: data not found at {}", path.display());
        None
    }
}
