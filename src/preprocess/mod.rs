//! Pixel preprocessing for the two models: the letterboxed detector input, the
//! aligned smile-scorer crop, and the border that turns a tight face crop into a
//! frame the detector can read.

pub mod align;
pub mod letterbox;
pub mod pad;

pub use align::{aligned_crop, CropError, CropGeometry, CROP_SIZE};
pub use letterbox::{letterbox_rgb, Letterbox, LetterboxResizer, MAX_SAMPLES_PER_AXIS};
pub use pad::{pad_tight_crop, RgbaImage};
