//! The per-frame vision pipeline: find every face, then score each for a smile.
//!
//! [`Pipeline::analyze`] is the product's per-frame path: it runs the detector only
//! on the frames a [`DetectionSchedule`] picks and scores the followed faces on
//! every frame.

use crate::detect::{DetectError, FaceDetector, Nms};
use crate::face::{FaceBox, ScoredFace, SmileScore};
use crate::frame::Frame;
use crate::model::ModelError;
use crate::schedule::{Decision, DetectReason, DetectionSchedule};
use crate::smile::{SmileError, SmileScorer};
use crate::time::Timestamp;

/// Settings of the vision pipeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PipelineConfig {
    /// Candidate filtering and merging of the face detector.
    pub nms: Nms,
    /// Smile score at or above which a face counts as smiling, 0 to 1. This is the
    /// product's decision threshold; evaluation uses it unchanged.
    pub smile_threshold: f32,
}

/// Smile score at or above which a face counts as smiling, 0 to 1.
// NOTE: 0.5 is the scorer's natural decision point (it is trained with a balanced
// binary cross-entropy); change it only together with a new evaluation run.
pub const DEFAULT_SMILE_THRESHOLD: f32 = 0.5;

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            nms: Nms::default(),
            smile_threshold: DEFAULT_SMILE_THRESHOLD,
        }
    }
}

impl PipelineConfig {
    /// Returns whether `smile` counts as a smile under this configuration.
    pub fn is_smile(&self, smile: SmileScore) -> bool {
        smile.get() >= self.smile_threshold
    }
}

/// Error from running the pipeline on a frame.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("face detection failed: {0}")]
    Detect(#[from] DetectError),
    #[error("smile scoring failed: {0}")]
    Smile(#[from] SmileError),
}

/// A stage of [`Pipeline::analyze`], reported to the caller's timer when it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Luma thumbnail and change check of the detection schedule.
    ChangeCheck,
    /// Letterboxing the frame into the detector's input.
    Letterbox,
    /// The detector model, decoding and suppression.
    Detector,
    /// The keypoint-aligned crop of one face.
    Crop,
    /// The smile scorer model on one crop.
    Scorer,
}

/// Time spent in the stages of one or more frames, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StageTimes {
    /// [`Stage::ChangeCheck`].
    pub change_check_ms: f64,
    /// [`Stage::Letterbox`] and [`Stage::Crop`].
    pub preprocess_ms: f64,
    /// [`Stage::Detector`].
    pub detector_ms: f64,
    /// [`Stage::Scorer`].
    pub scorer_ms: f64,
}

impl StageTimes {
    /// Adds `milliseconds` to the field of `stage`.
    pub fn add(&mut self, stage: Stage, milliseconds: f64) {
        let field = match stage {
            Stage::ChangeCheck => &mut self.change_check_ms,
            Stage::Letterbox | Stage::Crop => &mut self.preprocess_ms,
            Stage::Detector => &mut self.detector_ms,
            Stage::Scorer => &mut self.scorer_ms,
        };
        *field += milliseconds;
    }

    /// Returns the sum of all stages.
    pub fn total_ms(&self) -> f64 {
        self.change_check_ms + self.preprocess_ms + self.detector_ms + self.scorer_ms
    }
}

/// Face detector and smile scorer, each with its plan built once at construction.
pub struct Pipeline {
    detector: FaceDetector,
    scorer: SmileScorer,
    config: PipelineConfig,
    /// Faces of the last detection run by `analyze`, kept to reuse its capacity.
    detected: Vec<FaceBox>,
}

impl Pipeline {
    /// Loads both models from their ONNX bytes.
    pub fn new(
        detector_bytes: &[u8],
        scorer_bytes: &[u8],
        config: PipelineConfig,
    ) -> Result<Self, ModelError> {
        Ok(Self {
            detector: FaceDetector::with_nms(detector_bytes, config.nms)?,
            scorer: SmileScorer::new(scorer_bytes)?,
            config,
            detected: Vec::new(),
        })
    }

    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Finds the faces in `frame`, strongest first, without scoring them, so a caller
    /// can skip faces that must not be scored.
    pub fn detect(&mut self, frame: &Frame<'_>) -> Result<Vec<FaceBox>, PipelineError> {
        Ok(self.detector.detect(frame)?)
    }

    /// Scores one face found in `frame`.
    pub fn score(
        &mut self,
        frame: &Frame<'_>,
        face: &FaceBox,
    ) -> Result<SmileScore, PipelineError> {
        Ok(self.scorer.score(frame, face)?)
    }

    /// Finds every face in `frame` and scores each, strongest detection first.
    pub fn process(&mut self, frame: &Frame<'_>) -> Result<Vec<ScoredFace>, PipelineError> {
        let faces = self.detect(frame)?;
        let mut scored = Vec::with_capacity(faces.len());
        for face in faces {
            let smile = self.score(frame, &face)?;
            scored.push(ScoredFace { face, smile });
        }
        Ok(scored)
    }

    /// Runs on `frame`, taken at `now`, the work that `schedule` decides: the
    /// detector when it is due, then the smile scorer on each followed face for
    /// which `should_score` returns true, appending the results to `scored`.
    ///
    /// When a followed face's score moved too far from its score at the last
    /// detection (see [`DetectionSchedule::score_moved`]), the detector runs on this
    /// frame too and the faces are scored again. The scores of the first pass are
    /// dropped, and the returned decision is [`DetectReason::ScoreChanged`].
    ///
    /// Calls `lap` at the end of each stage, so the caller can time the stages with
    /// its own clock. A face whose keypoints cannot be cropped is skipped with a
    /// warning; a model failure is returned as an error.
    pub fn analyze(
        &mut self,
        frame: &Frame<'_>,
        now: Timestamp,
        schedule: &mut DetectionSchedule,
        mut should_score: impl FnMut(&FaceBox) -> bool,
        scored: &mut Vec<ScoredFace>,
        mut lap: impl FnMut(Stage),
    ) -> Result<Decision, PipelineError> {
        let decision = schedule.decide(frame, now);
        lap(Stage::ChangeCheck);
        if let Decision::Detect(reason) = decision {
            self.detect_for(frame, now, schedule, reason, &mut lap)?;
        }

        let first = scored.len();
        let moved = self.score_followed(frame, schedule, &mut should_score, scored, &mut lap)?;
        if moved && decision == Decision::Follow {
            scored.truncate(first);
            let reason = DetectReason::ScoreChanged;
            self.detect_for(frame, now, schedule, reason, &mut lap)?;
            self.score_followed(frame, schedule, &mut should_score, scored, &mut lap)?;
            return Ok(Decision::Detect(reason));
        }
        Ok(decision)
    }

    /// Runs the detector on `frame` and makes its faces the schedule's followed faces.
    fn detect_for(
        &mut self,
        frame: &Frame<'_>,
        now: Timestamp,
        schedule: &mut DetectionSchedule,
        reason: DetectReason,
        lap: &mut impl FnMut(Stage),
    ) -> Result<(), PipelineError> {
        let letterbox = self.detector.letterbox(frame).map_err(DetectError::from)?;
        lap(Stage::Letterbox);
        self.detector
            .detect_letterboxed(&letterbox, &mut self.detected)?;
        lap(Stage::Detector);
        log::trace!("detector ran ({reason:?}): {} faces", self.detected.len());
        schedule.record_detection(now, &self.detected);
        Ok(())
    }

    /// Scores each followed face that `should_score` accepts into `scored`. Returns
    /// whether a score moved enough from the face's score at the last detection for
    /// the schedule to request a new detection.
    fn score_followed(
        &mut self,
        frame: &Frame<'_>,
        schedule: &mut DetectionSchedule,
        should_score: &mut impl FnMut(&FaceBox) -> bool,
        scored: &mut Vec<ScoredFace>,
        lap: &mut impl FnMut(Stage),
    ) -> Result<bool, PipelineError> {
        let mut moved = false;
        for index in 0..schedule.followed_faces().len() {
            let face = schedule.followed_faces()[index];
            if !should_score(&face) {
                continue;
            }
            let cropped = self.scorer.crop(frame, &face);
            lap(Stage::Crop);
            if let Err(error) = cropped {
                log::warn!("skipped a face that could not be cropped: {error}");
                continue;
            }
            let smile = self.scorer.score_cropped()?;
            lap(Stage::Scorer);
            moved |= schedule.score_moved(index, smile.get());
            scored.push(ScoredFace { face, smile });
        }
        Ok(moved)
    }
}
