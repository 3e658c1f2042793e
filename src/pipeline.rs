//! The per-frame vision pipeline: find every face, then score each for a smile.

use crate::detect::{DetectError, FaceDetector, Nms};
use crate::face::{FaceBox, ScoredFace, SmileScore};
use crate::frame::Frame;
use crate::model::ModelError;
use crate::smile::{SmileError, SmileScorer};

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

/// Face detector and smile scorer, each with its plan built once at construction.
pub struct Pipeline {
    detector: FaceDetector,
    scorer: SmileScorer,
    config: PipelineConfig,
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
}
