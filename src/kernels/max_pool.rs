//! `MaxPool2x2`: the maximum of each 2x2 window at stride 2, NCHW `f32`.

use tract_onnx::tract_core::internal::*;

/// Max pooling over 2x2 windows at stride 2 with no padding, on an NCHW `f32`
/// tensor: `[n, c, h, w]` becomes `[n, c, h / 2, w / 2]` (a last odd row or
/// column is dropped, as valid padding does).
///
/// It gives tract's values for finite inputs. Where they differ: a window that
/// is all minus infinity gives minus infinity (tract: `f32::MIN`), and a NaN
/// paired with a number may give NaN (tract: the number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MaxPool2x2;

impl Op for MaxPool2x2 {
    fn name(&self) -> StaticName {
        "MaxPool2x2".into()
    }

    tract_onnx::tract_core::op_as_typed_op!();
}

impl EvalOp for MaxPool2x2 {
    tract_onnx::tract_core::op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let &[n, c, h, w] = input.shape() else {
            bail!(
                "MaxPool2x2 needs a rank-4 NCHW input, got shape {:?}",
                input.shape()
            );
        };
        let (out_h, out_w) = (h / 2, w / 2);
        let mut output = Tensor::zero::<f32>(&[n, c, out_h, out_w])?;
        {
            let input_view = input.try_as_plain_ram()?;
            let source = input_view.as_slice::<f32>()?;
            let mut output_view = output.try_as_plain_ram_mut()?;
            let target = output_view.as_slice_mut::<f32>()?;
            if out_h > 0 && out_w > 0 {
                for (plane, out_plane) in source
                    .chunks_exact(h * w)
                    .zip(target.chunks_exact_mut(out_h * out_w))
                {
                    for (y, out_row) in out_plane.chunks_exact_mut(out_w).enumerate() {
                        let top = &plane[2 * y * w..][..2 * out_w];
                        let bottom = &plane[(2 * y + 1) * w..][..2 * out_w];
                        pool_row(top, bottom, out_row);
                    }
                }
            }
        }
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for MaxPool2x2 {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shape = &inputs[0].shape;
        ensure!(
            shape.rank() == 4,
            "MaxPool2x2 needs a rank-4 NCHW input, got {shape:?}"
        );
        let out_shape = [
            shape[0].clone(),
            shape[1].clone(),
            shape[2].clone() / 2,
            shape[3].clone() / 2,
        ];
        Ok(tvec!(f32::fact(out_shape)))
    }

    as_op!();
}

/// Returns the larger of two values, or `a` when they are unordered, as wasm's
/// `f32x4.pmax` does, so both paths of [`pool_row`] give the same bits.
fn larger(a: f32, b: f32) -> f32 {
    if a < b {
        b
    } else {
        a
    }
}

/// Writes `out[x] = max(top[2x], top[2x+1], bottom[2x], bottom[2x+1])`.
/// `top` and `bottom` contain `2 * out.len()` values.
fn pool_row(top: &[f32], bottom: &[f32], out: &mut [f32]) {
    let done = pool_row_simd(top, bottom, out);
    for x in done..out.len() {
        let column = larger(top[2 * x], bottom[2 * x]);
        let next_column = larger(top[2 * x + 1], bottom[2 * x + 1]);
        out[x] = larger(column, next_column);
    }
}

/// Pools four outputs at a time with wasm SIMD; returns how many outputs it wrote.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn pool_row_simd(top: &[f32], bottom: &[f32], out: &mut [f32]) -> usize {
    use std::arch::wasm32::{f32x4_pmax, i32x4_shuffle, v128, v128_load, v128_store};

    let mut written = 0;
    for ((out4, top8), bottom8) in out
        .chunks_exact_mut(4)
        .zip(top.chunks_exact(8))
        .zip(bottom.chunks_exact(8))
    {
        // SAFETY: `top8` and `bottom8` contain 8 values and `out4` 4, so each
        // 16-byte access stays inside its slice. v128 loads and stores need no
        // alignment.
        unsafe {
            let load = |values: &[f32]| v128_load(values.as_ptr() as *const v128);
            let low = f32x4_pmax(load(&top8[..4]), load(&bottom8[..4]));
            let high = f32x4_pmax(load(&top8[4..]), load(&bottom8[4..]));
            let even = i32x4_shuffle::<0, 2, 4, 6>(low, high);
            let odd = i32x4_shuffle::<1, 3, 5, 7>(low, high);
            v128_store(out4.as_mut_ptr() as *mut v128, f32x4_pmax(even, odd));
        }
        written += 4;
    }
    written
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn pool_row_simd(_top: &[f32], _bottom: &[f32], _out: &mut [f32]) -> usize {
    0
}
