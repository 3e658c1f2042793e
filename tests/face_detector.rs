//! The BlazeFace detector on real images, checked against onnxruntime 1.18.1.
// The images are read with the `image` crate, a native-only dependency.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use smile_sensor::detect::FaceDetector;
use smile_sensor::face::{Keypoint, Rect};
use smile_sensor::preprocess::RgbaImage;
use smile_sensor::smile::SmileScorer;
use smile_sensor::{Frame, ModelError};

/// Box and keypoints of the astronaut's face from onnxruntime 1.18.1 on the same
/// letterboxed input (4x4 block means of the 512x512 image), decoded and merged with
/// weighted NMS by an independent numpy implementation.
const ASTRONAUT_BOX: Rect = Rect::new(177.95, 80.82, 94.2, 94.2);
const ASTRONAUT_RIGHT_EYE: (f32, f32) = (203.8, 100.8);
const ASTRONAUT_MOUTH: (f32, f32) = (218.9, 145.5);

/// Largest difference from the reference accepted, in frame pixels. Both runtimes
/// agree to about 0.01 pixel; the reference values above are rounded to 0.05.
const PIXEL_TOLERANCE: f32 = 0.5;

fn assert_near(found: f32, expected: f32, tolerance: f32, what: &str) {
    assert!(
        (found - expected).abs() <= tolerance,
        "{what}: expected {expected} within {tolerance}, found {found}"
    );
}

#[test]
fn astronaut_has_exactly_one_face_at_reference_box() {
    let mut detector = FaceDetector::new(&common::detector_bytes()).unwrap();
    let image = common::astronaut();
    let faces = detector.detect(&image.frame().unwrap()).unwrap();

    assert_eq!(faces.len(), 1, "faces: {faces:?}");
    let face = faces[0];
    assert_near(face.rect.x, ASTRONAUT_BOX.x, PIXEL_TOLERANCE, "x");
    assert_near(face.rect.y, ASTRONAUT_BOX.y, PIXEL_TOLERANCE, "y");
    assert_near(
        face.rect.width,
        ASTRONAUT_BOX.width,
        PIXEL_TOLERANCE,
        "width",
    );
    assert_near(
        face.rect.height,
        ASTRONAUT_BOX.height,
        PIXEL_TOLERANCE,
        "height",
    );
    assert_near(face.score, 0.9224, 1e-3, "score");

    let right_eye = face.keypoint(Keypoint::RightEye);
    assert_near(
        right_eye.x,
        ASTRONAUT_RIGHT_EYE.0,
        PIXEL_TOLERANCE,
        "right eye x",
    );
    assert_near(
        right_eye.y,
        ASTRONAUT_RIGHT_EYE.1,
        PIXEL_TOLERANCE,
        "right eye y",
    );
    let mouth = face.keypoint(Keypoint::MouthCenter);
    assert_near(mouth.x, ASTRONAUT_MOUTH.0, PIXEL_TOLERANCE, "mouth x");
    assert_near(mouth.y, ASTRONAUT_MOUTH.1, PIXEL_TOLERANCE, "mouth y");
}

#[test]
fn detector_raw_outputs_match_onnxruntime() {
    let mut detector = FaceDetector::new(&common::detector_bytes()).unwrap();
    let image = common::astronaut();
    let (regressors, logits) = detector.raw_outputs(&image.frame().unwrap()).unwrap();

    // Values printed by onnxruntime 1.18.1 for the same input tensor.
    let expected_regressors = [0.793_960, -0.544_275, 25.376_307, 25.375_994];
    for (index, expected) in expected_regressors.iter().enumerate() {
        assert_near(
            regressors[index],
            *expected,
            1e-3,
            &format!("regressors[{index}]"),
        );
    }
    assert_near(logits[0], -4.225_367, 1e-3, "logits[0]");
    assert_near(logits[141], 2.475_607, 1e-3, "logits[141]");
    assert_near(logits[895], -54.469_42, 1e-2, "logits[895]");
    let strongest = logits
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(index, _)| index);
    assert_eq!(strongest, Some(141));
}

#[test]
fn smooth_gradient_has_no_face() {
    let (width, height) = (640u32, 480u32);
    let mut pixels = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            let red = (x * 255 / width) as u8;
            let green = (y * 255 / height) as u8;
            pixels.extend_from_slice(&[red, green, 128, 255]);
        }
    }
    let mut detector = FaceDetector::new(&common::detector_bytes()).unwrap();
    let faces = detector
        .detect(&Frame::rgba(&pixels, width, height).unwrap())
        .unwrap();
    assert!(faces.is_empty(), "faces: {faces:?}");
}

#[test]
fn public_domain_photos_without_faces_have_none() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let mut detector = FaceDetector::new(&common::detector_bytes()).unwrap();
    for name in ["coffee.png", "brick.png"] {
        let image = common::load_rgba(&data.join("hardcases/skimage").join(name));
        let faces = detector.detect(&image.frame().unwrap()).unwrap();
        assert!(faces.is_empty(), "{name}: {faces:?}");
    }
}

#[test]
fn detector_accepts_gray_and_strided_frames() {
    // The astronaut as gray pixels in rows padded to 520 bytes finds the same face.
    let image = common::astronaut();
    let mut gray = vec![0u8; 520 * 512];
    for y in 0..512usize {
        for x in 0..512usize {
            let rgba = &image.pixels[(y * 512 + x) * 4..];
            let luma = 0.299 * f32::from(rgba[0])
                + 0.587 * f32::from(rgba[1])
                + 0.114 * f32::from(rgba[2]);
            gray[y * 520 + x] = luma.round() as u8;
        }
    }
    let frame = Frame::new(&gray, 512, 512, 520, smile_sensor::PixelFormat::Gray8).unwrap();
    let mut detector = FaceDetector::new(&common::detector_bytes()).unwrap();
    let faces = detector.detect(&frame).unwrap();
    assert_eq!(faces.len(), 1, "faces: {faces:?}");
    assert!(
        faces[0].rect.iou(&ASTRONAUT_BOX) > 0.8,
        "box {:?}",
        faces[0].rect
    );
}

#[test]
fn detector_finds_face_in_landscape_frame() {
    // The top 384 rows of the astronaut make a 512x384 frame, letterboxed with 16
    // input pixels of padding above and below. The face keeps its frame position,
    // which checks the mapping back through the letterbox offset.
    let image = common::astronaut();
    let landscape = RgbaImage {
        pixels: image.pixels[..512 * 384 * 4].to_vec(),
        width: 512,
        height: 384,
    };
    let mut detector = FaceDetector::new(&common::detector_bytes()).unwrap();
    let faces = detector.detect(&landscape.frame().unwrap()).unwrap();

    assert_eq!(faces.len(), 1, "faces: {faces:?}");
    assert!(
        faces[0].rect.iou(&ASTRONAUT_BOX) > 0.8,
        "box {:?}",
        faces[0].rect
    );
}

#[test]
fn face_below_detector_scale_is_missed() {
    // Halving the astronaut inside a 1024x512 frame leaves a face of about 12 input
    // pixels, below the smallest face the short-range model finds.
    let image = common::astronaut();
    let mut wide = RgbaImage {
        pixels: vec![0; 1024 * 512 * 4],
        width: 1024,
        height: 512,
    };
    for y in 0..512usize {
        let source = &image.pixels[y * 512 * 4..(y + 1) * 512 * 4];
        wide.pixels[(y * 1024 + 512) * 4..(y * 1024 + 1024) * 4].copy_from_slice(source);
    }
    let mut detector = FaceDetector::new(&common::detector_bytes()).unwrap();
    let faces = detector.detect(&wide.frame().unwrap()).unwrap();
    assert!(faces.is_empty(), "faces: {faces:?}");
}

#[test]
fn corrupt_model_bytes_are_rejected() {
    let mut bytes = common::detector_bytes();
    bytes.truncate(bytes.len() / 3);
    let error = FaceDetector::new(&bytes)
        .err()
        .expect("truncated model must fail");
    assert!(matches!(error, ModelError::Parse { .. }), "{error}");

    let error = FaceDetector::new(b"not an onnx model")
        .err()
        .expect("garbage must fail");
    assert!(matches!(error, ModelError::Parse { .. }), "{error}");
}

#[test]
fn model_with_wrong_input_shape_is_rejected() {
    let error = SmileScorer::new(&common::detector_bytes())
        .err()
        .expect("the detector is no smile scorer");
    assert!(matches!(error, ModelError::InputShape { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("[1, 1, 64, 64]"), "{message}");
}
