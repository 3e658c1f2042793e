//! Decoding of raw BlazeFace outputs into face candidates in frame pixels.

use crate::detect::anchors::{ANCHOR_COUNT, INPUT_SIZE};
use crate::face::{FaceBox, Keypoint, Point, Rect};
use crate::preprocess::Letterbox;

/// Values per anchor in the regressor output: box centre offset x and y, box width
/// and height, then x and y of each of the six keypoints.
pub const REGRESSOR_VALUES: usize = 4 + 2 * Keypoint::COUNT;

/// Logits are clipped to this magnitude before the sigmoid, as MediaPipe does
/// (`score_clipping_thresh: 100`).
pub const LOGIT_CLIP: f32 = 100.0;

/// A raw model output that cannot be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid detector output {output:?}: expected {expected} values, found {found}; the model does not match the BlazeFace short-range layout")]
    Length {
        output: &'static str,
        expected: usize,
        found: usize,
    },

    #[error("invalid detector output {output:?}: value {value} at index {index} is not finite")]
    NonFinite {
        output: &'static str,
        index: usize,
        value: f32,
    },
}

/// Logistic sigmoid of `logit` clipped to `[-LOGIT_CLIP, LOGIT_CLIP]`.
pub fn clipped_sigmoid(logit: f32) -> f32 {
    1.0 / (1.0 + (-logit.clamp(-LOGIT_CLIP, LOGIT_CLIP)).exp())
}

/// Appends to `faces` every anchor whose score is at least `min_score`, decoded into
/// frame pixels, and returns how many were appended.
///
/// `regressors` contains [`REGRESSOR_VALUES`] values per anchor and `logits` one per
/// anchor, in anchor order. Offsets, sizes and keypoints are in input pixels relative
/// to the anchor centre (MediaPipe's `x_scale = y_scale = w_scale = h_scale = 128`);
/// `letterbox` maps the result from input pixels back to frame pixels.
pub fn decode_candidates(
    regressors: &[f32],
    logits: &[f32],
    anchors: &[Point],
    letterbox: &Letterbox,
    min_score: f32,
    faces: &mut Vec<FaceBox>,
) -> Result<usize, DecodeError> {
    check_output("regressors", regressors, ANCHOR_COUNT * REGRESSOR_VALUES)?;
    check_output("classificators", logits, ANCHOR_COUNT)?;

    let before = faces.len();
    let input_size = INPUT_SIZE as f32;
    for (index, (&logit, anchor)) in logits.iter().zip(anchors).enumerate() {
        let score = clipped_sigmoid(logit);
        if score < min_score {
            continue;
        }
        let raw = &regressors[index * REGRESSOR_VALUES..(index + 1) * REGRESSOR_VALUES];
        let to_input = |dx: f32, dy: f32| {
            Point::new(
                (anchor.x + dx / input_size) * input_size,
                (anchor.y + dy / input_size) * input_size,
            )
        };

        let center = letterbox.to_frame(to_input(raw[0], raw[1]));
        let width = raw[2] / letterbox.scale;
        let height = raw[3] / letterbox.scale;
        let mut keypoints = [Point::default(); Keypoint::COUNT];
        for (keypoint, pair) in keypoints.iter_mut().zip(raw[4..].chunks_exact(2)) {
            *keypoint = letterbox.to_frame(to_input(pair[0], pair[1]));
        }
        faces.push(FaceBox {
            rect: Rect::new(
                center.x - width / 2.0,
                center.y - height / 2.0,
                width,
                height,
            ),
            score,
            keypoints,
        });
    }
    Ok(faces.len() - before)
}

fn check_output(output: &'static str, values: &[f32], expected: usize) -> Result<(), DecodeError> {
    if values.len() != expected {
        return Err(DecodeError::Length {
            output,
            expected,
            found: values.len(),
        });
    }
    match values.iter().position(|value| !value.is_finite()) {
        Some(index) => Err(DecodeError::NonFinite {
            output,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::anchors::anchor_centers;

    fn empty_outputs() -> (Vec<f32>, Vec<f32>) {
        (
            vec![0.0; ANCHOR_COUNT * REGRESSOR_VALUES],
            vec![-10.0; ANCHOR_COUNT],
        )
    }

    #[test]
    fn sigmoid_of_zero_is_half() {
        assert_eq!(clipped_sigmoid(0.0), 0.5);
    }

    #[test]
    fn sigmoid_clips_extreme_logits() {
        assert_eq!(clipped_sigmoid(1e9), clipped_sigmoid(LOGIT_CLIP));
        assert_eq!(clipped_sigmoid(-1e9), clipped_sigmoid(-LOGIT_CLIP));
        assert_eq!(clipped_sigmoid(f32::INFINITY), 1.0);
    }

    #[test]
    fn anchor_above_threshold_decodes_to_frame_pixels() {
        let (mut regressors, mut logits) = empty_outputs();
        // Anchor 512 is the top-left cell of the 8x8 grid, centred at (8, 8) input px.
        logits[512] = 3.0;
        let raw = &mut regressors[512 * REGRESSOR_VALUES..513 * REGRESSOR_VALUES];
        raw[0] = 2.0;
        raw[1] = -1.0;
        raw[2] = 10.0;
        raw[3] = 12.0;
        raw[4] = -3.0; // right eye x offset
        raw[5] = -2.0; // right eye y offset
        let letterbox = Letterbox::fit(256, 128, INPUT_SIZE);

        let mut faces = Vec::new();
        let count = decode_candidates(
            &regressors,
            &logits,
            &anchor_centers(),
            &letterbox,
            0.5,
            &mut faces,
        )
        .unwrap();

        assert_eq!(count, 1);
        let face = faces[0];
        assert!((face.score - clipped_sigmoid(3.0)).abs() < 1e-6);
        // Scale 0.5, vertical padding 32 input px.
        let center = face.rect.center();
        assert!((center.x - 20.0).abs() < 1e-4, "center.x {}", center.x);
        assert!(
            (center.y - (7.0 - 32.0) * 2.0).abs() < 1e-4,
            "center.y {}",
            center.y
        );
        assert!((face.rect.width - 20.0).abs() < 1e-4);
        assert!((face.rect.height - 24.0).abs() < 1e-4);
        let right_eye = face.keypoint(Keypoint::RightEye);
        assert!((right_eye.x - 10.0).abs() < 1e-4);
        assert!((right_eye.y - (6.0 - 32.0) * 2.0).abs() < 1e-4);
    }

    #[test]
    fn anchors_below_threshold_are_skipped() {
        let (regressors, logits) = empty_outputs();
        let mut faces = Vec::new();
        let letterbox = Letterbox::fit(128, 128, INPUT_SIZE);
        let count = decode_candidates(
            &regressors,
            &logits,
            &anchor_centers(),
            &letterbox,
            0.5,
            &mut faces,
        )
        .unwrap();
        assert_eq!(count, 0);
    }

    #[test]
    fn nan_logit_is_an_error() {
        let (regressors, mut logits) = empty_outputs();
        logits[7] = f32::NAN;
        let letterbox = Letterbox::fit(128, 128, INPUT_SIZE);
        let error = decode_candidates(
            &regressors,
            &logits,
            &anchor_centers(),
            &letterbox,
            0.5,
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(matches!(
            error,
            DecodeError::NonFinite {
                output: "classificators",
                index: 7,
                ..
            }
        ));
    }

    #[test]
    fn wrong_output_length_is_an_error() {
        let letterbox = Letterbox::fit(128, 128, INPUT_SIZE);
        let error = decode_candidates(
            &[0.0; 10],
            &[0.0; ANCHOR_COUNT],
            &anchor_centers(),
            &letterbox,
            0.5,
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!(
            error,
            DecodeError::Length {
                output: "regressors",
                expected: ANCHOR_COUNT * REGRESSOR_VALUES,
                found: 10
            }
        );
    }
}
