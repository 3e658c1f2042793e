//! `Depthwise`: the depthwise convolution that [`FusedConv`](super::FusedConv)
//! can compute into its panels, before its pointwise convolution.

use std::sync::Arc;

use tract_onnx::tract_core::internal::*;

use super::fused_conv::{inside_taps, same_bits, ConvGeometry};

/// A depthwise convolution (one filter per channel) with its bias, which
/// [`FusedConv`](super::FusedConv) computes into its panels instead of reading them from memory.
#[derive(Debug, Clone)]
pub(crate) struct Depthwise {
    geometry: ConvGeometry,
    /// `[channels][kernel rows * kernel columns]`.
    weights: Arc<[f32]>,
    /// One per channel.
    bias: Arc<[f32]>,
}

impl Depthwise {
    /// Builds the stage from weights of shape `[channels, 1, kernel rows,
    /// kernel columns]` and one `bias` value per channel.
    pub(crate) fn new(
        geometry: ConvGeometry,
        weights: &[f32],
        weight_shape: [usize; 4],
        bias: &[f32],
    ) -> TractResult<Depthwise> {
        let [channels, one, kernel_rows, kernel_columns] = weight_shape;
        ensure!(
            one == 1 && [kernel_rows, kernel_columns] == geometry.kernel,
            "depthwise weights of shape {weight_shape:?} do not fit kernel {:?}",
            geometry.kernel
        );
        ensure!(
            geometry.stride.iter().all(|&s| s > 0),
            "depthwise stride {:?} has a zero",
            geometry.stride
        );
        ensure!(
            weights.len() == weight_shape.iter().product::<usize>() && bias.len() == channels,
            "depthwise stage has {} weights and {} bias values for shape {weight_shape:?}",
            weights.len(),
            bias.len()
        );
        Ok(Depthwise {
            geometry,
            weights: weights.into(),
            bias: bias.into(),
        })
    }

    /// Returns whether both stages have the same geometry and, bit for bit,
    /// the same values.
    pub(super) fn same_as(&self, other: &Depthwise) -> bool {
        self.geometry == other.geometry
            && same_bits(&self.weights, &other.weights)
            && same_bits(&self.bias, &other.bias)
    }

    pub(super) fn geometry(&self) -> &ConvGeometry {
        &self.geometry
    }

    pub(super) fn channels(&self) -> usize {
        self.bias.len()
    }

    /// Writes the depthwise outputs of `channel` (its input plane `plane`,
    /// `h` x `w`) for the `segment.len()` pixels of output row `oy` that start
    /// at column `ox`.
    pub(super) fn segment(
        &self,
        channel: usize,
        plane: &[f32],
        [h, w]: [usize; 2],
        [oy, ox]: [usize; 2],
        segment: &mut [f32],
    ) {
        let ConvGeometry {
            kernel: [kernel_rows, kernel_columns],
            stride: [stride_y, stride_x],
            pad_before: [pad_top, pad_left],
            ..
        } = self.geometry;
        let taps = kernel_rows * kernel_columns;
        let weights = &self.weights[channel * taps..][..taps];
        if [kernel_rows, kernel_columns] == [3, 3] && stride_x == 1 && pad_left == 1 {
            let row = |ky: usize| {
                let y = (oy * stride_y + ky)
                    .checked_sub(pad_top)
                    .filter(|&y| y < h)?;
                Some(&plane[y * w..][..w])
            };
            let rows = [row(0), row(1), row(2)];
            let weights: &[f32; 9] = weights.try_into().expect("a 3x3 kernel has 9 taps");
            three_by_three(segment, rows, w, weights, self.bias[channel], ox);
            return;
        }
        segment.fill(self.bias[channel]);
        for ky in 0..kernel_rows {
            let Some(y) = (oy * stride_y + ky).checked_sub(pad_top).filter(|&y| y < h) else {
                continue;
            };
            let source = &plane[y * w..][..w];
            for kx in 0..kernel_columns {
                let first = (ox * stride_x + kx) as isize - pad_left as isize;
                let Some((inside, start)) =
                    inside_taps(segment.len(), source.len(), first, stride_x)
                else {
                    continue;
                };
                let weight = weights[ky * kernel_columns + kx];
                let targets = &mut segment[inside];
                if stride_x == 1 {
                    add_scaled(targets, &source[start..start + targets.len()], weight);
                } else {
                    for (target, index) in targets.iter_mut().zip((start..).step_by(stride_x)) {
                        *target += weight * source[index];
                    }
                }
            }
        }
    }
}

/// Writes the outputs of a 3x3 filter at column stride 1 with one column of
/// zero padding on the left. `segment[i]` is `bias` plus the filter over
/// columns `ox + i - 1 ..= ox + i + 1` of the three input `rows`, each `width`
/// long. A missing row, or a column outside a row, counts as zero padding.
fn three_by_three(
    segment: &mut [f32],
    rows: [Option<&[f32]>; 3],
    width: usize,
    weights: &[f32; 9],
    bias: f32,
    ox: usize,
) {
    assert!(
        rows.iter().flatten().all(|row| row.len() == width),
        "3x3 rows are not all {width} long"
    );
    if ox == 0 && segment.len() == width && three_by_three_row_simd(segment, rows, weights, bias) {
        return;
    }
    for (i, value) in segment.iter_mut().enumerate() {
        let mut sum = bias;
        for (ky, row) in rows.iter().enumerate() {
            let Some(row) = row else { continue };
            for kx in 0..3 {
                if let Some(&column) = (ox + i + kx).checked_sub(1).and_then(|x| row.get(x)) {
                    sum += weights[ky * 3 + kx] * column;
                }
            }
        }
        *value = sum;
    }
}

/// Computes a whole output row for [`three_by_three`] four pixels at a time,
/// adding in the same order. Returns false, having written nothing, when the
/// row is not a multiple of four pixels long.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn three_by_three_row_simd(
    segment: &mut [f32],
    rows: [Option<&[f32]>; 3],
    weights: &[f32; 9],
    bias: f32,
) -> bool {
    use std::arch::wasm32::*;

    let width = segment.len();
    if width == 0 || width % 4 != 0 {
        return false;
    }
    let taps: [v128; 9] = std::array::from_fn(|k| f32x4_splat(weights[k]));
    let zero = f32x4_splat(0.0);
    let last = width - 4;
    for (index, four) in segment.chunks_exact_mut(4).enumerate() {
        let x = 4 * index;
        let mut sum = f32x4_splat(bias);
        for (ky, row) in rows.iter().enumerate() {
            let Some(row) = row else { continue };
            // SAFETY: the row has `width` values and `x + 4 <= width`. The
            // neighbouring columns are loaded only where they exist: `x >= 1`
            // for the left, `x + 5 <= width` for the right. At the row's ends
            // they are shuffled in with a zero. v128 loads need no alignment.
            unsafe {
                let at = row.as_ptr().add(x);
                let middle = v128_load(at as *const v128);
                let left = if x == 0 {
                    i32x4_shuffle::<4, 0, 1, 2>(middle, zero)
                } else {
                    v128_load(at.sub(1) as *const v128)
                };
                let right = if x == last {
                    i32x4_shuffle::<1, 2, 3, 4>(middle, zero)
                } else {
                    v128_load(at.add(1) as *const v128)
                };
                sum = f32x4_add(sum, f32x4_mul(taps[ky * 3], left));
                sum = f32x4_add(sum, f32x4_mul(taps[ky * 3 + 1], middle));
                sum = f32x4_add(sum, f32x4_mul(taps[ky * 3 + 2], right));
            }
        }
        // SAFETY: `four` has four values.
        unsafe { v128_store(four.as_mut_ptr() as *mut v128, sum) };
    }
    true
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn three_by_three_row_simd(
    _segment: &mut [f32],
    _rows: [Option<&[f32]>; 3],
    _weights: &[f32; 9],
    _bias: f32,
) -> bool {
    false
}

/// Adds `weight * source[i]` to each `target[i]`. `source` is as long as `target`.
fn add_scaled(target: &mut [f32], source: &[f32], weight: f32) {
    let done = add_scaled_simd(target, source, weight);
    for (t, s) in target[done..].iter_mut().zip(&source[done..]) {
        *t += weight * s;
    }
}

/// Does the work of [`add_scaled`] four values at a time, and returns how many
/// values it did.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn add_scaled_simd(target: &mut [f32], source: &[f32], weight: f32) -> usize {
    use std::arch::wasm32::*;

    let w = f32x4_splat(weight);
    let mut done = 0;
    for (t, s) in target.chunks_exact_mut(4).zip(source.chunks_exact(4)) {
        // SAFETY: both chunks hold four values. v128 accesses need no alignment.
        unsafe {
            let sum = f32x4_add(
                v128_load(t.as_ptr() as *const v128),
                f32x4_mul(w, v128_load(s.as_ptr() as *const v128)),
            );
            v128_store(t.as_mut_ptr() as *mut v128, sum);
        }
        done += 4;
    }
    done
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn add_scaled_simd(_target: &mut [f32], _source: &[f32], _weight: f32) -> usize {
    0
}
