//! Fusing each convolution of a decluttered model with what follows it into
//! one [`FusedConv`].

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::DimLike;
use tract_onnx::tract_core::ops::array::Pad;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::change_axes::InOut;
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat, PaddingSpec};
use tract_onnx::tract_core::ops::einsum::EinSum;
use tract_onnx::tract_core::ops::math::{Add, Max};
use tract_onnx::tract_core::ops::nn::DataFormat;

use super::{is_rank4_f32, pads_with_zero, ConvGeometry, Depthwise, FusedConv};

/// Whether [`fuse_convolutions`] pays off in this build: its matrix kernel is
/// written for wasm SIMD, and elsewhere tract's own kernels are faster.
pub(crate) const FUSE_CONVOLUTIONS: bool =
    cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// Replaces, in a decluttered `model`, each group-1 convolution of an NCHW
/// `f32` tensor by constant weights with one [`FusedConv`]. The convolution is a
/// `Conv` with explicit or no padding and no dilation, or a pointwise one that
/// tract has rewritten as an `EinSum`. Empty tensors stay with tract. The
/// operator takes in what follows the convolution alone: additions of a
/// constant bias and of a residual tensor, and a ReLU (a maximum with a
/// constant zero). It also takes in a depthwise convolution before a pointwise
/// one. A residual that is a zero padding of channels is read unpadded.
/// Returns how many convolutions were fused.
///
/// Run it before `into_optimized`, which leaves [`FusedConv`] as it is.
pub(crate) fn fuse_convolutions(model: &mut TypedModel) -> TractResult<usize> {
    let mut fused = 0;
    for id in model.eval_order()? {
        let Some(conv) = conv_at(model, id)? else {
            continue;
        };
        let tail = fold_successors(model, &conv, OutletId::new(id, 0))?;
        let op = FusedConv::new(
            conv.geometry,
            &conv.weights,
            conv.weight_shape,
            &tail.bias,
            tail.residual.map(|(_, channels)| channels),
            tail.relu,
        )?;
        let (op, input) = match depthwise_before(model, &conv)? {
            Some((depthwise, input)) => (op.after_depthwise(depthwise)?, input),
            None => (op, conv.input),
        };
        let mut patch = TypedModelPatch::default();
        let mut inputs = tvec![patch.tap_model(model, input)?];
        if let Some((residual, _)) = tail.residual {
            inputs.push(patch.tap_model(model, residual)?);
        }
        let name = format!("{}.fused", model.node(id).name);
        let output = patch.wire_node(name, op, &inputs)?[0];
        patch.shunt_outside(model, tail.outlet, output)?;
        patch.apply(model)?;
        fused += 1;
    }
    Ok(fused)
}

/// A convolution found by [`conv_at`], with its weights as OIHW values.
struct FoundConv {
    input: OutletId,
    geometry: ConvGeometry,
    weights: Vec<f32>,
    weight_shape: [usize; 4],
    bias: Vec<f32>,
}

impl FoundConv {
    fn out_channels(&self) -> usize {
        self.weight_shape[0]
    }
}

/// The operators [`fold_successors`] folded after a convolution.
struct Tail {
    /// The last folded outlet, whose consumers the fused operator takes over.
    outlet: OutletId,
    /// The convolution's bias plus a folded constant, per output channel.
    bias: Vec<f32>,
    /// The residual input and its channel count.
    residual: Option<(OutletId, usize)>,
    relu: bool,
}

fn const_f32(model: &TypedModel, outlet: OutletId) -> TractResult<Option<(Vec<f32>, Vec<usize>)>> {
    let fact = model.outlet_fact(outlet)?;
    let Some(konst) = &fact.konst else {
        return Ok(None);
    };
    if konst.datum_type() != f32::datum_type() {
        return Ok(None);
    }
    let view = konst.try_as_plain_ram()?;
    Ok(Some((
        view.as_slice::<f32>()?.to_vec(),
        konst.shape().to_vec(),
    )))
}

/// Recognises node `id` as a convolution [`FusedConv`] can compute.
fn conv_at(model: &TypedModel, id: usize) -> TractResult<Option<FoundConv>> {
    let node = model.node(id);
    if node.outputs.len() != 1 || node.inputs.is_empty() || !is_rank4_f32(model, node.inputs[0])? {
        return Ok(None);
    }
    if let Some(conv) = node.op_as::<Conv>() {
        return conv_with_op(model, node, conv);
    }
    if let Some(einsum) = node.op_as::<EinSum>() {
        if einsum.q_params.is_some()
            || einsum.operating_dt != f32::datum_type()
            || node.inputs.len() != 2
            || !is_pointwise_einsum(einsum)?
        {
            return Ok(None);
        }
        let Some((weights, shape)) = const_f32(model, node.inputs[1])? else {
            return Ok(None);
        };
        let &[out_channels, in_channels] = shape.as_slice() else {
            return Ok(None);
        };
        let weight_shape = [out_channels, in_channels, 1, 1];
        if !has_output(
            model,
            node.inputs[0],
            &ConvGeometry::POINTWISE,
            weight_shape,
        )? {
            return Ok(None);
        }
        return Ok(Some(FoundConv {
            input: node.inputs[0],
            geometry: ConvGeometry::POINTWISE,
            weights,
            weight_shape,
            bias: vec![0.0; out_channels],
        }));
    }
    Ok(None)
}

/// Returns the depthwise convolution that produces the input of the pointwise
/// `conv`, and that convolution's own input, when `conv` is its only consumer.
fn depthwise_before(
    model: &TypedModel,
    conv: &FoundConv,
) -> TractResult<Option<(Depthwise, OutletId)>> {
    if conv.geometry != ConvGeometry::POINTWISE
        || model.outlet_successors(conv.input).len() != 1
        || model.output_outlets()?.contains(&conv.input)
    {
        return Ok(None);
    }

    let node = model.node(conv.input.node);
    let Some(depthwise) = node.op_as::<Conv>() else {
        return Ok(None);
    };
    let channels = conv.weight_shape[1];
    if depthwise.group != channels || depthwise.pool_spec.output_channels != channels {
        return Ok(None);
    }

    // The same checks as for a group-1 convolution, then the group.
    let mut plain = depthwise.clone();
    plain.group = 1;
    let Some(found) = conv_with_op(model, node, &plain)? else {
        return Ok(None);
    };
    if found.weight_shape[0] != channels || found.weight_shape[1] != 1 {
        return Ok(None);
    }

    let stage = Depthwise::new(
        found.geometry,
        &found.weights,
        found.weight_shape,
        &found.bias,
    )?;
    Ok(Some((stage, found.input)))
}

/// Recognises `node`, whose operator is `conv`, as a group-1 convolution
/// [`FusedConv`] can compute.
fn conv_with_op(
    model: &TypedModel,
    node: &TypedNode,
    conv: &Conv,
) -> TractResult<Option<FoundConv>> {
    if node.inputs.is_empty() || !is_rank4_f32(model, node.inputs[0])? {
        return Ok(None);
    }

    let spec = &conv.pool_spec;
    let plain = conv.group == 1
        && conv.q_params.is_none()
        && conv.kernel_fmt == KernelFormat::OIHW
        && spec.data_format == DataFormat::NCHW
        && spec.kernel_shape.len() == 2
        && spec
            .dilations
            .as_ref()
            .is_none_or(|d| d.iter().all(|&d| d == 1));
    if !plain || node.inputs.len() != 3 {
        return Ok(None);
    }

    let (pad_before, pad_after) = match &spec.padding {
        PaddingSpec::Valid => ([0, 0], [0, 0]),
        PaddingSpec::Explicit(before, after) if before.len() == 2 && after.len() == 2 => {
            ([before[0], before[1]], [after[0], after[1]])
        }
        _ => return Ok(None),
    };
    let stride = match spec.strides.as_deref() {
        None => [1, 1],
        Some(&[y, x]) => [y, x],
        Some(_) => return Ok(None),
    };

    let (Some((weights, weight_shape)), Some((bias, _))) = (
        const_f32(model, node.inputs[1])?,
        const_f32(model, node.inputs[2])?,
    ) else {
        return Ok(None);
    };
    let Ok(weight_shape) = <[usize; 4]>::try_from(weight_shape.as_slice()) else {
        return Ok(None);
    };
    let out_channels = weight_shape[0];
    let bias = match bias.len() {
        1 => vec![bias[0]; out_channels],
        len if len == out_channels => bias,
        _ => return Ok(None),
    };

    let geometry = ConvGeometry {
        kernel: [weight_shape[2], weight_shape[3]],
        stride,
        pad_before,
        pad_after,
    };
    if !has_output(model, node.inputs[0], &geometry, weight_shape)? {
        return Ok(None);
    }

    Ok(Some(FoundConv {
        input: node.inputs[0],
        geometry,
        weights,
        weight_shape,
        bias,
    }))
}

/// Returns whether a convolution of `input` with `geometry` and weights of
/// `weight_shape` has channels and pixels on both sides. Empty tensors are left
/// to tract.
fn has_output(
    model: &TypedModel,
    input: OutletId,
    geometry: &ConvGeometry,
    weight_shape: [usize; 4],
) -> TractResult<bool> {
    let Some(&[n, _, h, w]) = model.outlet_fact(input)?.shape.as_concrete() else {
        return Ok(false);
    };
    Ok(n > 0
        && weight_shape[0] > 0
        && weight_shape[1] > 0
        && h * w > 0
        && geometry.stride.iter().all(|&s| s > 0)
        && geometry.output_size(h, w).is_some())
}

/// Returns whether `einsum` is `NIHW,OI->NOHW`: a pointwise convolution.
fn is_pointwise_einsum(einsum: &EinSum) -> TractResult<bool> {
    let axes = &einsum.axes;
    if axes.input_count() != 2
        || axes.output_count() != 1
        || axes.rank(InOut::In(0)) != 4
        || axes.rank(InOut::In(1)) != 2
        || axes.rank(InOut::Out(0)) != 4
    {
        return Ok(false);
    }
    let output_of = |slot: InOut, position: usize| axes.track_axis((slot, position), InOut::Out(0));
    Ok(output_of(InOut::In(0), 0)? == Some(0)
        && output_of(InOut::In(0), 2)? == Some(2)
        && output_of(InOut::In(0), 3)? == Some(3)
        && output_of(InOut::In(1), 0)? == Some(1)
        && output_of(InOut::In(0), 1)?.is_none()
        && axes.track_axis((InOut::In(0), 1), InOut::In(1))? == Some(1))
}

/// Folds the bias addition, residual addition and ReLU that follow `outlet`, the
/// output of `conv`, each only while it is the single consumer of the value
/// before it.
fn fold_successors(model: &TypedModel, conv: &FoundConv, outlet: OutletId) -> TractResult<Tail> {
    let channels = conv.out_channels();
    let mut tail = Tail {
        outlet,
        bias: conv.bias.clone(),
        residual: None,
        relu: false,
    };
    loop {
        let successors = model.outlet_successors(tail.outlet);
        if successors.len() != 1 || model.output_outlets()?.contains(&tail.outlet) {
            break;
        }
        let next = model.node(successors[0].node);
        let Some(binary) = next.op_as::<TypedBinOp>() else {
            break;
        };
        if next.inputs.len() != 2 || next.outputs.len() != 1 {
            break;
        }
        let other = next.inputs[1 - successors[0].slot];
        let shape = model.outlet_fact(tail.outlet)?.shape.to_tvec();
        if binary.0.is::<Max>() {
            let zero = const_f32(model, other)?
                .is_some_and(|(values, _)| values.iter().all(|&v| v == 0.0));
            if zero
                && model
                    .outlet_fact(OutletId::new(next.id, 0))?
                    .shape
                    .to_tvec()
                    == shape
            {
                tail.relu = true;
                tail.outlet = OutletId::new(next.id, 0);
            }
            break;
        }
        if !binary.0.is::<Add>() {
            break;
        }
        if let Some((values, other_shape)) = const_f32(model, other)? {
            let per_channel = other_shape.len() == 4
                && other_shape[1] == channels
                && other_shape
                    .iter()
                    .enumerate()
                    .all(|(axis, &d)| axis == 1 || d == 1);
            if !per_channel {
                break;
            }
            for (bias, extra) in tail.bias.iter_mut().zip(values) {
                *bias += extra;
            }
        } else if tail.residual.is_none()
            && model.outlet_fact(other)?.shape.to_tvec() == shape
            && is_rank4_f32(model, other)?
        {
            tail.residual = Some(unpadded_residual(model, other, channels)?);
        } else {
            break;
        }
        tail.outlet = OutletId::new(next.id, 0);
    }
    Ok(tail)
}

/// Returns the residual to read for `outlet`: the input of a padding that only
/// appends zero channels (with its channel count), or `outlet` itself.
fn unpadded_residual(
    model: &TypedModel,
    outlet: OutletId,
    channels: usize,
) -> TractResult<(OutletId, usize)> {
    let node = model.node(outlet.node);
    if let Some(pad) = node.op_as::<Pad>().filter(|pad| pads_with_zero(pad)) {
        let channel_end_only = pad.pads.len() == 4
            && pad
                .pads
                .iter()
                .enumerate()
                .all(|(axis, &(before, after))| before == 0 && (axis == 1 || after == 0));
        if channel_end_only && is_rank4_f32(model, node.inputs[0])? {
            let unpadded = model.outlet_fact(node.inputs[0])?.shape[1].to_usize()?;
            return Ok((node.inputs[0], unpadded));
        }
    }
    Ok((outlet, channels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::tract_core::ops::array::PadMode;
    use tract_onnx::tract_core::ops::cnn::PoolSpec;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    /// Returns `len` weights or inputs in [-1, 1), multiples of 1/8, so that the
    /// sums of their products are exact in `f32` whatever their order.
    fn eighths(len: usize, seed: u32) -> Tensor {
        let mut state = seed;
        let values: Vec<f32> = (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((state >> 16) % 16) as f32 / 8.0 - 1.0
            })
            .collect();
        tensor1(&values)
    }

    /// One convolution case: `conv` of `input` by `out_channels` x OIHW weights,
    /// then a bias, a residual of `residual_channels` zero-padded to
    /// `out_channels` when set, and a ReLU when `relu`.
    struct ConvCase {
        input: [usize; 4],
        /// A 3x3 depthwise convolution before the main one: stride and padding.
        depthwise: Option<(usize, PaddingSpec)>,
        out_channels: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: PaddingSpec,
        residual_channels: Option<usize>,
        relu: bool,
    }

    impl ConvCase {
        /// Builds the case as tract operators and returns the decluttered model
        /// and its inputs.
        fn model(&self) -> (TypedModel, TVec<TValue>) {
            let [n, c, h, w] = self.input;
            let o = self.out_channels;
            let mut model = TypedModel::default();
            let mut inputs = tvec![eighths(n * c * h * w, 1)
                .into_shape(&self.input)
                .unwrap()
                .into_tvalue()];

            let mut source = model.add_source("input", f32::fact(self.input)).unwrap();

            if let Some((stride, padding)) = &self.depthwise {
                let weights = eighths(c * 9, 7).into_shape(&[c, 1, 3, 3]).unwrap();
                let weights = model.add_const("depthwise.weights", weights).unwrap();
                let bias = model.add_const("depthwise.bias", eighths(c, 8)).unwrap();
                let spec = PoolSpec::new(
                    DataFormat::NCHW,
                    tvec![3, 3],
                    padding.clone(),
                    None,
                    Some(tvec![*stride, *stride]),
                    c,
                    c,
                );
                let depthwise = Conv {
                    pool_spec: spec,
                    kernel_fmt: KernelFormat::OIHW,
                    group: c,
                    q_params: None,
                };
                source = model
                    .wire_node("depthwise", depthwise, &[source, weights, bias])
                    .unwrap()[0];
            }

            let weights = eighths(o * c * self.kernel[0] * self.kernel[1], 2)
                .into_shape(&[o, c, self.kernel[0], self.kernel[1]])
                .unwrap();
            let weights = model.add_const("weights", weights).unwrap();
            let bias = model.add_const("bias", eighths(o, 3)).unwrap();
            let spec = PoolSpec::new(
                DataFormat::NCHW,
                tvec![self.kernel[0], self.kernel[1]],
                self.padding.clone(),
                None,
                Some(tvec![self.stride[0], self.stride[1]]),
                c,
                o,
            );
            let conv = Conv {
                pool_spec: spec,
                kernel_fmt: KernelFormat::OIHW,
                group: 1,
                q_params: None,
            };
            let mut wire = model
                .wire_node("conv", conv, &[source, weights, bias])
                .unwrap();

            if let Some(channels) = self.residual_channels {
                let out_shape = model
                    .outlet_fact(wire[0])
                    .unwrap()
                    .shape
                    .as_concrete()
                    .unwrap()
                    .to_vec();
                let residual_shape = [n, channels, out_shape[2], out_shape[3]];
                let residual = model
                    .add_source("residual", f32::fact(residual_shape))
                    .unwrap();
                inputs.push(
                    eighths(residual_shape.iter().product(), 4)
                        .into_shape(&residual_shape)
                        .unwrap()
                        .into_tvalue(),
                );
                let padded = model
                    .wire_node(
                        "pad",
                        Pad::new(
                            vec![(0, 0), (0, o - channels), (0, 0), (0, 0)],
                            PadMode::Constant(tensor0(0.0f32).into_arc_tensor()),
                        ),
                        &[residual],
                    )
                    .unwrap();
                wire = model
                    .wire_node(
                        "add",
                        tract_onnx::tract_core::ops::math::add(),
                        &[wire[0], padded[0]],
                    )
                    .unwrap();
            }

            if self.relu {
                let zero = model.add_const("zero", tensor4(&[[[[0.0f32]]]])).unwrap();
                wire = model
                    .wire_node(
                        "relu",
                        tract_onnx::tract_core::ops::math::max(),
                        &[wire[0], zero],
                    )
                    .unwrap();
            }

            model.select_output_outlets(&wire).unwrap();
            (model.into_decluttered().unwrap(), inputs)
        }

        /// Runs the case with tract's operators and with [`FusedConv`]. Returns
        /// both outputs, the number of fused convolutions and the description
        /// of each operator left in the fused model other than its sources.
        fn run_both(&self) -> (Tensor, Tensor, usize, Vec<String>) {
            let (model, inputs) = self.model();
            let run = |model: TypedModel| {
                let outputs = model.into_runnable().unwrap().run(inputs.clone()).unwrap();
                outputs[0].clone().into_tensor()
            };

            let mut fused_model = model.clone();
            let fused = fuse_convolutions(&mut fused_model).unwrap();
            let fused_model = fused_model.into_optimized().unwrap();
            let operators = fused_model
                .nodes()
                .iter()
                .filter(|node| node.op().name() != "Source")
                .map(|node| {
                    format!(
                        "{} {}",
                        node.op().name(),
                        node.op().info().unwrap().join("; ")
                    )
                })
                .collect();
            (
                run(model.into_optimized().unwrap()),
                run(fused_model),
                fused,
                operators,
            )
        }
    }

    /// Returns `PaddingSpec::Explicit` with the same rows and columns.
    fn explicit(before: usize, after: usize) -> PaddingSpec {
        PaddingSpec::Explicit(tvec![before, before], tvec![after, after])
    }

    /// Returns a convolution case with ReLU and no residual.
    fn conv(
        input: [usize; 4],
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: PaddingSpec,
    ) -> ConvCase {
        ConvCase {
            input,
            depthwise: None,
            out_channels,
            kernel: [kernel, kernel],
            stride: [stride, stride],
            padding,
            residual_channels: None,
            relu: true,
        }
    }

    /// Returns a BlazeFace block case: a 3x3 depthwise convolution at `stride`
    /// with `padding`, then a pointwise one with ReLU.
    fn block(
        input: [usize; 4],
        out_channels: usize,
        stride: usize,
        padding: PaddingSpec,
    ) -> ConvCase {
        ConvCase {
            depthwise: Some((stride, padding)),
            ..conv(input, out_channels, 1, 1, PaddingSpec::Valid)
        }
    }

    /// Checks that each case becomes one [`FusedConv`] that takes in the whole
    /// case, and gives tract's values.
    fn assert_each_matches_tract(cases: &[ConvCase]) {
        for (index, case) in cases.iter().enumerate() {
            let (tract, ours, fused, operators) = case.run_both();
            assert_eq!(fused, 1, "case {index}");
            assert_eq!(operators.len(), 1, "case {index}: {operators:?}");
            let operator = &operators[0];
            assert!(
                operator.starts_with("FusedConv"),
                "case {index}: {operator}"
            );
            let tail = format!("residual {:?}, relu {}", case.residual_channels, case.relu);
            assert!(operator.ends_with(&tail), "case {index}: {operator}");
            let depthwise = operator.contains("depthwise");
            assert_eq!(
                depthwise,
                case.depthwise.is_some(),
                "case {index}: {operator}"
            );
            assert_eq!(tract, ours, "case {index}");
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn fused_conv_matches_tract_per_layer() {
        let cases = [
            // BlazeFace's first layer: 5x5 at stride 2, padded one before, two after.
            conv([1, 3, 20, 18], 6, 5, 2, explicit(1, 2)),
            // A BlazeFace block's pointwise layer, widened with a padded residual,
            // on an image whose pixel count is not a multiple of eight.
            ConvCase {
                residual_channels: Some(5),
                ..conv([1, 5, 7, 5], 7, 1, 1, PaddingSpec::Valid)
            },
            // The scorer's layers: 3x3, padded on both sides, two images.
            conv([2, 4, 8, 8], 9, 3, 1, explicit(1, 1)),
            // No ReLU, stride 2 with padding after only, odd sizes.
            ConvCase {
                relu: false,
                ..conv([1, 2, 9, 11], 3, 3, 2, explicit(0, 1))
            },
            // Blocks of 64 pixels that start near a row's end, where some taps
            // of a run fall wholly in the padding.
            conv([1, 1, 4, 63], 2, 5, 1, explicit(2, 2)),
            conv([1, 1, 4, 65], 2, 5, 1, explicit(2, 2)),
        ];
        assert_each_matches_tract(&cases);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn depthwise_stage_matches_tract_per_block() {
        let cases = [
            // A block at stride 1 on rows a multiple of four wide (the whole-row
            // SIMD path), with a residual that is zero-padded.
            ConvCase {
                residual_channels: Some(4),
                ..block([1, 4, 6, 8], 6, 1, explicit(1, 1))
            },
            // Rows of seven, which the SIMD path leaves to plain Rust.
            block([1, 3, 5, 7], 5, 1, explicit(1, 1)),
            // BlazeFace's stride-2 blocks: padding after only.
            ConvCase {
                residual_channels: Some(4),
                ..block([1, 4, 16, 16], 8, 2, explicit(0, 1))
            },
            // Two columns of padding on the right: output rows are wider than
            // input rows.
            block(
                [1, 2, 5, 6],
                3,
                1,
                PaddingSpec::Explicit(tvec![1, 1], tvec![1, 2]),
            ),
            // Uneven padding, so that some taps of a row fall wholly in it.
            block(
                [1, 3, 11, 13],
                4,
                1,
                PaddingSpec::Explicit(tvec![2, 0], tvec![0, 2]),
            ),
        ];
        assert_each_matches_tract(&cases);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn empty_output_stays_with_tract() {
        // A 3x3 kernel without padding does not fit a 2x2 image.
        let case = conv([1, 1, 2, 2], 2, 3, 1, PaddingSpec::Valid);
        let (model, inputs) = case.model();
        let mut fused_model = model.clone();

        assert_eq!(fuse_convolutions(&mut fused_model).unwrap(), 0);
        let output = fused_model.into_runnable().unwrap().run(inputs).unwrap();
        assert_eq!(output[0].shape(), &[1, 2, 0, 0]);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn grouped_convolution_stays_with_tract() {
        let case = conv([1, 4, 6, 6], 4, 3, 1, explicit(1, 1));
        let (mut model, inputs) = case.model();

        let conv = model
            .nodes()
            .iter()
            .position(|node| node.op_is::<Conv>())
            .unwrap();
        let mut grouped = model.node(conv).op_as::<Conv>().unwrap().clone();
        grouped.group = 2;
        // Weights of two groups of two channels are [channels, 2, 3, 3].
        let weights = model
            .add_const("grouped", eighths(72, 5).into_shape(&[4, 2, 3, 3]).unwrap())
            .unwrap();
        model.node_mut(conv).op = Box::new(grouped);
        model.node_mut(conv).inputs[1] = weights;

        let mut fused_model = model.clone();
        assert_eq!(fuse_convolutions(&mut fused_model).unwrap(), 0);
        let output = fused_model.into_runnable().unwrap().run(inputs).unwrap();
        assert_eq!(output[0].shape(), &[1, 4, 6, 6]);
    }

    /// Loads a shipped model, decluttered for `shape`.
    fn shipped_model(bytes: &[u8], shape: &[usize]) -> TypedModel {
        tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(bytes))
            .unwrap()
            .with_input_fact(0, f32::fact(shape).into())
            .unwrap()
            .into_typed()
            .unwrap()
            .into_decluttered()
            .unwrap()
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn fused_shipped_models_give_tract_outputs() {
        let models: [(&[u8], [usize; 4], usize); 2] = [
            // The first convolution and 16 depthwise-and-pointwise blocks; the
            // four heads write NHWC and stay with tract.
            (
                include_bytes!("../../models/face_detection_short_range.onnx"),
                [1, 128, 128, 3],
                17,
            ),
            (
                include_bytes!("../../models/smile_scorer.onnx"),
                [1, 1, 64, 64],
                4,
            ),
        ];
        for (bytes, shape, expected) in models {
            let model = shipped_model(bytes, &shape);
            let mut fused_model = model.clone();
            let fused = fuse_convolutions(&mut fused_model).unwrap();
            assert_eq!(fused, expected, "input {shape:?}");
            let fused_model = fused_model.into_optimized().unwrap();
            let remaining = fused_model
                .nodes()
                .iter()
                .filter(|node| node.op_is::<Conv>() || node.op().name().starts_with("DepthWise"))
                .count();
            assert_eq!(remaining, 0, "input {shape:?}");
            let input = eighths(shape.iter().product(), 6)
                .into_shape(&shape)
                .unwrap()
                .into_tvalue();
            let run = |model: TypedModel| {
                model
                    .into_runnable()
                    .unwrap()
                    .run(tvec!(input.clone()))
                    .unwrap()
            };
            let theirs = run(model.into_optimized().unwrap());
            let ours = run(fused_model);
            for (theirs, ours) in theirs.iter().zip(&ours) {
                assert_eq!(theirs.shape(), ours.shape());
                let theirs = theirs.try_as_plain_ram().unwrap();
                let ours = ours.try_as_plain_ram().unwrap();
                for (a, b) in theirs
                    .as_slice::<f32>()
                    .unwrap()
                    .iter()
                    .zip(ours.as_slice::<f32>().unwrap())
                {
                    assert!(
                        (a - b).abs() <= 1e-4 * a.abs().max(1.0),
                        "input {shape:?}: tract {a}, fused {b}"
                    );
                }
            }
        }
    }
}
