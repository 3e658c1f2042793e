//! Letterbox resize of a frame into the detector's square input tensor.

use crate::face::Point;
use crate::frame::Frame;

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
/// frame pixels spread evenly over its footprint, with `n = ceil(1 / scale)`, so
/// that downscaling a 640-pixel frame to 128 does not alias. The grid's spacing is
/// at most one frame pixel, so the average is a box filter that reads each frame
/// pixel about once. When the frame is not downscaled, each input pixel is one
/// bilinear sample at its centre.
///
/// `tensor` must hold `side * side * 3` values; the caller allocates it once.
pub fn letterbox_rgb(frame: &Frame<'_>, side: usize, tensor: &mut [f32]) -> Letterbox {
    debug_assert_eq!(tensor.len(), side * side * 3);
    let letterbox = Letterbox::fit(frame.width(), frame.height(), side);
    tensor.fill(-1.0);

    let content_width = (frame.width() as f32 * letterbox.scale).round() as usize;
    let content_height = (frame.height() as f32 * letterbox.scale).round() as usize;
    let first_column = letterbox.offset_x.round() as usize;
    let first_row = letterbox.offset_y.round() as usize;
    let samples_per_axis = (1.0 / letterbox.scale).ceil().max(1.0) as usize;
    let footprint = 1.0 / letterbox.scale;
    let step = footprint / samples_per_axis as f32;
    let weight = 1.0 / (samples_per_axis * samples_per_axis) as f32 / 127.5;

    for row in first_row..(first_row + content_height).min(side) {
        let frame_top = (row as f32 - letterbox.offset_y) * footprint;
        for column in first_column..(first_column + content_width).min(side) {
            let frame_left = (column as f32 - letterbox.offset_x) * footprint;
            let sum = if samples_per_axis == 1 {
                sample_rgb_bilinear(frame, frame_left + 0.5 * step, frame_top + 0.5 * step)
            } else {
                box_sum_rgb(frame, frame_left, frame_top, step, samples_per_axis)
            };
            let base = (row * side + column) * 3;
            for channel in 0..3 {
                tensor[base + channel] = sum[channel] * weight - 1.0;
            }
        }
    }
    letterbox
}

/// Sums the `count` x `count` frame pixels that contain the points
/// `(left + (i + 0.5) * step, top + (j + 0.5) * step)`. Where such a point is a pixel
/// centre, as it is for whole-number downscale factors, this equals a bilinear
/// sample there at a quarter of the reads.
fn box_sum_rgb(frame: &Frame<'_>, left: f32, top: f32, step: f32, count: usize) -> [f32; 3] {
    let mut sum = [0u32; 3];
    for sample_y in 0..count {
        let y = (top + (sample_y as f32 + 0.5) * step).floor() as i64;
        for sample_x in 0..count {
            let x = (left + (sample_x as f32 + 0.5) * step).floor() as i64;
            let rgb = frame.rgb(x, y);
            sum[0] += u32::from(rgb[0]);
            sum[1] += u32::from(rgb[1]);
            sum[2] += u32::from(rgb[2]);
        }
    }
    sum.map(|channel| channel as f32)
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
