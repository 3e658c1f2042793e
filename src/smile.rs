//! Smile scoring of one detected face with the project's smile / no-smile model.
//!
//! The model takes the keypoint-aligned grayscale crop of
//! [`preprocess::align`](crate::preprocess::align) as a `[1, 1, 64, 64]` float tensor
//! with values in [0, 1] and returns a `[1, 1]` smile probability (its last layer is
//! a sigmoid). It scores an expression, a smile or not, and nothing else.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::face::{FaceBox, SmileScore};
use crate::frame::Frame;
use crate::model::{load_plan, output_values, ModelError, PlanRunner};
use crate::preprocess::{aligned_crop, CropError, CROP_SIZE};

const MODEL: &str = "smile scorer";

const INPUT_SHAPE: [usize; 4] = [1, 1, CROP_SIZE, CROP_SIZE];

/// Error from scoring a face.
#[derive(Debug, thiserror::Error)]
pub enum SmileError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Crop(#[from] CropError),
    #[error("invalid smile scorer output {value}: expected a probability in [0, 1]; the model must end in a sigmoid")]
    OutputOutOfRange { value: f32 },
}

/// Scores faces for a smile. Owns the optimised model plan, its run state and the input tensor it
/// reuses from face to face.
pub struct SmileScorer {
    /// The model plan with its run state, reused for every run.
    runner: PlanRunner,
    /// The aligned crop, written in place for every face. It is shared with the plan
    /// only during a run, so later faces reuse it without allocating.
    input: Arc<Tensor>,
}

impl SmileScorer {
    /// Loads the smile scorer ONNX model: one `[1, 1, 64, 64]` float input and one
    /// `[1, 1]` float output.
    pub fn new(onnx_bytes: &[u8]) -> Result<Self, ModelError> {
        let (plan, output_shapes) = load_plan(MODEL, onnx_bytes, &INPUT_SHAPE, 1)?;
        if output_shapes[0].iter().product::<usize>() != 1 {
            return Err(ModelError::OutputShape {
                model: MODEL,
                index: 0,
                found: output_shapes[0].clone(),
                expected: "[1, 1]".to_owned(),
            });
        }
        let input = Tensor::zero::<f32>(&INPUT_SHAPE).map_err(|source| ModelError::Build {
            model: MODEL,
            source,
        })?;
        Ok(Self {
            runner: PlanRunner::new(MODEL, &plan)?,
            input: Arc::new(input),
        })
    }

    /// Crops `face` out of `frame` and scores it.
    pub fn score(&mut self, frame: &Frame<'_>, face: &FaceBox) -> Result<SmileScore, SmileError> {
        self.crop(frame, face)?;
        self.score_cropped()
    }

    /// Writes the aligned crop of `face` into the model's input, the first half of
    /// [`score`](Self::score), so a caller can time the two halves.
    pub fn crop(&mut self, frame: &Frame<'_>, face: &FaceBox) -> Result<(), SmileError> {
        let tensor = Arc::make_mut(&mut self.input);
        let mut view = tensor.try_as_plain_ram_mut().map_err(as_run_error)?;
        let values = view.as_slice_mut::<f32>().map_err(as_run_error)?;
        let crop: &mut [f32; CROP_SIZE * CROP_SIZE] = values
            .try_into()
            .map_err(|_| as_run_error(TractError::msg("input tensor has the wrong size")))?;
        aligned_crop(frame, face, crop)?;
        Ok(())
    }

    /// Scores the crop written by the last [`crop`](Self::crop).
    pub fn score_cropped(&mut self) -> Result<SmileScore, SmileError> {
        let outputs = self.runner.run(Arc::clone(&self.input).into_tvalue())?;
        let value = output_values(MODEL, &outputs, 0)?
            .first()
            .copied()
            .ok_or_else(|| as_run_error(TractError::msg("output is empty")))?;
        SmileScore::new(value).ok_or(SmileError::OutputOutOfRange { value })
    }
}

fn as_run_error(source: TractError) -> ModelError {
    ModelError::Run {
        model: MODEL,
        source,
    }
}
