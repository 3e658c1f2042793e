//! Kernels that replace tract's operators in our plans, where tract's general
//! code is slow in wasm for the shapes our models use (BENCHMARKS.md,
//! "Operator profile").
//!
//! - [`fuse_convolutions`] runs on the decluttered model, in wasm builds only.
//!   It turns each convolution, with the depthwise convolution before it and
//!   the bias, residual and ReLU after it, into one [`FusedConv`]. Its
//!   matrix kernel keeps eight vector accumulators, which fit in V8's sixteen
//!   x86-64 vector registers; tract-linalg 0.23.9's 8x8 wasm kernel keeps
//!   sixteen.
//! - [`substitute`] runs on the optimised model. tract pools 2x2 windows with
//!   stride 2 through a per-tap bounds check, and pads through a general
//!   n-dimensional walk. It swaps those nodes for [`MaxPool2x2`] or
//!   [`ZeroPad`], which compute the same values for finite inputs.

mod depthwise;
mod fuse;
mod fused_conv;
mod max_pool;
mod zero_pad;

pub(crate) use depthwise::Depthwise;
pub(crate) use fuse::{fuse_convolutions, FUSE_CONVOLUTIONS};
pub(crate) use fused_conv::{ConvGeometry, FusedConv};
pub(crate) use max_pool::MaxPool2x2;
pub(crate) use zero_pad::ZeroPad;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::{Pad, PadMode};
use tract_onnx::tract_core::ops::cnn::{OptMaxPool, PaddingSpec};
use tract_onnx::tract_core::ops::nn::DataFormat;

/// Replaces, in an optimised `model`, every 2x2 stride-2 max pool without padding
/// on NCHW `f32` values with [`MaxPool2x2`], and every zero padding of a rank-4
/// `f32` tensor with [`ZeroPad`]. Other nodes are left alone. Returns how many
/// nodes were replaced.
pub(crate) fn substitute(model: &mut TypedModel) -> TractResult<usize> {
    let mut replaced = 0;
    for id in 0..model.nodes().len() {
        let node = model.node(id);
        let input_is_rank4_f32 = match node.inputs.first() {
            Some(outlet) => is_rank4_f32(model, *outlet)?,
            None => false,
        };
        if !input_is_rank4_f32 {
            continue;
        }
        let patch = if node.op_as::<OptMaxPool>().is_some_and(is_plain_2x2_pool) {
            Some(TypedModelPatch::replace_single_op(
                model,
                node,
                &node.inputs,
                MaxPool2x2,
            )?)
        } else if let Some(pad) = node.op_as::<Pad>().filter(|pad| pads_with_zero(pad)) {
            let pads: [(usize, usize); 4] = pad.pads.as_slice().try_into().map_err(|_| {
                TractError::msg(format!(
                    "pad of a rank-4 tensor has {} axes",
                    pad.pads.len()
                ))
            })?;
            Some(TypedModelPatch::replace_single_op(
                model,
                node,
                &node.inputs,
                ZeroPad { pads },
            )?)
        } else {
            None
        };
        if let Some(patch) = patch {
            patch.apply(model)?;
            replaced += 1;
        }
    }
    Ok(replaced)
}

/// Returns whether `outlet` is an `f32` tensor of rank 4 with a concrete shape.
pub(super) fn is_rank4_f32(model: &TypedModel, outlet: OutletId) -> TractResult<bool> {
    let fact = model.outlet_fact(outlet)?;
    Ok(fact.datum_type == f32::datum_type()
        && fact.rank() == 4
        && fact.shape.as_concrete().is_some())
}

fn is_plain_2x2_pool(pool: &OptMaxPool) -> bool {
    let spec = &pool.pool_spec;
    pool.with_index_outputs.is_none()
        && spec.data_format == DataFormat::NCHW
        && spec.kernel_shape.as_slice() == [2, 2]
        && spec.strides.as_deref() == Some(&[2, 2])
        && spec
            .dilations
            .as_ref()
            .is_none_or(|d| d.iter().all(|&d| d == 1))
        && matches!(spec.padding, PaddingSpec::Valid)
}

pub(super) fn pads_with_zero(pad: &Pad) -> bool {
    match &pad.mode {
        PadMode::Constant(value) => {
            value.datum_type() == f32::datum_type()
                && value.len() == 1
                && value
                    .try_as_plain_ram()
                    .and_then(|view| view.as_slice::<f32>().map(|values| values[0] == 0.0))
                    .unwrap_or(false)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::tract_core::internal::{EvalContext, EvalOp};
    use tract_onnx::tract_core::ops::cnn::{MaxPool, PoolSpec};

    /// Values in [-1, 1) from a fixed linear congruential sequence, rounded to
    /// 1/8 so that windows hold ties.
    fn values(len: usize) -> Vec<f32> {
        let mut state: u32 = 12345;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((state >> 16) % 16) as f32 / 8.0 - 1.0
            })
            .collect()
    }

    /// Builds an optimised one-operator model over an `f32` input of `shape`.
    fn one_op_model(shape: &[usize], op: impl Into<Box<dyn TypedOp>>) -> TypedModel {
        let mut model = TypedModel::default();
        let source = model.add_source("input", f32::fact(shape)).unwrap();
        let output = model.wire_node("op", op.into(), &[source]).unwrap();
        model.select_output_outlets(&output).unwrap();
        model.into_optimized().unwrap()
    }

    /// Runs `model` as tract optimises it and again after [`substitute`], and
    /// returns both outputs and the number of replaced nodes.
    fn run_both(model: TypedModel, shape: &[usize]) -> (Tensor, Tensor, usize) {
        let input = Tensor::from_shape(shape, &values(shape.iter().product())).unwrap();
        let run = |model: TypedModel| {
            let outputs = model
                .into_runnable()
                .unwrap()
                .run(tvec!(input.clone().into_tvalue()))
                .unwrap();
            outputs[0].clone().into_tensor()
        };
        let mut substituted = model.clone();
        let replaced = substitute(&mut substituted).unwrap();
        (run(model), run(substituted), replaced)
    }

    fn pool_2x2(channels: usize, padding: PaddingSpec) -> MaxPool {
        MaxPool::new(
            PoolSpec::new(
                DataFormat::NCHW,
                tvec![2, 2],
                padding,
                None,
                Some(tvec![2, 2]),
                channels,
                channels,
            ),
            None,
        )
    }

    #[test]
    fn max_pool_matches_tract_on_all_sizes() {
        for shape in [[1, 3, 7, 10], [2, 2, 8, 9], [1, 1, 2, 2], [1, 4, 64, 64]] {
            let model = one_op_model(&shape, pool_2x2(shape[1], PaddingSpec::Valid));
            let (tract, ours, replaced) = run_both(model, &shape);
            assert_eq!(replaced, 1, "shape {shape:?}");
            assert_eq!(tract, ours, "shape {shape:?}");
        }
    }

    #[test]
    fn max_pool_of_one_row_is_empty() {
        let input = Tensor::zero::<f32>(&[1, 2, 1, 4]).unwrap();
        let outputs = MaxPool2x2
            .eval(&EvalContext::out_of_plan(), tvec!(input.into_tvalue()))
            .unwrap();
        assert_eq!(outputs[0].shape(), &[1, 2, 0, 2]);
    }

    #[test]
    fn padded_max_pool_stays_with_tract() {
        let shape = [1, 2, 7, 7];
        let model = one_op_model(&shape, pool_2x2(2, PaddingSpec::SameUpper));
        let (tract, ours, replaced) = run_both(model, &shape);
        assert_eq!(replaced, 0);
        assert_eq!(tract, ours);
    }

    #[test]
    fn zero_pad_matches_tract_on_every_axis() {
        let cases: [[(usize, usize); 4]; 4] = [
            [(0, 0), (0, 4), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (1, 2), (1, 2)],
            [(1, 0), (2, 1), (0, 3), (2, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 1)],
        ];
        let shape = [2, 3, 5, 6];
        for pads in cases {
            let pad = Pad::new(
                pads.to_vec(),
                PadMode::Constant(tensor0(0.0f32).into_arc_tensor()),
            );
            let model = one_op_model(&shape, pad);
            let (tract, ours, replaced) = run_both(model, &shape);
            assert_eq!(replaced, 1, "pads {pads:?}");
            assert_eq!(tract, ours, "pads {pads:?}");
        }
    }

    #[test]
    fn nonzero_padding_stays_with_tract() {
        let shape = [1, 2, 3, 4];
        let pad = Pad::new(
            vec![(0, 0), (0, 0), (1, 1), (1, 1)],
            PadMode::Constant(tensor0(-1.0f32).into_arc_tensor()),
        );
        let (tract, ours, replaced) = run_both(one_op_model(&shape, pad), &shape);
        assert_eq!(replaced, 0);
        assert_eq!(tract, ours);
    }
}
