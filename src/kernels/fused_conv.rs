//! `FusedConv`: a 2-D convolution with its bias, an optional residual addition
//! and an optional ReLU, computed as one matrix product.

use std::ops::Range;
use std::sync::Arc;

use tract_onnx::tract_core::internal::*;

use super::depthwise::Depthwise;

/// Output channels computed together by the matrix kernel. The packed weights
/// are padded with zeros to a multiple of this.
const TILE_CHANNELS: usize = 4;
/// Output pixels computed together by the matrix kernel, two vectors of four.
const TILE_PIXELS: usize = 8;
/// Output pixels whose patches are gathered into one panel. The panel of the
/// deepest layer we run (576 values per pixel in the scorer) stays under
/// 150 KiB. The kernel reads it from one place, because input rows lie a
/// multiple of 4 KiB apart and evict each other from the cache.
const BLOCK_PIXELS: usize = 64;

/// Geometry of a convolution over an NCHW tensor: kernel size, stride and the
/// zero padding on each side, each as `[rows, columns]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub pad_before: [usize; 2],
    pub pad_after: [usize; 2],
}

impl ConvGeometry {
    /// The 1x1 convolution at stride 1 without padding (a pointwise convolution).
    pub const POINTWISE: ConvGeometry = ConvGeometry {
        kernel: [1, 1],
        stride: [1, 1],
        pad_before: [0, 0],
        pad_after: [0, 0],
    };

    fn is_pointwise(&self) -> bool {
        *self == Self::POINTWISE
    }

    /// Output rows and columns for an input of `height` x `width`, or `None`
    /// when the padded input is smaller than the kernel.
    pub(super) fn output_size(&self, height: usize, width: usize) -> Option<[usize; 2]> {
        let size = |axis: usize, input: usize| {
            let padded = input + self.pad_before[axis] + self.pad_after[axis];
            padded
                .checked_sub(self.kernel[axis])
                .map(|room| room / self.stride[axis] + 1)
        };
        Some([size(0, height)?, size(1, width)?])
    }
}

/// A group-1 convolution on an NCHW `f32` tensor with the operators that follow
/// it in our models folded in: `relu(conv(x, w) + bias + residual)`.
///
/// - Input 0 is `x`, `[n, in_channels, h, w]`.
/// - Input 1, when `residual_channels` is set, is `[n, residual_channels, oh, ow]`
///   with `residual_channels <= out_channels`. It is added to the first
///   `residual_channels` output channels. The rest get nothing, as if the
///   residual had been zero-padded, which is how BlazeFace widens its blocks.
/// - The output is `[n, out_channels, oh, ow]`.
///
/// With a [`Depthwise`] stage (see [`FusedConv::after_depthwise`]), input 0 is
/// that stage's input, and the pointwise convolution reads the stage's outputs:
/// a whole BlazeFace block is then one operator.
///
/// The convolution is one matrix product of the packed weights with the
/// input's patch matrix (im2col), computed 64 pixels at a time. It sums in the
/// same order as a plain dot product, so results differ from tract's by
/// rounding only.
#[derive(Debug, Clone)]
pub(crate) struct FusedConv {
    geometry: ConvGeometry,
    in_channels: usize,
    out_channels: usize,
    /// Weights as `[out_channels / TILE_CHANNELS, rounded up][k][TILE_CHANNELS]`
    /// (zero for the padding channels), where `k = (input channel * kernel rows
    /// + kernel row) * kernel columns + kernel column`.
    packed_weights: Arc<[f32]>,
    /// One bias per output channel, then zeros up to a multiple of TILE_CHANNELS.
    bias: Arc<[f32]>,
    residual_channels: Option<usize>,
    relu: bool,
    /// A depthwise convolution applied to input 0 first, when set; the
    /// geometry above is then pointwise.
    depthwise: Option<Depthwise>,
}

/// Returns whether two value slices are bit for bit the same.
pub(super) fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Operators are equal when their values are bit for bit the same.
impl PartialEq for FusedConv {
    fn eq(&self, other: &FusedConv) -> bool {
        self.geometry == other.geometry
            && self.in_channels == other.in_channels
            && self.out_channels == other.out_channels
            && same_bits(&self.packed_weights, &other.packed_weights)
            && same_bits(&self.bias, &other.bias)
            && self.residual_channels == other.residual_channels
            && self.relu == other.relu
            && match (&self.depthwise, &other.depthwise) {
                (Some(a), Some(b)) => a.same_as(b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl Eq for FusedConv {}

impl FusedConv {
    /// Builds the operator from OIHW `weights` of shape
    /// `[out_channels, in_channels, kernel rows, kernel columns]` and one `bias`
    /// value per output channel.
    pub(crate) fn new(
        geometry: ConvGeometry,
        weights: &[f32],
        weight_shape: [usize; 4],
        bias: &[f32],
        residual_channels: Option<usize>,
        relu: bool,
    ) -> TractResult<FusedConv> {
        let [out_channels, in_channels, kernel_rows, kernel_columns] = weight_shape;
        ensure!(
            [kernel_rows, kernel_columns] == geometry.kernel,
            "FusedConv weights have a {kernel_rows}x{kernel_columns} kernel, the geometry {:?}",
            geometry.kernel
        );
        ensure!(
            geometry.stride.iter().all(|&s| s > 0),
            "FusedConv stride {:?} has a zero",
            geometry.stride
        );
        ensure!(
            weights.len() == weight_shape.iter().product::<usize>(),
            "FusedConv has {} weights for shape {weight_shape:?}",
            weights.len()
        );
        ensure!(
            bias.len() == out_channels,
            "FusedConv has {} bias values for {out_channels} output channels",
            bias.len()
        );
        if let Some(residual) = residual_channels {
            ensure!(
                residual <= out_channels,
                "FusedConv residual has {residual} channels, more than the {out_channels} outputs"
            );
        }

        let taps = kernel_rows * kernel_columns;
        let depth = in_channels * taps;
        let padded_channels = out_channels.div_ceil(TILE_CHANNELS) * TILE_CHANNELS;
        let mut packed = vec![0.0; depth * padded_channels];
        for o in 0..out_channels {
            for k in 0..depth {
                let (tile, r) = (o / TILE_CHANNELS, o % TILE_CHANNELS);
                packed[(tile * depth + k) * TILE_CHANNELS + r] = weights[o * depth + k];
            }
        }

        let mut padded_bias = bias.to_vec();
        padded_bias.resize(padded_channels, 0.0);
        Ok(FusedConv {
            geometry,
            in_channels,
            out_channels,
            packed_weights: packed.into(),
            bias: padded_bias.into(),
            residual_channels,
            relu,
            depthwise: None,
        })
    }

    /// Puts `depthwise` before this pointwise convolution, so that input 0 is
    /// the depthwise stage's input.
    pub(crate) fn after_depthwise(mut self, depthwise: Depthwise) -> TractResult<FusedConv> {
        ensure!(
            self.geometry.is_pointwise() && depthwise.channels() == self.in_channels,
            "a depthwise stage of {} channels cannot precede a {:?} convolution of {} channels",
            depthwise.channels(),
            self.geometry.kernel,
            self.in_channels
        );
        self.depthwise = Some(depthwise);
        Ok(self)
    }

    /// Output rows and columns for an input of `h` x `w`.
    fn output_size(&self, h: usize, w: usize) -> TractResult<[usize; 2]> {
        let geometry = self
            .depthwise
            .as_ref()
            .map_or(&self.geometry, |d| d.geometry());
        geometry
            .output_size(h, w)
            .with_context(|| format!("FusedConv input {h}x{w} is smaller than its kernel"))
    }

    fn depth(&self) -> usize {
        self.in_channels * self.geometry.kernel[0] * self.geometry.kernel[1]
    }

    fn padded_channels(&self) -> usize {
        self.out_channels.div_ceil(TILE_CHANNELS) * TILE_CHANNELS
    }

    /// Writes the patches of `block`'s pixels of one image `plane`
    /// (`[in_channels, h, w]`) into `panel` as `[block.columns / 8][depth][8]`,
    /// with zeros where a tap falls in the padding and in the columns past the
    /// block's pixels. With a depthwise stage, the patches are its outputs.
    ///
    /// Each patch row is made in a line on the stack and then spread over the
    /// tiles, so that the kernel reads each tile's patches in one sequential
    /// pass.
    fn fill_panel(&self, plane: &[f32], image: Image, block: Block, panel: &mut [f32]) {
        let Image {
            height: h,
            width: w,
            out_width: ow,
        } = image;
        let ConvGeometry {
            kernel: [kernel_rows, kernel_columns],
            stride: [stride_y, stride_x],
            pad_before: [pad_top, pad_left],
            ..
        } = self.geometry;
        let depth = panel.len() / block.columns;
        // Only the block's pixels are written, so the columns past them stay zero.
        let mut line = [0.0; BLOCK_PIXELS];
        let mut k = 0;
        for (index, channel) in plane.chunks_exact(h * w).enumerate() {
            if let Some(depthwise) = &self.depthwise {
                for run in block.runs(ow) {
                    let segment = &mut line[run.offset..][..run.len];
                    depthwise.segment(index, channel, [h, w], [run.oy, run.ox], segment);
                }
                spread_line(&line, block.columns, depth, k, panel);
                k += 1;
                continue;
            }
            for ky in 0..kernel_rows {
                for kx in 0..kernel_columns {
                    if self.geometry.is_pointwise() {
                        line[..block.width]
                            .copy_from_slice(&channel[block.first_pixel..][..block.width]);
                    } else {
                        for run in block.runs(ow) {
                            let segment = &mut line[run.offset..][..run.len];
                            let y = (run.oy * stride_y + ky).checked_sub(pad_top);
                            match y.filter(|&y| y < h) {
                                None => segment.fill(0.0),
                                Some(y) => gather(
                                    segment,
                                    &channel[y * w..][..w],
                                    (run.ox * stride_x + kx) as isize - pad_left as isize,
                                    stride_x,
                                ),
                            }
                        }
                    }
                    spread_line(&line, block.columns, depth, k, panel);
                    k += 1;
                }
            }
        }
    }
}

/// Copies the first `columns` values of `line`, patch row `k` of a block, into
/// `panel` (`[columns / 8][depth][8]`).
fn spread_line(
    line: &[f32; BLOCK_PIXELS],
    columns: usize,
    depth: usize,
    k: usize,
    panel: &mut [f32],
) {
    for (tile, values) in line[..columns].chunks_exact(TILE_PIXELS).enumerate() {
        // Fixed-size arrays, so that the copy compiles to two vector moves.
        let values: &[f32; TILE_PIXELS] = values.try_into().expect("lines have whole tiles");
        let target: &mut [f32; TILE_PIXELS] = (&mut panel[(tile * depth + k) * TILE_PIXELS..]
            [..TILE_PIXELS])
            .try_into()
            .expect("the panel has whole tiles");
        *target = *values;
    }
}

/// Sizes of one convolution: input rows and columns, and output columns.
#[derive(Debug, Clone, Copy)]
struct Image {
    height: usize,
    width: usize,
    out_width: usize,
}

/// The output pixels computed from one panel: `first_pixel..first_pixel +
/// width`, in a panel of `columns` (a multiple of [`TILE_PIXELS`]).
#[derive(Debug, Clone, Copy)]
struct Block {
    first_pixel: usize,
    width: usize,
    columns: usize,
}

/// The pixels of a [`Block`] that lie on one output row: `len` pixels from
/// column `ox` of row `oy`, at `offset` in the block.
struct RowRun {
    offset: usize,
    len: usize,
    oy: usize,
    ox: usize,
}

impl Block {
    /// Splits the block into runs along output rows `out_width` pixels long.
    fn runs(self, out_width: usize) -> impl Iterator<Item = RowRun> {
        let mut offset = 0;
        let (mut oy, mut ox) = (self.first_pixel / out_width, self.first_pixel % out_width);
        std::iter::from_fn(move || {
            if offset >= self.width {
                return None;
            }
            let len = (out_width - ox).min(self.width - offset);
            let run = RowRun {
                offset,
                len,
                oy,
                ox,
            };
            offset += len;
            ox = 0;
            oy += 1;
            Some(run)
        })
    }
}

/// Returns the range of `i < len` for which `first + i * stride` indexes
/// `0..source_len`, with the source index of its first `i`. Returns `None`
/// when every tap falls in the padding.
pub(super) fn inside_taps(
    len: usize,
    source_len: usize,
    first: isize,
    stride: usize,
) -> Option<(Range<usize>, usize)> {
    // `n / stride` rounded up, for n >= 0, without a division for the common
    // strides: this runs for every row of every panel.
    let per_stride = |n: isize| match stride {
        1 => n,
        2 => (n + 1) >> 1,
        _ => (n + stride as isize - 1) / stride as isize,
    };
    let len = len as isize;
    let low = if first >= 0 { 0 } else { per_stride(-first) }.min(len);
    let end = source_len as isize - first;
    let high = if end <= 0 { 0 } else { per_stride(end) }.clamp(low, len);
    if low == high {
        return None;
    }

    let start = (first + low * stride as isize) as usize;
    Some((low as usize..high as usize, start))
}

/// Writes `segment[i] = source[first + i * stride]`, or zero where that index is
/// outside `source`.
fn gather(segment: &mut [f32], source: &[f32], first: isize, stride: usize) {
    let Some((inside, start)) = inside_taps(segment.len(), source.len(), first, stride) else {
        segment.fill(0.0);
        return;
    };
    segment[..inside.start].fill(0.0);
    segment[inside.end..].fill(0.0);
    let values = &mut segment[inside];
    if stride == 1 {
        values.copy_from_slice(&source[start..start + values.len()]);
    } else {
        for (value, index) in values.iter_mut().zip((start..).step_by(stride)) {
            *value = source[index];
        }
    }
}

impl Op for FusedConv {
    fn name(&self) -> StaticName {
        "FusedConv".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        let stage = |geometry: &ConvGeometry| {
            format!(
                "{}x{} stride {:?}",
                geometry.kernel[0], geometry.kernel[1], geometry.stride
            )
        };
        let mut info = Vec::new();
        if let Some(depthwise) = &self.depthwise {
            info.push(format!("depthwise {}", stage(depthwise.geometry())));
        }
        info.push(format!(
            "{}, {} to {} channels, residual {:?}, relu {}",
            stage(&self.geometry),
            self.in_channels,
            self.out_channels,
            self.residual_channels,
            self.relu
        ));
        Ok(info)
    }

    tract_onnx::tract_core::op_as_typed_op!();
}

impl EvalOp for FusedConv {
    tract_onnx::tract_core::op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = &inputs[0];
        let &[n, c, h, w] = input.shape() else {
            bail!(
                "FusedConv needs a rank-4 NCHW input, got shape {:?}",
                input.shape()
            );
        };
        ensure!(
            c == self.in_channels,
            "FusedConv expects {} input channels, got {c}",
            self.in_channels
        );
        let [oh, ow] = self.output_size(h, w)?;
        let pixels = oh * ow;
        let residual = match (self.residual_channels, inputs.get(1)) {
            (Some(channels), Some(residual)) => {
                ensure!(
                    residual.shape() == [n, channels, oh, ow],
                    "FusedConv residual has shape {:?}, expected {:?}",
                    residual.shape(),
                    [n, channels, oh, ow]
                );
                Some(residual)
            }
            (None, None) => None,
            _ => bail!(
                "FusedConv got {} inputs with residual channels {:?}",
                inputs.len(),
                self.residual_channels
            ),
        };
        let mut output = Tensor::zero::<f32>(&[n, self.out_channels, oh, ow])?;
        {
            let input_view = input.try_as_plain_ram()?;
            let source = input_view.as_slice::<f32>()?;
            let residual_view = residual.map(|r| r.try_as_plain_ram()).transpose()?;
            let residual_values = residual_view
                .as_ref()
                .map(|view| view.as_slice::<f32>())
                .transpose()?;
            let mut output_view = output.try_as_plain_ram_mut()?;
            let target = output_view.as_slice_mut::<f32>()?;
            let depth = self.depth();
            let image_size = Image {
                height: h,
                width: w,
                out_width: ow,
            };
            let widest = BLOCK_PIXELS.min(pixels).div_ceil(TILE_PIXELS) * TILE_PIXELS;
            let mut panel = vec![0.0; depth * widest];
            for image in 0..n {
                let plane = &source[image * c * h * w..][..c * h * w];
                let residual =
                    residual_values
                        .zip(self.residual_channels)
                        .map(|(values, channels)| {
                            &values[image * channels * pixels..][..channels * pixels]
                        });
                let product = Product {
                    weights: &self.packed_weights,
                    padded_channels: self.padded_channels(),
                    out_channels: self.out_channels,
                    bias: &self.bias,
                    residual,
                    residual_channels: self.residual_channels.unwrap_or(0),
                    relu: self.relu,
                    pixels,
                };
                let out =
                    &mut target[image * self.out_channels * pixels..][..self.out_channels * pixels];
                for first_pixel in (0..pixels).step_by(BLOCK_PIXELS) {
                    let width = BLOCK_PIXELS.min(pixels - first_pixel);
                    let block = Block {
                        first_pixel,
                        width,
                        columns: width.div_ceil(TILE_PIXELS) * TILE_PIXELS,
                    };
                    let panel = &mut panel[..depth * block.columns];
                    self.fill_panel(plane, image_size, block, panel);
                    product.block(panel, block, out);
                }
            }
        }
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for FusedConv {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shape = &inputs[0].shape;
        ensure!(
            shape.rank() == 4,
            "FusedConv needs a rank-4 NCHW input, got {shape:?}"
        );
        let (Ok(h), Ok(w)) = (shape[2].to_usize(), shape[3].to_usize()) else {
            bail!("FusedConv needs concrete image sizes, got {shape:?}")
        };
        let [oh, ow] = self.output_size(h, w)?;
        Ok(tvec!(f32::fact([
            shape[0].clone(),
            self.out_channels.into(),
            oh.into(),
            ow.into()
        ])))
    }

    as_op!();
}

/// One image's matrix product: `out[o][p] = relu(bias[o] + sum_k
/// weights[k][o] * patches[k][p] + residual[o][p])`.
struct Product<'a> {
    /// `[padded_channels / 4][depth][4]`: the weights of each tile of four
    /// channels in the order the kernel reads them.
    weights: &'a [f32],
    padded_channels: usize,
    out_channels: usize,
    /// `[padded_channels]`.
    bias: &'a [f32],
    /// `[residual_channels][pixels]`, added to the first channels.
    residual: Option<&'a [f32]>,
    residual_channels: usize,
    relu: bool,
    /// Output pixels of the image.
    pixels: usize,
}

impl Product<'_> {
    /// Returns the finished value of output `channel` at `pixel` from its sum
    /// with bias.
    fn finish(&self, channel: usize, pixel: usize, sum: f32) -> f32 {
        let mut value = sum;
        if let Some(residual) = self.residual {
            if channel < self.residual_channels {
                value += residual[channel * self.pixels + pixel];
            }
        }
        match self.relu {
            // As `f32x4.pmax(0, value)` on the SIMD path: zero for NaN too.
            true if value > 0.0 => value,
            true => 0.0,
            false => value,
        }
    }

    /// Writes `block`'s output pixels of every channel into `out`
    /// (`[out_channels][pixels]`) from `panel`, which has their patches as
    /// `[columns / 8][depth][8]` (see [`FusedConv::fill_panel`]; zero past the block's
    /// pixels).
    fn block(&self, panel: &[f32], block: Block, out: &mut [f32]) {
        let Block {
            first_pixel,
            width,
            columns,
        } = block;
        let depth = self.weights.len() / self.padded_channels;
        assert!(
            panel.len() == depth * columns
                && columns % TILE_PIXELS == 0
                && width <= columns
                && first_pixel + width <= self.pixels
                && out.len() == self.out_channels * self.pixels
                && self.bias.len() == self.padded_channels
                && self
                    .residual
                    .is_none_or(|r| r.len() == self.residual_channels * self.pixels),
            "FusedConv block does not fit its buffers"
        );
        for first_column in (0..columns).step_by(TILE_PIXELS) {
            let valid = (width - first_column.min(width)).min(TILE_PIXELS);
            for first_channel in (0..self.padded_channels).step_by(TILE_CHANNELS) {
                let tile = Tile {
                    first_column,
                    first_channel,
                    valid,
                };
                self.tile(panel, columns, first_pixel, tile, out);
            }
        }
    }

    /// Finishes a tile of sums (`sums[r][j]` for channel `first_channel + r`
    /// at column `first_column + j`) one value at a time.
    fn store_tile(
        &self,
        sums: &[[f32; TILE_PIXELS]; TILE_CHANNELS],
        first_pixel: usize,
        tile: Tile,
        out: &mut [f32],
    ) {
        for (r, row) in sums.iter().enumerate() {
            let channel = tile.first_channel + r;
            if channel >= self.out_channels {
                break;
            }
            for (j, &sum) in row.iter().enumerate().take(tile.valid) {
                let pixel = first_pixel + tile.first_column + j;
                out[channel * self.pixels + pixel] = self.finish(channel, pixel, sum);
            }
        }
    }

    /// Computes one tile in plain Rust, the reference for the SIMD version.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    fn tile(&self, panel: &[f32], columns: usize, first_pixel: usize, tile: Tile, out: &mut [f32]) {
        let depth = panel.len() / columns;
        let mut sums = [[0.0; TILE_PIXELS]; TILE_CHANNELS];
        for (r, row) in sums.iter_mut().enumerate() {
            let bias = self.bias[tile.first_channel + r];
            for (j, sum) in row.iter_mut().enumerate() {
                *sum = bias;
                for k in 0..depth {
                    *sum += self.weights[tile.first_channel * depth + k * TILE_CHANNELS + r]
                        * panel[tile.first_column * depth + k * TILE_PIXELS + j];
                }
            }
        }
        self.store_tile(&sums, first_pixel, tile, out);
    }

    /// Computes one tile with wasm SIMD.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn tile(&self, panel: &[f32], columns: usize, first_pixel: usize, tile: Tile, out: &mut [f32]) {
        use std::arch::wasm32::{v128, v128_store};

        let depth = panel.len() / columns;
        // SAFETY: `block`, the only caller, asserted that the panel has
        // `columns / 8` tiles of `depth` rows of 8 values and the bias
        // `padded_channels` values. The weights have `padded_channels / 4`
        // tiles of `depth` rows of 4 values by construction. The caller's loops
        // keep `first_column + 8 <= columns` and `first_channel + 4 <=
        // padded_channels`.
        let sums = unsafe {
            simd::accumulate(
                panel.as_ptr().add(tile.first_column * depth),
                TILE_PIXELS,
                self.weights.as_ptr().add(tile.first_channel * depth),
                TILE_CHANNELS,
                depth,
                self.bias.as_ptr().add(tile.first_channel),
            )
        };
        if tile.valid < TILE_PIXELS {
            let mut values = [[0.0; TILE_PIXELS]; TILE_CHANNELS];
            for (row, halves) in values.iter_mut().zip(sums.chunks_exact(2)) {
                // SAFETY: `row` has 8 values, four for each half.
                unsafe {
                    v128_store(row.as_mut_ptr() as *mut v128, halves[0]);
                    v128_store(row.as_mut_ptr().add(4) as *mut v128, halves[1]);
                }
            }
            self.store_tile(&values, first_pixel, tile, out);
            return;
        }
        let start = first_pixel + tile.first_column;
        let channel = tile.first_channel;
        self.finish_row(channel, start, sums[0], sums[1], out);
        self.finish_row(channel + 1, start, sums[2], sums[3], out);
        self.finish_row(channel + 2, start, sums[4], sums[5], out);
        self.finish_row(channel + 3, start, sums[6], sums[7], out);
    }

    /// Adds the residual to, applies the ReLU to and stores the eight sums of
    /// `channel` that start at `pixel`, when `channel` is an output channel.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[inline(always)]
    fn finish_row(
        &self,
        channel: usize,
        pixel: usize,
        low: std::arch::wasm32::v128,
        high: std::arch::wasm32::v128,
        out: &mut [f32],
    ) {
        use std::arch::wasm32::*;

        if channel >= self.out_channels {
            return;
        }
        let offset = channel * self.pixels + pixel;
        let (mut low, mut high) = (low, high);
        // SAFETY: `tile`, the only caller, passes whole tiles, so `pixel + 8 <=
        // pixels` and `offset + 8 <= out_channels * pixels`, which `block`
        // asserted to be `out.len()`. The residual rows have the same layout
        // for `channel < residual_channels`.
        unsafe {
            if channel < self.residual_channels {
                if let Some(residual) = self.residual {
                    let extra = residual.as_ptr().add(offset);
                    low = f32x4_add(low, v128_load(extra as *const v128));
                    high = f32x4_add(high, v128_load(extra.add(4) as *const v128));
                }
            }
            if self.relu {
                let zero = f32x4_splat(0.0);
                low = f32x4_pmax(zero, low);
                high = f32x4_pmax(zero, high);
            }
            let target = out.as_mut_ptr().add(offset);
            v128_store(target as *mut v128, low);
            v128_store(target.add(4) as *mut v128, high);
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use std::arch::wasm32::*;

    /// Returns the sums of a 4-channel, 8-pixel tile as two vectors per channel:
    /// `bias[r] + sum_k weights[k * weight_stride + r] * panel[k * panel_stride + j]`.
    ///
    /// # Safety
    ///
    /// `panel` must be readable for 8 values at each of `depth` rows
    /// `panel_stride` apart, `weights` for 4 values at each of `depth` rows
    /// `weight_stride` apart, and `bias` for 4 values.
    #[inline(always)]
    pub(super) unsafe fn accumulate(
        panel: *const f32,
        panel_stride: usize,
        weights: *const f32,
        weight_stride: usize,
        depth: usize,
        bias: *const f32,
    ) -> [v128; 8] {
        // Eight accumulators in separate variables, so that they stay in
        // registers at every optimisation level.
        let (mut a0, mut a1, mut a2, mut a3);
        let (mut b0, mut b1, mut b2, mut b3);
        // SAFETY: as the caller promises.
        unsafe {
            a0 = v128_load32_splat(bias as *const u32);
            a1 = v128_load32_splat(bias.add(1) as *const u32);
            a2 = v128_load32_splat(bias.add(2) as *const u32);
            a3 = v128_load32_splat(bias.add(3) as *const u32);
            (b0, b1, b2, b3) = (a0, a1, a2, a3);
            let mut column = panel;
            let mut weight = weights;
            for _ in 0..depth {
                let low = v128_load(column as *const v128);
                let high = v128_load(column.add(4) as *const v128);
                let w = v128_load32_splat(weight as *const u32);
                a0 = f32x4_add(a0, f32x4_mul(w, low));
                b0 = f32x4_add(b0, f32x4_mul(w, high));
                let w = v128_load32_splat(weight.add(1) as *const u32);
                a1 = f32x4_add(a1, f32x4_mul(w, low));
                b1 = f32x4_add(b1, f32x4_mul(w, high));
                let w = v128_load32_splat(weight.add(2) as *const u32);
                a2 = f32x4_add(a2, f32x4_mul(w, low));
                b2 = f32x4_add(b2, f32x4_mul(w, high));
                let w = v128_load32_splat(weight.add(3) as *const u32);
                a3 = f32x4_add(a3, f32x4_mul(w, low));
                b3 = f32x4_add(b3, f32x4_mul(w, high));
                column = column.add(panel_stride);
                weight = weight.add(weight_stride);
            }
        }
        [a0, b0, a1, b1, a2, b2, a3, b3]
    }
}

/// The place of a tile in its block: its first panel column and output
/// channel, and how many of its columns are pixels of the image.
#[derive(Debug, Clone, Copy)]
struct Tile {
    first_column: usize,
    first_channel: usize,
    valid: usize,
}
