//! `ModelTimer`: one ONNX model loaded into an optimised tract plan the way the
//! sensor loads its own models, for timing it against another runtime on identical
//! input tensors. Used by the benchmark page (`www/bench.html`), not by the sensor.

use std::sync::Arc;

use tract_onnx::prelude::*;
use wasm_bindgen::prelude::*;

use crate::model::{load_plan, output_values, ModelError, PlanRunner};

const MODEL: &str = "timed";

/// One model plan with its run state, and its reusable `f32` input tensor. The page times each
/// [`run`](Self::run) call from JavaScript, so the cost of copying the input in and
/// the outputs out counts, as it does for a JavaScript runtime.
#[wasm_bindgen]
pub struct ModelTimer {
    runner: PlanRunner,
    input: Arc<Tensor>,
    output_count: usize,
}

#[wasm_bindgen]
impl ModelTimer {
    /// Loads `onnx_bytes` with its single input fixed to `input_shape` and checks
    /// that it has `output_count` outputs, as the sensor loads its own models.
    #[wasm_bindgen(constructor)]
    pub fn new(
        onnx_bytes: &[u8],
        input_shape: Vec<u32>,
        output_count: u32,
    ) -> Result<ModelTimer, JsError> {
        super::hooks::install_panic_hook();
        let shape: Vec<usize> = input_shape.iter().map(|&dim| dim as usize).collect();
        let output_count = output_count as usize;
        let (plan, _) = load_plan(MODEL, onnx_bytes, &shape, output_count).map_err(js_error)?;
        let input = Tensor::zero::<f32>(&shape).map_err(|source| {
            js_error(ModelError::Build {
                model: MODEL,
                source,
            })
        })?;
        Ok(Self {
            runner: PlanRunner::new(MODEL, &plan).map_err(js_error)?,
            input: Arc::new(input),
            output_count,
        })
    }

    /// Runs the model once on `input` (row-major, as many values as the input
    /// shape holds) and returns every output's values, concatenated in the model's
    /// output order.
    pub fn run(&mut self, input: &[f32]) -> Result<Vec<f32>, JsError> {
        self.fill_input(input)?;
        let outputs = self
            .runner
            .run(Arc::clone(&self.input).into_tvalue())
            .map_err(js_error)?;
        let mut concatenated = Vec::new();
        for index in 0..self.output_count {
            concatenated
                .extend_from_slice(output_values(MODEL, &outputs, index).map_err(js_error)?);
        }
        Ok(concatenated)
    }
}

impl ModelTimer {
    fn fill_input(&mut self, input: &[f32]) -> Result<(), JsError> {
        let as_run_error = |source| {
            js_error(ModelError::Run {
                model: MODEL,
                source,
            })
        };
        let tensor = Arc::make_mut(&mut self.input);
        let mut view = tensor.try_as_plain_ram_mut().map_err(as_run_error)?;
        let values = view.as_slice_mut::<f32>().map_err(as_run_error)?;
        if values.len() != input.len() {
            return Err(JsError::new(&format!(
                "invalid input: {} values, expected {} for the model's input shape",
                input.len(),
                values.len()
            )));
        }
        values.copy_from_slice(input);
        Ok(())
    }
}

/// Time spent in one node of a plan, averaged over the runs of a
/// [`ModelTimer::profile`] call.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeTime {
    node: String,
    op: String,
    mean_ms: f64,
}

#[wasm_bindgen]
impl ModelTimer {
    /// Runs the model `runs` times on `input` and returns `{ node, op, meanMs }`
    /// for each node of the optimised plan, in the order the nodes run. `meanMs`
    /// is the node's mean time read from `clock`, a function that returns
    /// milliseconds such as `() => performance.now()`.
    pub fn profile(
        &mut self,
        input: &[f32],
        runs: u32,
        clock: &js_sys::Function,
    ) -> Result<JsValue, JsError> {
        self.fill_input(input)?;
        let mut read_clock = || {
            clock
                .call0(&JsValue::NULL)
                .ok()
                .and_then(|value| value.as_f64())
                .unwrap_or(f64::NAN)
        };
        let mut times: Vec<NodeTime> = Vec::new();
        let mut index_by_node = std::collections::HashMap::new();
        for _ in 0..runs {
            self.runner
                .run_timed(
                    Arc::clone(&self.input).into_tvalue(),
                    &mut read_clock,
                    &mut |node, ms| {
                        let index = *index_by_node.entry(node.id).or_insert_with(|| {
                            times.push(NodeTime {
                                node: node.name.clone(),
                                op: node.op().name().into_owned(),
                                mean_ms: 0.0,
                            });
                            times.len() - 1
                        });
                        times[index].mean_ms += ms;
                    },
                )
                .map_err(js_error)?;
        }
        for time in &mut times {
            time.mean_ms /= f64::from(runs.max(1));
        }
        serde_wasm_bindgen::to_value(&times).map_err(|error| JsError::new(&error.to_string()))
    }
}

fn js_error(error: ModelError) -> JsError {
    JsError::new(&error.to_string())
}
