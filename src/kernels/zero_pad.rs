//! `ZeroPad`: pads a rank-4 `f32` tensor with zeros.

use tract_onnx::tract_core::internal::*;

/// Adds `pads[axis].0` zeros before and `pads[axis].1` zeros after each axis of a
/// rank-4 `f32` tensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZeroPad {
    pub(crate) pads: [(usize, usize); 4],
}

impl Op for ZeroPad {
    fn name(&self) -> StaticName {
        "ZeroPad".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        Ok(vec![format!("pads: {:?}", self.pads)])
    }

    tract_onnx::tract_core::op_as_typed_op!();
}

impl EvalOp for ZeroPad {
    tract_onnx::tract_core::op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let &[d0, d1, d2, d3] = input.shape() else {
            bail!(
                "ZeroPad needs a rank-4 input, got shape {:?}",
                input.shape()
            );
        };

        let padded = |axis: usize, dim: usize| self.pads[axis].0 + dim + self.pads[axis].1;
        let out_shape = [padded(0, d0), padded(1, d1), padded(2, d2), padded(3, d3)];
        let mut output = Tensor::zero::<f32>(&out_shape)?;

        let dims = [d0, d1, d2, d3];
        // The input is copied in blocks that span the last padded axis and every
        // axis inside it, which lie in the output exactly as in the input.
        let last_padded = (0..4)
            .rev()
            .find(|&axis| self.pads[axis] != (0, 0))
            .unwrap_or(0);
        let block: usize = dims[last_padded..].iter().product();
        if block > 0 {
            let input_view = input.try_as_plain_ram()?;
            let source = input_view.as_slice::<f32>()?;
            let mut output_view = output.try_as_plain_ram_mut()?;
            let target = output_view.as_slice_mut::<f32>()?;
            for (index, values) in source.chunks_exact(block).enumerate() {
                let mut coords = [0; 4];
                let mut rest = index;
                for axis in (0..last_padded).rev() {
                    coords[axis] = rest % dims[axis];
                    rest /= dims[axis];
                }
                let offset = (0..4).fold(0, |offset, axis| {
                    offset * out_shape[axis] + coords[axis] + self.pads[axis].0
                });
                target[offset..offset + block].copy_from_slice(values);
            }
        }

        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for ZeroPad {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shape = &inputs[0].shape;
        ensure!(
            shape.rank() == 4,
            "ZeroPad needs a rank-4 input, got {shape:?}"
        );
        let out_shape: TVec<TDim> = shape
            .iter()
            .zip(self.pads)
            .map(|(dim, (before, after))| dim.clone() + before + after)
            .collect();
        Ok(tvec!(f32::fact(out_shape)))
    }

    as_op!();
}
