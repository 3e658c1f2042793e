//! Keypoint-aligned grayscale face crop, the input of the smile scorer.
//!
//! Geometry, from the detector keypoints of one face (frame pixels):
//!
//! - `eyes` is the midpoint of the two eye keypoints and `mouth` the mouth-centre
//!   keypoint.
//! - The crop's vertical axis `down` is perpendicular to the eye line and points from
//!   the eyes towards the mouth. Its horizontal axis is `down` turned a quarter turn
//!   counter-clockwise in image coordinates. The eye line is therefore level in the
//!   crop, the mouth is always below the eyes, and a frame with a roll of up to 90
//!   degrees either way is turned upright.
//! - The face scale `L` is the larger of the eye distance and the eye-to-mouth
//!   distance divided by [`EYE_MOUTH_PER_EYE_DISTANCE`], so that turning the head
//!   sideways (which shortens the eye distance) or nodding (which shortens the
//!   eye-to-mouth distance) does not shrink the face in the crop.
//! - The crop is a square of side [`CROP_SIDE_PER_SCALE`] `* L`, centred on the
//!   midpoint of `eyes` and `mouth`. Take a face of typical proportions, whose
//!   eye-to-mouth distance is 1.09 eye distances. Its eyes then sit 0.27 of the side
//!   from the top and its mouth 0.73, and the bottom edge lies 0.6 eye-to-mouth
//!   distances below the mouth, which leaves room for the chin.
//! - It is resampled to [`CROP_SIZE`] x [`CROP_SIZE`] pixels with bilinear sampling
//!   of BT.601 luma, edge pixels repeated outside the frame, and values divided by
//!   255 into [0, 1].

use crate::face::{FaceBox, Keypoint, Point};
use crate::frame::Frame;
use crate::preprocess::letterbox::split_coordinate;

/// Side of the aligned crop, in pixels.
pub const CROP_SIZE: usize = 64;

/// Typical ratio of the eye-to-mouth distance to the eye distance for BlazeFace
/// keypoints of a frontal face: the median over 1,000 SMILEsmileD faces found by the
/// product's detector (5th to 95th percentile 0.92 to 1.20). Changing it changes the
/// crops, so it moves only together with retraining the smile scorer.
pub const EYE_MOUTH_PER_EYE_DISTANCE: f32 = 1.09;

/// Crop side as a multiple of the face scale `L`.
pub const CROP_SIDE_PER_SCALE: f32 = 2.4;

/// Smallest face scale `L` accepted, in frame pixels; keypoints closer than this are
/// degenerate and cannot define a crop.
pub const MIN_FACE_SCALE: f32 = 1.0;

/// Error from computing the crop of a face.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CropError {
    #[error("invalid face keypoints: face scale {scale} pixels is not a finite value of at least {MIN_FACE_SCALE}; pass a face found by the detector")]
    DegenerateKeypoints { scale: f32 },
}

/// Position, orientation and size of the aligned crop in the frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CropGeometry {
    /// Centre of the crop, in frame pixels.
    pub center: Point,
    /// Unit vector along the crop's rows (left to right), in frame coordinates.
    pub axis_x: Point,
    /// Unit vector along the crop's columns (top to bottom), in frame coordinates.
    pub axis_y: Point,
    /// Side of the square crop, in frame pixels.
    pub side: f32,
}

impl CropGeometry {
    /// Computes the crop square of `face` as described in the module documentation.
    pub fn from_face(face: &FaceBox) -> Result<Self, CropError> {
        let right_eye = face.keypoint(Keypoint::RightEye);
        let left_eye = face.keypoint(Keypoint::LeftEye);
        let mouth = face.keypoint(Keypoint::MouthCenter);
        let eyes = Point::new(
            (right_eye.x + left_eye.x) / 2.0,
            (right_eye.y + left_eye.y) / 2.0,
        );

        let eye_distance = right_eye.distance(left_eye);
        let eye_mouth_distance = eyes.distance(mouth);
        let scale = eye_distance.max(eye_mouth_distance / EYE_MOUTH_PER_EYE_DISTANCE);
        if !(scale.is_finite() && scale >= MIN_FACE_SCALE) {
            return Err(CropError::DegenerateKeypoints { scale });
        }

        let axis_y = if eye_distance >= MIN_FACE_SCALE {
            let eye_line = Point::new(
                (left_eye.x - right_eye.x) / eye_distance,
                (left_eye.y - right_eye.y) / eye_distance,
            );
            let perpendicular = Point::new(-eye_line.y, eye_line.x);
            let towards_mouth =
                (mouth.x - eyes.x) * perpendicular.x + (mouth.y - eyes.y) * perpendicular.y;
            if towards_mouth >= 0.0 {
                perpendicular
            } else {
                Point::new(-perpendicular.x, -perpendicular.y)
            }
        } else {
            // Eyes on top of each other (a face in full profile): fall back to the
            // eye-to-mouth direction, which is finite because `scale` is.
            Point::new(
                (mouth.x - eyes.x) / eye_mouth_distance,
                (mouth.y - eyes.y) / eye_mouth_distance,
            )
        };
        let axis_x = Point::new(axis_y.y, -axis_y.x);

        Ok(Self {
            center: Point::new((eyes.x + mouth.x) / 2.0, (eyes.y + mouth.y) / 2.0),
            axis_x,
            axis_y,
            side: CROP_SIDE_PER_SCALE * scale,
        })
    }

    /// Maps crop pixel coordinates (continuous, `0..CROP_SIZE` on each axis) to frame
    /// pixels.
    pub fn to_frame(&self, crop_x: f32, crop_y: f32) -> Point {
        let step = self.side / CROP_SIZE as f32;
        let u = (crop_x - CROP_SIZE as f32 / 2.0) * step;
        let v = (crop_y - CROP_SIZE as f32 / 2.0) * step;
        Point::new(
            self.center.x + u * self.axis_x.x + v * self.axis_y.x,
            self.center.y + u * self.axis_x.y + v * self.axis_y.y,
        )
    }
}

/// Writes the aligned crop of `face` into `crop`, row-major, [`CROP_SIZE`] squared
/// luma values in [0, 1]. Returns the geometry used.
pub fn aligned_crop(
    frame: &Frame<'_>,
    face: &FaceBox,
    crop: &mut [f32; CROP_SIZE * CROP_SIZE],
) -> Result<CropGeometry, CropError> {
    let geometry = CropGeometry::from_face(face)?;
    for row in 0..CROP_SIZE {
        for column in 0..CROP_SIZE {
            let position = geometry.to_frame(column as f32 + 0.5, row as f32 + 0.5);
            crop[row * CROP_SIZE + column] = sample_luma_bilinear(frame, position) / 255.0;
        }
    }
    Ok(geometry)
}

/// Converts a crop to 8-bit gray pixels, for saving it as an image.
pub fn crop_to_gray8(crop: &[f32; CROP_SIZE * CROP_SIZE]) -> [u8; CROP_SIZE * CROP_SIZE] {
    let mut gray = [0u8; CROP_SIZE * CROP_SIZE];
    for (out, value) in gray.iter_mut().zip(crop) {
        *out = (value * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    gray
}

fn sample_luma_bilinear(frame: &Frame<'_>, position: Point) -> f32 {
    let (x0, fx) = split_coordinate(position.x);
    let (y0, fy) = split_coordinate(position.y);
    let top = frame.luma(x0, y0) * (1.0 - fx) + frame.luma(x0 + 1, y0) * fx;
    let bottom = frame.luma(x0, y0 + 1) * (1.0 - fx) + frame.luma(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::Rect;

    fn face_with(right_eye: Point, left_eye: Point, mouth: Point) -> FaceBox {
        let mut keypoints = [Point::default(); Keypoint::COUNT];
        keypoints[Keypoint::RightEye as usize] = right_eye;
        keypoints[Keypoint::LeftEye as usize] = left_eye;
        keypoints[Keypoint::MouthCenter as usize] = mouth;
        FaceBox {
            rect: Rect::new(0.0, 0.0, 100.0, 100.0),
            score: 0.9,
            keypoints,
        }
    }

    fn assert_close(found: f32, expected: f32, what: &str) {
        assert!(
            (found - expected).abs() < 1e-3,
            "{what}: expected {expected}, found {found}"
        );
    }

    #[test]
    fn upright_face_keeps_axes() {
        let face = face_with(
            Point::new(40.0, 50.0),
            Point::new(60.0, 50.0),
            Point::new(50.0, 70.0),
        );
        let geometry = CropGeometry::from_face(&face).unwrap();
        assert_close(geometry.axis_x.x, 1.0, "axis_x.x");
        assert_close(geometry.axis_y.y, 1.0, "axis_y.y");
        assert_close(geometry.center.x, 50.0, "center.x");
        assert_close(geometry.center.y, 60.0, "center.y");
        assert_close(geometry.side, CROP_SIDE_PER_SCALE * 20.0, "side");
    }

    #[test]
    fn rolled_face_is_levelled() {
        // Face rolled 90 degrees clockwise: eyes stacked vertically, mouth to the left.
        let face = face_with(
            Point::new(50.0, 40.0),
            Point::new(50.0, 60.0),
            Point::new(30.0, 50.0),
        );
        let geometry = CropGeometry::from_face(&face).unwrap();
        // Down in the crop points from the eyes to the mouth.
        assert_close(geometry.axis_y.x, -1.0, "axis_y.x");
        assert_close(geometry.axis_y.y, 0.0, "axis_y.y");
        // The right eye maps to the crop's left half and the left eye to its right.
        let right_eye_crop_x = (50.0 - geometry.center.x) * geometry.axis_x.x
            + (40.0 - geometry.center.y) * geometry.axis_x.y;
        assert!(right_eye_crop_x < 0.0, "right eye at {right_eye_crop_x}");
    }

    #[test]
    fn mirrored_face_stays_upright() {
        let face = face_with(
            Point::new(60.0, 50.0),
            Point::new(40.0, 50.0),
            Point::new(50.0, 70.0),
        );
        let geometry = CropGeometry::from_face(&face).unwrap();
        assert_close(geometry.axis_y.y, 1.0, "axis_y.y");
        assert_close(geometry.axis_x.x, 1.0, "axis_x.x");
    }

    #[test]
    fn turned_head_keeps_scale_from_eye_mouth_distance() {
        let face = face_with(
            Point::new(45.0, 50.0),
            Point::new(55.0, 50.0),
            Point::new(50.0, 70.0),
        );
        let geometry = CropGeometry::from_face(&face).unwrap();
        assert_close(
            geometry.side,
            CROP_SIDE_PER_SCALE * 20.0 / EYE_MOUTH_PER_EYE_DISTANCE,
            "side",
        );
    }

    #[test]
    fn coincident_keypoints_are_rejected() {
        let point = Point::new(10.0, 10.0);
        let error = CropGeometry::from_face(&face_with(point, point, point)).unwrap_err();
        assert_eq!(error, CropError::DegenerateKeypoints { scale: 0.0 });
    }

    #[test]
    fn nan_keypoints_are_rejected() {
        let nan = Point::new(f32::NAN, 0.0);
        let result = CropGeometry::from_face(&face_with(nan, nan, nan));
        assert!(result.is_err());
    }

    #[test]
    fn crop_samples_luma_in_unit_range() {
        // Left half black, right half white: the crop of an upright face centred on
        // the boundary is dark on the left and light on the right.
        let pixels: Vec<u8> = (0..100 * 100)
            .map(|index| if index % 100 < 50 { 0 } else { 255 })
            .collect();
        let frame = Frame::gray(&pixels, 100, 100).unwrap();
        let face = face_with(
            Point::new(40.0, 45.0),
            Point::new(60.0, 45.0),
            Point::new(50.0, 65.0),
        );
        let mut crop = [0.0; CROP_SIZE * CROP_SIZE];
        aligned_crop(&frame, &face, &mut crop).unwrap();
        assert_eq!(crop[CROP_SIZE * 32], 0.0);
        assert_eq!(crop[CROP_SIZE * 32 + CROP_SIZE - 1], 1.0);
        assert!(crop.iter().all(|value| (0.0..=1.0).contains(value)));
    }
}
