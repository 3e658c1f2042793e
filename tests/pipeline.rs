//! The full pipeline, detector then smile scorer, with the shipped models.
// The images are read with the `image` crate, a native-only dependency.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use smile_sensor::schedule::{Decision, DetectionSchedule, DetectionScheduleConfig};
use smile_sensor::time::Timestamp;
use smile_sensor::{Frame, Pipeline, PipelineConfig, Stage};

fn pipeline() -> Pipeline {
    let scorer = common::read(&common::repository_path("models/smile_scorer.onnx"));
    Pipeline::new(
        &common::detector_bytes(),
        &scorer,
        PipelineConfig::default(),
    )
    .unwrap()
}

/// Smile score of the astronaut portrait with the shipped models. It was measured
/// with onnxruntime 1.18.1 on the 8-bit crop that `smile-crops` writes for this image,
/// so the tolerance covers that rounding. Retraining the scorer changes it.
const ASTRONAUT_SMILE_SCORE: f32 = 0.9995;

#[test]
fn astronaut_is_one_smiling_face() {
    let mut pipeline = pipeline();
    let image = common::astronaut();
    let faces = pipeline.process(&image.frame().unwrap()).unwrap();

    assert_eq!(faces.len(), 1, "faces: {faces:?}");
    let smile = faces[0].smile;
    assert!(
        pipeline.config().is_smile(smile),
        "astronaut scored {smile:?}"
    );
    assert!(
        (smile.get() - ASTRONAUT_SMILE_SCORE).abs() < 1e-3,
        "astronaut scored {}, expected {ASTRONAUT_SMILE_SCORE}",
        smile.get()
    );
}

#[test]
fn image_without_face_yields_no_scores() {
    let (width, height) = (320u32, 240u32);
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|index| {
            let shade = ((index % width) * 255 / width) as u8;
            [shade, shade, 255 - shade, 255]
        })
        .collect();
    let frame = Frame::rgba(&pixels, width, height).unwrap();

    let faces = pipeline().process(&frame).unwrap();

    assert!(faces.is_empty(), "faces: {faces:?}");
}

#[test]
fn scheduled_analysis_detects_once_and_scores_every_frame() {
    let mut pipeline = pipeline();
    let image = common::astronaut();
    let frame = image.frame().unwrap();
    let expected = pipeline.process(&frame).unwrap();
    let config = DetectionScheduleConfig::default();
    let mut schedule = DetectionSchedule::new(config.clone()).unwrap();

    // Half an interval of a 30 fps camera on a still image.
    let frames = config.max_interval_ms / 2 / 33;
    let mut detections = 0;
    let mut stages = Vec::new();
    for index in 0..frames {
        let at = Timestamp::from_unix_ms(f64::from(index) * 33.0).unwrap();
        let mut scored = Vec::new();
        let decision = pipeline
            .analyze(
                &frame,
                at,
                &mut schedule,
                |_| true,
                &mut scored,
                |stage| stages.push(stage),
            )
            .unwrap();
        if matches!(decision, Decision::Detect(_)) {
            detections += 1;
        }
        assert_eq!(scored, expected, "frame {index}");
    }

    assert_eq!(detections, 1);
    assert_eq!(
        stages[..5],
        [
            Stage::ChangeCheck,
            Stage::Letterbox,
            Stage::Detector,
            Stage::Crop,
            Stage::Scorer
        ]
    );
    assert_eq!(
        stages[5..8],
        [Stage::ChangeCheck, Stage::Crop, Stage::Scorer]
    );
}

#[test]
fn scheduled_analysis_scores_only_selected_faces() {
    let mut pipeline = pipeline();
    let image = common::astronaut();
    let frame = image.frame().unwrap();
    let mut schedule = DetectionSchedule::new(DetectionScheduleConfig::default()).unwrap();
    let mut scored = Vec::new();

    pipeline
        .analyze(
            &frame,
            Timestamp::from_unix_ms(0.0).unwrap(),
            &mut schedule,
            |_| false,
            &mut scored,
            |_| {},
        )
        .unwrap();

    assert_eq!(schedule.followed_faces().len(), 1);
    assert!(scored.is_empty(), "scored: {scored:?}");
}
