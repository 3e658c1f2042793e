//! The BlazeFace model run with tract.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::detect::anchors::{anchor_centers, ANCHOR_COUNT, INPUT_SIZE};
use crate::detect::decode::{decode_candidates, DecodeError, REGRESSOR_VALUES};
use crate::detect::nms::Nms;
use crate::face::{FaceBox, Point};
use crate::frame::Frame;
use crate::model::{load_plan, output_values, ModelError, PlanRunner};
use crate::preprocess::{Letterbox, LetterboxResizer};

const MODEL: &str = "face detector";

/// Input shape: one 128x128 RGB image, channels last.
const INPUT_SHAPE: [usize; 4] = [1, INPUT_SIZE, INPUT_SIZE, 3];

/// Error from detecting faces in a frame.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Finds faces in frames. Owns the optimised model plan and the buffers it reuses
/// from frame to frame.
pub struct FaceDetector {
    /// The model plan with its run state, reused for every run.
    runner: PlanRunner,
    anchors: Vec<Point>,
    /// The letterboxed input, reused across frames. It is shared with the plan only
    /// during a run, so later frames write into it without allocating.
    input: Arc<Tensor>,
    resizer: LetterboxResizer,
    regressors_output: usize,
    classificators_output: usize,
    nms: Nms,
}

impl FaceDetector {
    /// Loads the BlazeFace short-range ONNX model with [`Nms::default`] settings.
    pub fn new(onnx_bytes: &[u8]) -> Result<Self, ModelError> {
        Self::with_nms(onnx_bytes, Nms::default())
    }

    /// Loads the BlazeFace short-range ONNX model: one `[1, 128, 128, 3]` float input
    /// in [-1, 1], a `[1, 896, 16]` regressor output and a `[1, 896, 1]` logit output,
    /// in either order.
    pub fn with_nms(onnx_bytes: &[u8], nms: Nms) -> Result<Self, ModelError> {
        let (plan, output_shapes) = load_plan(MODEL, onnx_bytes, &INPUT_SHAPE, 2)?;
        let find_output = |values_per_anchor: usize| {
            output_shapes
                .iter()
                .position(|shape| shape.as_slice() == [1, ANCHOR_COUNT, values_per_anchor])
                .ok_or_else(|| ModelError::OutputShape {
                    model: MODEL,
                    index: 0,
                    found: output_shapes.first().cloned().unwrap_or_default(),
                    expected: format!(
                        "one output of shape [1, {ANCHOR_COUNT}, {values_per_anchor}]"
                    ),
                })
        };
        let regressors_output = find_output(REGRESSOR_VALUES)?;
        let classificators_output = find_output(1)?;
        let input = Tensor::zero::<f32>(&INPUT_SHAPE).map_err(|source| ModelError::Build {
            model: MODEL,
            source,
        })?;
        Ok(Self {
            runner: PlanRunner::new(MODEL, &plan)?,
            anchors: anchor_centers(),
            input: Arc::new(input),
            resizer: LetterboxResizer::default(),
            regressors_output,
            classificators_output,
            nms,
        })
    }

    pub fn nms(&self) -> &Nms {
        &self.nms
    }

    /// Finds the faces in `frame`, strongest first, in frame pixels.
    pub fn detect(&mut self, frame: &Frame<'_>) -> Result<Vec<FaceBox>, DetectError> {
        let mut faces = Vec::new();
        self.detect_into(frame, &mut faces)?;
        Ok(faces)
    }

    /// Like [`detect`](Self::detect), but replaces the contents of `faces`, so a
    /// caller that keeps the vector allocates nothing per frame once it has grown.
    pub fn detect_into(
        &mut self,
        frame: &Frame<'_>,
        faces: &mut Vec<FaceBox>,
    ) -> Result<(), DetectError> {
        let letterbox = self.letterbox(frame)?;
        self.detect_letterboxed(&letterbox, faces)
    }

    /// Letterboxes `frame` into the model's input, the first half of
    /// [`detect_into`](Self::detect_into), so a caller can time the two halves.
    pub fn letterbox(&mut self, frame: &Frame<'_>) -> Result<Letterbox, ModelError> {
        let as_run_error = |source| ModelError::Run {
            model: MODEL,
            source,
        };
        let tensor = Arc::make_mut(&mut self.input);
        let mut view = tensor.try_as_plain_ram_mut().map_err(as_run_error)?;
        let values = view.as_slice_mut::<f32>().map_err(as_run_error)?;
        Ok(self.resizer.resize(frame, INPUT_SIZE, values))
    }

    /// Runs the model on the input written by [`letterbox`](Self::letterbox) and
    /// replaces the contents of `faces` with the faces found, in frame pixels.
    pub fn detect_letterboxed(
        &mut self,
        letterbox: &Letterbox,
        faces: &mut Vec<FaceBox>,
    ) -> Result<(), DetectError> {
        faces.clear();
        let outputs = self.runner.run(Arc::clone(&self.input).into_tvalue())?;
        let regressors = output_values(MODEL, &outputs, self.regressors_output)?;
        let logits = output_values(MODEL, &outputs, self.classificators_output)?;
        decode_candidates(
            regressors,
            logits,
            &self.anchors,
            letterbox,
            self.nms.min_score,
            faces,
        )?;
        let candidates = faces.len();
        self.nms.suppress(faces);
        log::trace!(
            "{candidates} face candidates, {} after suppression",
            faces.len()
        );
        Ok(())
    }

    /// Runs the model on `frame` and returns its raw outputs, regressors then logits,
    /// before decoding. For checking the model against a reference runtime.
    pub fn raw_outputs(&mut self, frame: &Frame<'_>) -> Result<(Vec<f32>, Vec<f32>), DetectError> {
        let (outputs, _) = self.run(frame)?;
        Ok((
            output_values(MODEL, &outputs, self.regressors_output)?.to_vec(),
            output_values(MODEL, &outputs, self.classificators_output)?.to_vec(),
        ))
    }

    fn run(&mut self, frame: &Frame<'_>) -> Result<(TVec<TValue>, Letterbox), ModelError> {
        let letterbox = self.letterbox(frame)?;
        let outputs = self.runner.run(Arc::clone(&self.input).into_tvalue())?;
        Ok((outputs, letterbox))
    }
}
