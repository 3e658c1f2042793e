//! Letterbox resize of a frame into the detector's square input tensor.

use crate::face::Point;
use crate::frame::{chroma_offset, chroma_plane_len, Frame, PixelFormat};

/// Mapping of frame pixels into the square detector input. The whole frame is scaled
/// by `scale` to fit the square, keeping its aspect ratio, and centred, so
/// `input = frame * scale + offset` on each axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Letterbox {
    /// Input pixels per frame pixel.
    pub scale: f32,
    /// Horizontal padding on the left, in input pixels.
    pub offset_x: f32,
    /// Vertical padding at the top, in input pixels.
    pub offset_y: f32,
}

impl Letterbox {
    /// Fits a `width` x `height` frame into a `side` x `side` square.
    pub fn fit(width: u32, height: u32, side: usize) -> Self {
        let side = side as f32;
        let scale = side / width.max(height) as f32;
        Self {
            scale,
            offset_x: (side - width as f32 * scale) / 2.0,
            offset_y: (side - height as f32 * scale) / 2.0,
        }
    }

    /// Maps a point in input pixels back to frame pixels.
    pub fn to_frame(&self, input: Point) -> Point {
        Point::new(
            (input.x - self.offset_x) / self.scale,
            (input.y - self.offset_y) / self.scale,
        )
    }
}

/// Writes `frame` letterboxed into `tensor`, a `side` x `side` x 3 NHWC RGB buffer
/// with values in [-1, 1] (`byte / 127.5 - 1`), the input convention of MediaPipe's
/// BlazeFace. Padding is black (-1), as MediaPipe pads.
///
/// When the frame is downscaled, each input pixel averages an `n` x `n` grid of
/// frame pixels spread evenly over its footprint, with `n = ceil(1 / scale)` capped
/// at [`MAX_SAMPLES_PER_AXIS`], so that downscaling a 640-pixel frame to 128 does
/// not alias. Up to that cap the grid's spacing is at most one frame pixel, so the
/// average is a box filter that reads each frame pixel about once. Larger frames
/// are sampled more sparsely, so a 1280x720 frame costs what a 640x360 one does.
/// When the frame is not downscaled, each input pixel is one bilinear sample at its
/// centre.
///
/// `tensor` must hold `side * side * 3` values. This allocates the sample tables
/// on each call; a caller with a stream of frames keeps a [`LetterboxResizer`].
pub fn letterbox_rgb(frame: &Frame<'_>, side: usize, tensor: &mut [f32]) -> Letterbox {
    LetterboxResizer::default().resize(frame, side, tensor)
}

/// Maximum samples per axis that one input pixel averages: the box filter of a
/// 640-pixel frame into a 128-pixel input. Reading every pixel of larger frames
/// made the detector's preprocessing grow with the camera resolution. In headless
/// Chromium its p95 with two faces was 1.7 ms at 1280x720 against 1.0 ms at
/// 640x480, and 1.1 ms at 1280x720 with the cap (`scripts/bench-browser.sh`,
/// BENCHMARKS.md).
pub const MAX_SAMPLES_PER_AXIS: usize = 5;

/// Samples per axis of each input pixel's grid under `letterbox`.
fn samples_per_axis(letterbox: &Letterbox) -> usize {
    ((1.0 / letterbox.scale).ceil().max(1.0) as usize).min(MAX_SAMPLES_PER_AXIS)
}

/// Frame geometry that the sample tables of a [`LetterboxResizer`] were built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Geometry {
    width: u32,
    height: u32,
    stride: usize,
    format: PixelFormat,
    side: usize,
}

/// The letterbox resize of [`letterbox_rgb`] with its sample positions kept. The
/// byte offsets of the frame pixels that each input pixel averages depend only on
/// the frame's size, stride and pixel format and on the input side. So a camera
/// stream computes them once, and each frame only adds up bytes. Frames no larger
/// than the input are sampled bilinearly and need no tables.
#[derive(Clone, Debug, Default)]
pub struct LetterboxResizer {
    /// Geometry of the tables below; `None` before the first frame.
    geometry: Option<Geometry>,
    /// Samples per axis of each input pixel's grid.
    samples: usize,
    /// First input column and row of the frame's content, and the content's size in
    /// input pixels.
    content: [usize; 4],
    /// Byte offset within a frame row of each sample column, `samples` per input
    /// column of the content.
    column_offsets: Vec<usize>,
    /// Byte offset of each sample row, `samples` per input row of the content.
    row_offsets: Vec<usize>,
    /// For I420 frames, the offset within a Cb row of each sample column, like
    /// `column_offsets`.
    chroma_column_offsets: Vec<usize>,
    /// For I420 frames, the byte offset of the Cb row of each sample row, like
    /// `row_offsets`. Cr rows are one chroma plane further.
    chroma_row_offsets: Vec<usize>,
    /// Per-channel sums of the input row being written.
    sums: Vec<u32>,
}

impl LetterboxResizer {
    /// Writes `frame` letterboxed into `tensor`, exactly as [`letterbox_rgb`] does,
    /// reusing the sample tables while the frame geometry stays the same.
    pub fn resize(&mut self, frame: &Frame<'_>, side: usize, tensor: &mut [f32]) -> Letterbox {
        debug_assert_eq!(tensor.len(), side * side * 3);
        let geometry = Geometry {
            width: frame.width(),
            height: frame.height(),
            stride: frame.stride(),
            format: frame.format(),
            side,
        };
        if self.geometry != Some(geometry) {
            self.prepare(geometry);
        }
        let letterbox = Letterbox::fit(geometry.width, geometry.height, side);
        tensor.fill(-1.0);
        if self.samples == 1 {
            self.bilinear(frame, &letterbox, side, tensor);
        } else {
            self.box_filter(frame, geometry, tensor);
        }
        letterbox
    }

    /// Builds the sample tables for `geometry`.
    fn prepare(&mut self, geometry: Geometry) {
        let letterbox = Letterbox::fit(geometry.width, geometry.height, geometry.side);
        let content_width = (geometry.width as f32 * letterbox.scale).round() as usize;
        let content_height = (geometry.height as f32 * letterbox.scale).round() as usize;
        let first_column = letterbox.offset_x.round() as usize;
        let first_row = letterbox.offset_y.round() as usize;
        let content_width = content_width.min(geometry.side.saturating_sub(first_column));
        let content_height = content_height.min(geometry.side.saturating_sub(first_row));
        let samples = samples_per_axis(&letterbox);
        let footprint = 1.0 / letterbox.scale;
        let step = footprint / samples as f32;

        self.samples = samples;
        self.content = [first_column, first_row, content_width, content_height];
        self.geometry = Some(geometry);
        self.column_offsets.clear();
        self.row_offsets.clear();
        self.chroma_column_offsets.clear();
        self.chroma_row_offsets.clear();
        if samples == 1 {
            return;
        }

        // The same float arithmetic as a per-pixel walk, so the sample positions, and
        // hence the tensor, do not depend on whether the tables are reused.
        let planar = matches!(geometry.format, PixelFormat::I420(_));
        let sample_index = |start: f32, sample: usize, len: u32| {
            let position = (start + (sample as f32 + 0.5) * step).floor() as i64;
            position.clamp(0, i64::from(len) - 1) as usize
        };
        for column in first_column..first_column + content_width {
            let frame_left = (column as f32 - letterbox.offset_x) * footprint;
            for sample in 0..samples {
                let x = sample_index(frame_left, sample, geometry.width);
                self.column_offsets
                    .push(x * geometry.format.bytes_per_pixel());
                if planar {
                    self.chroma_column_offsets.push(x / 2);
                }
            }
        }
        for row in first_row..first_row + content_height {
            let frame_top = (row as f32 - letterbox.offset_y) * footprint;
            for sample in 0..samples {
                let y = sample_index(frame_top, sample, geometry.height);
                self.row_offsets.push(y * geometry.stride);
                if planar {
                    self.chroma_row_offsets.push(chroma_offset(
                        geometry.width,
                        geometry.height,
                        0,
                        y,
                    ));
                }
            }
        }
        self.sums.clear();
        self.sums.resize(content_width * 3, 0);
    }

    /// Writes one bilinear sample at the centre of each input pixel into `tensor`,
    /// for frames that are not downscaled.
    fn bilinear(&self, frame: &Frame<'_>, letterbox: &Letterbox, side: usize, tensor: &mut [f32]) {
        let [first_column, first_row, content_width, content_height] = self.content;
        let footprint = 1.0 / letterbox.scale;
        let weight = 1.0 / 127.5;
        for row in first_row..first_row + content_height {
            let frame_top = (row as f32 - letterbox.offset_y) * footprint;
            for column in first_column..first_column + content_width {
                let frame_left = (column as f32 - letterbox.offset_x) * footprint;
                let rgb = sample_rgb_bilinear(
                    frame,
                    frame_left + 0.5 * footprint,
                    frame_top + 0.5 * footprint,
                );
                let base = (row * side + column) * 3;
                for channel in 0..3 {
                    tensor[base + channel] = rgb[channel] * weight - 1.0;
                }
            }
        }
    }

    /// Averages each input pixel's sample grid into `tensor`, using the tables
    /// built for `geometry`.
    fn box_filter(&mut self, frame: &Frame<'_>, geometry: Geometry, tensor: &mut [f32]) {
        if let PixelFormat::I420(color) = geometry.format {
            self.box_filter_i420(frame, geometry, color, tensor);
            return;
        }
        let [first_column, first_row, content_width, _] = self.content;
        let samples = self.samples;
        let weight = 1.0 / (samples * samples) as f32 / 127.5;
        let gray = geometry.format == PixelFormat::Gray8;
        let pixels = frame.bytes();
        for (content_row, sample_rows) in self.row_offsets.chunks_exact(samples).enumerate() {
            self.sums.fill(0);
            for &row_offset in sample_rows {
                let line = &pixels[row_offset..];
                let columns = self.column_offsets.chunks_exact(samples);
                for (sums, sample_columns) in self.sums.chunks_exact_mut(3).zip(columns) {
                    if gray {
                        let total: u32 = sample_columns
                            .iter()
                            .map(|&offset| u32::from(line[offset]))
                            .sum();
                        sums[0] += total;
                    } else {
                        for &offset in sample_columns {
                            let pixel = &line[offset..offset + 3];
                            sums[0] += u32::from(pixel[0]);
                            sums[1] += u32::from(pixel[1]);
                            sums[2] += u32::from(pixel[2]);
                        }
                    }
                }
            }
            let base = ((first_row + content_row) * geometry.side + first_column) * 3;
            let out = &mut tensor[base..base + content_width * 3];
            for (value, sums) in out.chunks_exact_mut(3).zip(self.sums.chunks_exact(3)) {
                for channel in 0..3 {
                    let sum = if gray { sums[0] } else { sums[channel] };
                    value[channel] = sum as f32 * weight - 1.0;
                }
            }
        }
    }

    /// Averages Y', Cb and Cr over each sample grid of an I420 frame and converts
    /// the means to R'G'B'. That equals averaging the converted samples except
    /// where the conversion clamps.
    fn box_filter_i420(
        &mut self,
        frame: &Frame<'_>,
        geometry: Geometry,
        color: crate::frame::YuvColor,
        tensor: &mut [f32],
    ) {
        let [first_column, first_row, content_width, _] = self.content;
        let samples = self.samples;
        let count = (samples * samples) as f32;
        let pixels = frame.bytes();
        let chroma_plane = chroma_plane_len(geometry.width, geometry.height);
        let rows = self
            .row_offsets
            .chunks_exact(samples)
            .zip(self.chroma_row_offsets.chunks_exact(samples));
        for (content_row, (sample_rows, chroma_rows)) in rows.enumerate() {
            self.sums.fill(0);
            for (&row_offset, &chroma_row) in sample_rows.iter().zip(chroma_rows) {
                let luma_line = &pixels[row_offset..];
                let cb_line = &pixels[chroma_row..];
                let cr_line = &pixels[chroma_row + chroma_plane..];
                let columns = self
                    .column_offsets
                    .chunks_exact(samples)
                    .zip(self.chroma_column_offsets.chunks_exact(samples));
                for (sums, (sample_columns, chroma_columns)) in
                    self.sums.chunks_exact_mut(3).zip(columns)
                {
                    for (&offset, &chroma_offset) in sample_columns.iter().zip(chroma_columns) {
                        sums[0] += u32::from(luma_line[offset]);
                        sums[1] += u32::from(cb_line[chroma_offset]);
                        sums[2] += u32::from(cr_line[chroma_offset]);
                    }
                }
            }
            let base = ((first_row + content_row) * geometry.side + first_column) * 3;
            let out = &mut tensor[base..base + content_width * 3];
            for (value, sums) in out.chunks_exact_mut(3).zip(self.sums.chunks_exact(3)) {
                let rgb = color.to_rgb(
                    sums[0] as f32 / count,
                    sums[1] as f32 / count,
                    sums[2] as f32 / count,
                );
                for channel in 0..3 {
                    value[channel] = rgb[channel] / 127.5 - 1.0;
                }
            }
        }
    }
}

/// Bilinear RGB sample at a continuous position where pixel `(i, j)` covers
/// `[i, i + 1) x [j, j + 1)`, so its centre is at `(i + 0.5, j + 0.5)`.
fn sample_rgb_bilinear(frame: &Frame<'_>, x: f32, y: f32) -> [f32; 3] {
    let (x0, fx) = split_coordinate(x);
    let (y0, fy) = split_coordinate(y);
    let top_left = frame.rgb(x0, y0);
    let top_right = frame.rgb(x0 + 1, y0);
    let bottom_left = frame.rgb(x0, y0 + 1);
    let bottom_right = frame.rgb(x0 + 1, y0 + 1);
    let mut out = [0.0; 3];
    for channel in 0..3 {
        let top = lerp(top_left[channel], top_right[channel], fx);
        let bottom = lerp(bottom_left[channel], bottom_right[channel], fx);
        out[channel] = top + (bottom - top) * fy;
    }
    out
}

/// Splits a continuous coordinate into the index of the pixel centre at or before it
/// and the fraction of the way to the next centre.
#[inline]
pub(crate) fn split_coordinate(position: f32) -> (i64, f32) {
    let centred = position - 0.5;
    let floor = centred.floor();
    (floor as i64, centred - floor)
}

#[inline]
fn lerp(a: u8, b: u8, t: f32) -> f32 {
    let a = f32::from(a);
    a + (f32::from(b) - a) * t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::PixelFormat;

    #[test]
    fn landscape_frame_is_padded_top_and_bottom() {
        let letterbox = Letterbox::fit(640, 480, 128);
        assert_eq!(letterbox.scale, 0.2);
        assert_eq!(letterbox.offset_x, 0.0);
        assert!((letterbox.offset_y - 16.0).abs() < 1e-4);
    }

    #[test]
    fn input_point_maps_back_to_frame_pixels() {
        let letterbox = Letterbox::fit(640, 480, 128);
        let frame_point = letterbox.to_frame(Point::new(64.0, 64.0));
        assert!((frame_point.x - 320.0).abs() < 1e-3);
        assert!((frame_point.y - 240.0).abs() < 1e-3);
    }

    #[test]
    fn letterbox_keeps_uniform_colour_and_pads_black() {
        let pixels: Vec<u8> = [255u8, 0, 0, 255].repeat(8 * 4);
        let frame = Frame::rgba(&pixels, 8, 4).unwrap();
        let mut tensor = vec![0.0; 4 * 4 * 3];
        letterbox_rgb(&frame, 4, &mut tensor);
        // Rows 0 and 3 are padding; rows 1 and 2 hold the red frame.
        assert_eq!(&tensor[0..3], &[-1.0, -1.0, -1.0]);
        let inside = (4 + 2) * 3;
        assert!((tensor[inside] - 1.0).abs() < 1e-5);
        assert!((tensor[inside + 1] + 1.0).abs() < 1e-5);
        assert_eq!(&tensor[(3 * 4) * 3..(3 * 4) * 3 + 3], &[-1.0, -1.0, -1.0]);
    }

    #[test]
    fn box_filter_matches_bilinear_grid() {
        // A 40 x 20 frame into 8 x 8 is a factor of 5: every sample point is a pixel
        // centre, where a bilinear sample reads exactly one pixel.
        let pixels: Vec<u8> = (0..40 * 20 * 4)
            .map(|index| ((index * 37 + index / 160 * 11) % 251) as u8)
            .collect();
        let frame = Frame::rgba(&pixels, 40, 20).unwrap();
        let mut tensor = vec![0.0; 8 * 8 * 3];
        let letterbox = letterbox_rgb(&frame, 8, &mut tensor);
        let footprint = 1.0 / letterbox.scale;
        for row in 2..6 {
            for column in 0..8 {
                let left = (column as f32 - letterbox.offset_x) * footprint;
                let top = (row as f32 - letterbox.offset_y) * footprint;
                let mut expected = [0.0f32; 3];
                for sample_y in 0..5 {
                    for sample_x in 0..5 {
                        let rgb = sample_rgb_bilinear(
                            &frame,
                            left + sample_x as f32 + 0.5,
                            top + sample_y as f32 + 0.5,
                        );
                        for channel in 0..3 {
                            expected[channel] += rgb[channel] / 25.0 / 127.5;
                        }
                    }
                }
                for channel in 0..3 {
                    let found = tensor[(row * 8 + column) * 3 + channel];
                    assert!(
                        (found - (expected[channel] - 1.0)).abs() < 1e-4,
                        "pixel ({column}, {row}) channel {channel}: {found} vs {}",
                        expected[channel] - 1.0
                    );
                }
            }
        }
    }

    #[test]
    fn large_frame_samples_spread_grid() {
        // An 80 x 40 frame into 8 x 8 is a factor of 10: the 5 x 5 grid takes every
        // other pixel, at offsets 1, 3, 5, 7 and 9 of each 10-pixel footprint.
        let pixels: Vec<u8> = (0..80 * 40 * 4)
            .map(|index| ((index * 41 + index / 320 * 7) % 249) as u8)
            .collect();
        let frame = Frame::rgba(&pixels, 80, 40).unwrap();
        let mut tensor = vec![0.0; 8 * 8 * 3];
        let letterbox = letterbox_rgb(&frame, 8, &mut tensor);
        assert_eq!(letterbox.offset_y, 2.0);
        for row in 2..6 {
            for column in 0..8 {
                let mut sums = [0u32; 3];
                for sample_y in 0..5 {
                    for sample_x in 0..5 {
                        let x = column * 10 + 2 * sample_x + 1;
                        let y = (row - 2) * 10 + 2 * sample_y + 1;
                        let rgb = frame.rgb(x as i64, y as i64);
                        for channel in 0..3 {
                            sums[channel] += u32::from(rgb[channel]);
                        }
                    }
                }
                for channel in 0..3 {
                    let expected = sums[channel] as f32 / 25.0 / 127.5 - 1.0;
                    let found = tensor[(row * 8 + column) * 3 + channel];
                    assert!(
                        (found - expected).abs() < 1e-5,
                        "pixel ({column}, {row}) channel {channel}: {found} vs {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn i420_letterbox_matches_converted_rgba() {
        // 50 x 30 into 8 x 8 gives 7 x 7 sample grids, so most grids straddle
        // chroma blocks. The values stay away from the clamped ends.
        let (width, height) = (50usize, 30usize);
        let chroma = width.div_ceil(2) * height.div_ceil(2);
        let mut pixels: Vec<u8> = (0..width * height)
            .map(|index| 60 + ((index * 37 + index / width * 11) % 140) as u8)
            .collect();
        pixels.extend((0..2 * chroma).map(|index| 100 + ((index * 13) % 56) as u8));
        let color = crate::frame::YuvColor {
            matrix: crate::frame::YuvMatrix::Bt601,
            full_range: false,
        };
        let i420 = Frame::i420(&pixels, width as u32, height as u32, color).unwrap();
        let rgba: Vec<u8> = (0..height as i64)
            .flat_map(|y| (0..width as i64).map(move |x| (x, y)))
            .flat_map(|(x, y)| {
                let [red, green, blue] = i420.rgb(x, y);
                [red, green, blue, 255]
            })
            .collect();
        let converted = Frame::rgba(&rgba, width as u32, height as u32).unwrap();

        let mut from_i420 = vec![0.0; 8 * 8 * 3];
        let mut from_rgba = vec![0.0; 8 * 8 * 3];
        let first = LetterboxResizer::default().resize(&i420, 8, &mut from_i420);
        let second = LetterboxResizer::default().resize(&converted, 8, &mut from_rgba);
        assert_eq!(first, second);
        for (index, (a, b)) in from_i420.iter().zip(&from_rgba).enumerate() {
            // Rounding each converted sample to a byte moves a mean by at most half
            // a level.
            assert!(
                (a - b).abs() <= 0.5 / 127.5 + 1e-5,
                "value {index}: {a} vs {b}"
            );
        }
    }

    /// Letterboxes `frame` by walking the input pixels and sampling with
    /// [`Frame::rgb`], as the reference for the table-driven resizer.
    fn reference_letterbox(frame: &Frame<'_>, side: usize, tensor: &mut [f32]) -> Letterbox {
        let letterbox = Letterbox::fit(frame.width(), frame.height(), side);
        tensor.fill(-1.0);

        let content_width = (frame.width() as f32 * letterbox.scale).round() as usize;
        let content_height = (frame.height() as f32 * letterbox.scale).round() as usize;
        let first_column = letterbox.offset_x.round() as usize;
        let first_row = letterbox.offset_y.round() as usize;
        let samples = samples_per_axis(&letterbox);
        let footprint = 1.0 / letterbox.scale;
        let step = footprint / samples as f32;
        let weight = 1.0 / (samples * samples) as f32 / 127.5;

        for row in first_row..(first_row + content_height).min(side) {
            let top = (row as f32 - letterbox.offset_y) * footprint;
            for column in first_column..(first_column + content_width).min(side) {
                let left = (column as f32 - letterbox.offset_x) * footprint;
                if samples == 1 {
                    let rgb = sample_rgb_bilinear(frame, left + 0.5 * step, top + 0.5 * step);
                    for channel in 0..3 {
                        tensor[(row * side + column) * 3 + channel] = rgb[channel] * weight - 1.0;
                    }
                    continue;
                }

                let mut sum = [0u32; 3];
                for sample_y in 0..samples {
                    let y = (top + (sample_y as f32 + 0.5) * step).floor() as i64;
                    for sample_x in 0..samples {
                        let x = (left + (sample_x as f32 + 0.5) * step).floor() as i64;
                        let rgb = frame.rgb(x, y);
                        for channel in 0..3 {
                            sum[channel] += u32::from(rgb[channel]);
                        }
                    }
                }

                for channel in 0..3 {
                    tensor[(row * side + column) * 3 + channel] =
                        sum[channel] as f32 * weight - 1.0;
                }
            }
        }
        letterbox
    }

    #[test]
    fn resizer_rebuilds_tables_on_new_size() {
        let pattern = |len: usize| -> Vec<u8> {
            (0..len)
                .map(|index| ((index * 29 + index / 97 * 13) % 253) as u8)
                .collect()
        };
        let wide = pattern(45 * 20 * 4);
        let tall = pattern(12 * 33 * 4);
        // Rows padded to 188 bytes, and a buffer that ends after the last pixel.
        let padded = pattern(188 * 19 + 45 * 4);
        let gray = pattern(32 * 10);
        let small = pattern(5 * 3 * 4);
        // A factor of 11.25, above the sample cap.
        let large = pattern(90 * 40 * 4);
        let frames = [
            Frame::rgba(&wide, 45, 20).unwrap(),
            Frame::rgba(&tall, 12, 33).unwrap(),
            Frame::new(&padded, 45, 20, 188, PixelFormat::Rgba8).unwrap(),
            Frame::rgba(&wide, 45, 20).unwrap(),
            Frame::new(&gray, 30, 10, 32, PixelFormat::Gray8).unwrap(),
            Frame::rgba(&small, 5, 3).unwrap(),
            Frame::rgba(&large, 90, 40).unwrap(),
            Frame::rgba(&wide, 45, 20).unwrap(),
        ];
        let mut resizer = LetterboxResizer::default();
        for frame in &frames {
            let mut reused = vec![0.0; 8 * 8 * 3];
            let mut fresh = vec![0.0; 8 * 8 * 3];
            let first = resizer.resize(frame, 8, &mut reused);
            let second = reference_letterbox(frame, 8, &mut fresh);
            let geometry = (
                frame.width(),
                frame.height(),
                frame.stride(),
                frame.format(),
            );
            assert_eq!(first, second, "{geometry:?}");
            assert_eq!(reused, fresh, "{geometry:?}");
        }
    }

    #[test]
    fn gray_and_rgba_letterbox_alike() {
        let gray: Vec<u8> = (0..30 * 10).map(|index| (index * 7 % 256) as u8).collect();
        let rgba: Vec<u8> = gray
            .iter()
            .flat_map(|&value| [value, value, value, 255])
            .collect();
        let mut from_gray = vec![0.0; 6 * 6 * 3];
        let mut from_rgba = vec![0.0; 6 * 6 * 3];
        letterbox_rgb(&Frame::gray(&gray, 30, 10).unwrap(), 6, &mut from_gray);
        letterbox_rgb(&Frame::rgba(&rgba, 30, 10).unwrap(), 6, &mut from_rgba);
        assert_eq!(from_gray, from_rgba);
    }

    #[test]
    fn letterbox_averages_footprint_when_downscaling() {
        // Alternating black and white columns average to mid gray at half size.
        let pixels: Vec<u8> = (0..8 * 8)
            .map(|index| if index % 2 == 0 { 0 } else { 255 })
            .collect();
        let frame = Frame::gray(&pixels, 8, 8).unwrap();
        let mut tensor = vec![0.0; 4 * 4 * 3];
        letterbox_rgb(&frame, 4, &mut tensor);
        for value in &tensor {
            assert!(value.abs() < 1e-4, "expected mid gray (0), found {value}");
        }
    }
}
