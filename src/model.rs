//! Loading ONNX models into runnable tract plans.

use std::io::Cursor;
use std::sync::Arc;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::internal::{DimLike, Factoid};

/// A plan ready to run, with fixed input and output shapes.
pub(crate) type Plan = Arc<TypedRunnableModel>;

/// Error from loading or running a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid {model} model: the bytes are not a readable ONNX model ({source}); check that the file is the .onnx file and not truncated")]
    Parse {
        model: &'static str,
        #[source]
        source: TractError,
    },

    #[error("invalid {model} model: expected {expected} input(s) and {expected_outputs} output(s), found {found} and {found_outputs}")]
    Arity {
        model: &'static str,
        expected: usize,
        expected_outputs: usize,
        found: usize,
        found_outputs: usize,
    },

    #[error("invalid {model} model: input {name:?} has shape {found}, expected {expected:?}")]
    InputShape {
        model: &'static str,
        name: String,
        found: String,
        expected: Vec<usize>,
    },

    #[error("invalid {model} model: output {index} has shape {found:?}, expected {expected}")]
    OutputShape {
        model: &'static str,
        index: usize,
        found: Vec<usize>,
        expected: String,
    },

    #[error("failed to prepare the {model} model for running: {source}")]
    Build {
        model: &'static str,
        #[source]
        source: TractError,
    },

    #[error("failed to run the {model} model: {source}")]
    Run {
        model: &'static str,
        #[source]
        source: TractError,
    },
}

/// Parses `onnx_bytes`, checks that the model has one input whose declared shape
/// agrees with `input_shape` (symbolic dimensions such as a free batch size agree
/// with anything), fixes the input to that shape and builds an optimised plan.
///
/// Returns the plan and the concrete shape of each output.
pub(crate) fn load_plan(
    model: &'static str,
    onnx_bytes: &[u8],
    input_shape: &[usize],
    output_count: usize,
) -> Result<(Plan, Vec<Vec<usize>>), ModelError> {
    let inference_model = tract_onnx::onnx()
        .model_for_read(&mut Cursor::new(onnx_bytes))
        .map_err(|source| ModelError::Parse { model, source })?;

    let inputs = inference_model.inputs.len();
    let outputs = inference_model.outputs.len();
    let arity_error = ModelError::Arity {
        model,
        expected: 1,
        expected_outputs: output_count,
        found: inputs,
        found_outputs: outputs,
    };
    if inputs != 1 {
        return Err(arity_error);
    }
    // The input shape is checked before the output count because a wrong input shape
    // names the mistake better (usually the other model's file).
    check_declared_input(model, &inference_model, input_shape)?;
    if outputs != output_count {
        return Err(arity_error);
    }

    let build = |inference_model: InferenceModel| -> TractResult<Plan> {
        let typed = inference_model
            .with_input_fact(0, f32::fact(input_shape).into())?
            .into_typed()?;
        // The fusion needs a decluttered model, and `into_optimized` declutters
        // again, which also drops the nodes the fusion left unused.
        let (mut optimized, fused) = if crate::kernels::FUSE_CONVOLUTIONS {
            let mut decluttered = typed.into_decluttered()?;
            let fused = crate::kernels::fuse_convolutions(&mut decluttered)?;
            (decluttered.into_optimized()?, fused)
        } else {
            (typed.into_optimized()?, 0)
        };
        let replaced = crate::kernels::substitute(&mut optimized)?;
        log::debug!(
            "{model} model: {fused} fused convolutions, {replaced} more nodes use the crate's own kernels"
        );
        optimized.into_runnable()
    };
    let plan = build(inference_model).map_err(|source| ModelError::Build { model, source })?;

    let typed = plan.model();
    let mut output_shapes = Vec::with_capacity(output_count);
    for outlet in typed
        .output_outlets()
        .map_err(|source| ModelError::Build { model, source })?
    {
        let fact = typed
            .outlet_fact(*outlet)
            .map_err(|source| ModelError::Build { model, source })?;
        let shape = fact
            .shape
            .as_concrete()
            .map(|dims| dims.to_vec())
            .ok_or_else(|| ModelError::Build {
                model,
                source: TractError::msg(format!("output shape {:?} is not concrete", fact.shape)),
            })?;
        output_shapes.push(shape);
    }
    log::debug!(
        "{model} model loaded: {} nodes, input {input_shape:?}, outputs {output_shapes:?}",
        typed.nodes().len()
    );
    Ok((plan, output_shapes))
}

fn check_declared_input(
    model: &'static str,
    inference_model: &InferenceModel,
    expected: &[usize],
) -> Result<(), ModelError> {
    let mismatch = |fact: &InferenceFact| ModelError::InputShape {
        model,
        name: input_name(inference_model),
        found: format!("{:?}", fact.shape),
        expected: expected.to_vec(),
    };
    let fact = inference_model
        .input_fact(0)
        .map_err(|source| ModelError::Build { model, source })?;
    if fact.shape.is_open() {
        return Ok(());
    }
    let dims: Vec<_> = fact.shape.dims().collect();
    if dims.len() != expected.len() {
        return Err(mismatch(fact));
    }
    for (dim, &expected_dim) in dims.iter().zip(expected) {
        let concrete = dim.concretize().and_then(|dim| dim.to_usize().ok());
        if concrete.is_some_and(|value| value != expected_dim) {
            return Err(mismatch(fact));
        }
    }
    Ok(())
}

fn input_name(inference_model: &InferenceModel) -> String {
    inference_model
        .input_outlets()
        .ok()
        .and_then(|outlets| outlets.first())
        .map(|outlet| inference_model.node(outlet.node).name.clone())
        .unwrap_or_default()
}

/// A plan with one run state kept from call to call. tract's `SimplePlan::run`
/// builds a new `SimpleState` (the per-node operator states and the value table)
/// on every call; reusing one saves that work on every frame.
#[derive(Debug)]
pub(crate) struct PlanRunner {
    model: &'static str,
    state: TypedSimpleState,
}

impl PlanRunner {
    pub(crate) fn new(model: &'static str, plan: &Plan) -> Result<Self, ModelError> {
        let state = plan
            .spawn()
            .map_err(|source| ModelError::Build { model, source })?;
        Ok(Self { model, state })
    }

    /// Runs the plan on its single input. The state clears its intermediate values
    /// after each run, so runs do not depend on each other.
    pub(crate) fn run(&mut self, input: TValue) -> Result<TVec<TValue>, ModelError> {
        let model = self.model;
        self.state
            .run(tvec!(input))
            .map_err(|source| ModelError::Run { model, source })
    }

    /// Runs the plan like [`run`](Self::run), and calls `on_node` after each node
    /// with the node and the time it took, read from `clock` (any monotonic clock
    /// in milliseconds) before and after the node.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn run_timed(
        &mut self,
        input: TValue,
        clock: &mut dyn FnMut() -> f64,
        on_node: &mut dyn FnMut(&TypedNode, f64),
    ) -> Result<TVec<TValue>, ModelError> {
        let model = self.model;
        self.state
            .run_plan_with_eval(tvec!(input), |context, state, node, inputs| {
                let started = clock();
                let outputs = tract_onnx::tract_core::plan::eval(context, state, node, inputs);
                on_node(node, clock() - started);
                outputs
            })
            .map_err(|source| ModelError::Run { model, source })
    }
}

/// Borrows output `index` as `f32` values.
pub(crate) fn output_values<'a>(
    model: &'static str,
    outputs: &'a TVec<TValue>,
    index: usize,
) -> Result<&'a [f32], ModelError> {
    outputs
        .get(index)
        .ok_or_else(|| TractError::msg(format!("output {index} is missing")))
        .and_then(|value| value.try_as_plain_ram()?.as_slice::<f32>())
        .map_err(|source| ModelError::Run { model, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op_counts(file: &str, input_shape: &[usize], outputs: usize) -> Vec<(String, usize)> {
        let path = format!("{}/models/{file}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"));
        let (plan, _) = load_plan("tested", &bytes, input_shape, outputs).unwrap();
        let mut counts: Vec<(String, usize)> = Vec::new();
        for node in plan.model().nodes() {
            let name = node.op().name().into_owned();
            match counts.iter_mut().find(|(op, _)| *op == name) {
                Some((_, count)) => *count += 1,
                None => counts.push((name, 1)),
            }
        }
        counts
    }

    fn count(counts: &[(String, usize)], op: &str) -> usize {
        counts
            .iter()
            .find(|(name, _)| name == op)
            .map_or(0, |(_, count)| *count)
    }

    #[test]
    fn shipped_models_use_crate_kernels() {
        let detector = op_counts("face_detection_short_range.onnx", &[1, 128, 128, 3], 2);
        assert_eq!(count(&detector, "MaxPool2x2"), 3, "{detector:?}");
        assert_eq!(count(&detector, "ZeroPad"), 12, "{detector:?}");
        let scorer = op_counts("smile_scorer.onnx", &[1, 1, 64, 64], 1);
        assert_eq!(count(&scorer, "MaxPool2x2"), 2, "{scorer:?}");
        assert_eq!(count(&scorer, "ZeroPad"), 4, "{scorer:?}");
        for counts in [&detector, &scorer] {
            assert_eq!(count(counts, "OptMaxPool"), 0, "{counts:?}");
            assert_eq!(count(counts, "Pad"), 0, "{counts:?}");
        }
    }
}
