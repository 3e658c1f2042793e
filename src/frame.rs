//! Camera frames: borrowed pixel buffers with validated geometry.
//!
//! A [`Frame`] never copies or owns pixels. It checks once, at construction, that the
//! buffer can hold every row, so the sampling methods that the preprocessing stages
//! call per pixel need no further checks.

/// Largest accepted width or height, in pixels. Desk cameras deliver at most 4K
/// (3840x2160); the cap keeps index arithmetic far from overflow on 32-bit wasm.
pub const MAX_SIDE: u32 = 8192;

/// Layout of one pixel in the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    /// Four bytes per pixel: red, green, blue, alpha (as in the browser's `ImageData`).
    /// Alpha is ignored.
    Rgba8,
    /// One byte of luma per pixel.
    Gray8,
}

impl PixelFormat {
    pub const fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Rgba8 => 4,
            Self::Gray8 => 1,
        }
    }
}

/// Error from validating a pixel buffer as a frame. Each message names the value and
/// the accepted range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("invalid frame size {width}x{height}: width and height must both be at least 1")]
    ZeroDimension { width: u32, height: u32 },

    #[error("invalid frame size {width}x{height}: width and height must be at most {MAX_SIDE} pixels; downscale the frame first")]
    DimensionTooLarge { width: u32, height: u32 },

    #[error("invalid stride {stride} bytes: a row of {width} {format:?} pixels needs at least {min} bytes")]
    StrideTooSmall {
        stride: usize,
        width: u32,
        format: PixelFormat,
        min: usize,
    },

    #[error("invalid buffer length {len} bytes for a {width}x{height} frame with stride {stride}: expected {min} to {max} bytes")]
    BufferLengthMismatch {
        len: usize,
        width: u32,
        height: u32,
        stride: usize,
        min: usize,
        max: usize,
    },
}

/// A borrowed image: `height` rows of `width` pixels, each row starting `stride` bytes
/// after the previous one. Origin at the top-left corner.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pixels: &'a [u8],
    width: u32,
    height: u32,
    stride: usize,
    format: PixelFormat,
}

impl<'a> Frame<'a> {
    /// Wraps `pixels` after checking the geometry.
    ///
    /// `stride` is the distance between row starts in bytes, at least
    /// `width * bytes_per_pixel`. The buffer may end right after the last pixel of the
    /// last row or include that row's padding, so its length must lie between
    /// `stride * (height - 1) + width * bytes_per_pixel` and `stride * height`.
    pub fn new(
        pixels: &'a [u8],
        width: u32,
        height: u32,
        stride: usize,
        format: PixelFormat,
    ) -> Result<Self, FrameError> {
        if width == 0 || height == 0 {
            return Err(FrameError::ZeroDimension { width, height });
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(FrameError::DimensionTooLarge { width, height });
        }
        let row_bytes = width as usize * format.bytes_per_pixel();
        if stride < row_bytes {
            return Err(FrameError::StrideTooSmall {
                stride,
                width,
                format,
                min: row_bytes,
            });
        }
        let (min, max) = stride
            .checked_mul(height as usize - 1)
            .and_then(|rows| Some((rows.checked_add(row_bytes)?, rows.checked_add(stride)?)))
            .ok_or(FrameError::BufferLengthMismatch {
                len: pixels.len(),
                width,
                height,
                stride,
                min: usize::MAX,
                max: usize::MAX,
            })?;
        if !(min..=max).contains(&pixels.len()) {
            return Err(FrameError::BufferLengthMismatch {
                len: pixels.len(),
                width,
                height,
                stride,
                min,
                max,
            });
        }
        Ok(Self {
            pixels,
            width,
            height,
            stride,
            format,
        })
    }

    /// Wraps tightly packed RGBA pixels (stride `width * 4`), as in `ImageData`.
    pub fn rgba(pixels: &'a [u8], width: u32, height: u32) -> Result<Self, FrameError> {
        Self::new(
            pixels,
            width,
            height,
            width as usize * 4,
            PixelFormat::Rgba8,
        )
    }

    /// Wraps tightly packed 8-bit grayscale pixels (stride `width`).
    pub fn gray(pixels: &'a [u8], width: u32, height: u32) -> Result<Self, FrameError> {
        Self::new(pixels, width, height, width as usize, PixelFormat::Gray8)
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// Distance between the starts of two rows, in bytes.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Returns the pixel buffer, in which row `y` starts at byte `y * stride`.
    pub fn bytes(&self) -> &'a [u8] {
        self.pixels
    }

    /// Red, green and blue of the pixel at column `x`, row `y`; gray pixels repeat
    /// their luma. Coordinates outside the frame are clamped to the nearest edge pixel.
    #[inline]
    pub fn rgb(&self, x: i64, y: i64) -> [u8; 3] {
        let offset = self.offset(x, y);
        match self.format {
            PixelFormat::Rgba8 => [
                self.pixels[offset],
                self.pixels[offset + 1],
                self.pixels[offset + 2],
            ],
            PixelFormat::Gray8 => [self.pixels[offset]; 3],
        }
    }

    /// Luma (ITU-R BT.601 weights 0.299, 0.587, 0.114) of the pixel at column `x`,
    /// row `y`, in 0..=255. Coordinates outside the frame are clamped to the nearest
    /// edge pixel.
    #[inline]
    pub fn luma(&self, x: i64, y: i64) -> f32 {
        let offset = self.offset(x, y);
        match self.format {
            PixelFormat::Rgba8 => {
                0.299 * f32::from(self.pixels[offset])
                    + 0.587 * f32::from(self.pixels[offset + 1])
                    + 0.114 * f32::from(self.pixels[offset + 2])
            }
            PixelFormat::Gray8 => f32::from(self.pixels[offset]),
        }
    }

    #[inline]
    fn offset(&self, x: i64, y: i64) -> usize {
        let column = x.clamp(0, i64::from(self.width) - 1) as usize;
        let row = y.clamp(0, i64::from(self.height) - 1) as usize;
        row * self.stride + column * self.format.bytes_per_pixel()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rejects_zero_width() {
        let error = Frame::rgba(&[], 0, 4).unwrap_err();
        assert_eq!(
            error,
            FrameError::ZeroDimension {
                width: 0,
                height: 4
            }
        );
    }

    #[test]
    fn frame_rejects_zero_height() {
        let error = Frame::gray(&[], 4, 0).unwrap_err();
        assert!(matches!(error, FrameError::ZeroDimension { height: 0, .. }));
    }

    #[test]
    fn frame_rejects_side_above_cap() {
        let error = Frame::gray(&[0; 8193], 8193, 1).unwrap_err();
        assert_eq!(
            error,
            FrameError::DimensionTooLarge {
                width: 8193,
                height: 1
            }
        );
    }

    #[test]
    fn frame_rejects_stride_shorter_than_row() {
        let error = Frame::new(&[0; 64], 4, 4, 15, PixelFormat::Rgba8).unwrap_err();
        assert!(matches!(
            error,
            FrameError::StrideTooSmall {
                stride: 15,
                min: 16,
                ..
            }
        ));
    }

    #[test]
    fn frame_rejects_short_buffer() {
        let error = Frame::rgba(&[0; 63], 4, 4).unwrap_err();
        assert!(matches!(
            error,
            FrameError::BufferLengthMismatch {
                len: 63,
                min: 64,
                max: 64,
                ..
            }
        ));
    }

    #[test]
    fn frame_rejects_long_buffer() {
        let error = Frame::gray(&[0; 17], 4, 4).unwrap_err();
        assert!(matches!(
            error,
            FrameError::BufferLengthMismatch { len: 17, .. }
        ));
    }

    #[test]
    fn frame_accepts_padded_rows_without_last_padding() {
        // 3 pixels of 1 byte per row, 5-byte stride, last row unpadded: 5 + 5 + 3.
        let frame = Frame::new(&[0; 13], 3, 3, 5, PixelFormat::Gray8);
        assert!(frame.is_ok());
    }

    #[test]
    fn frame_error_message_names_value_and_range() {
        let message = Frame::rgba(&[0; 10], 2, 2).unwrap_err().to_string();
        assert!(message.contains("10 bytes"), "{message}");
        assert!(message.contains("16 to 16"), "{message}");
    }

    #[test]
    fn luma_uses_bt601_weights() {
        let pixels = [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255];
        let frame = Frame::rgba(&pixels, 3, 1).unwrap();
        assert!((frame.luma(0, 0) - 0.299 * 255.0).abs() < 1e-3);
        assert!((frame.luma(1, 0) - 0.587 * 255.0).abs() < 1e-3);
        assert!((frame.luma(2, 0) - 0.114 * 255.0).abs() < 1e-3);
    }

    #[test]
    fn pixel_access_clamps_to_edges() {
        let frame = Frame::gray(&[10, 20, 30, 40], 2, 2).unwrap();
        assert_eq!(frame.rgb(-5, -5), [10; 3]);
        assert_eq!(frame.rgb(9, 0), [20; 3]);
        assert_eq!(frame.rgb(0, 9), [30; 3]);
        assert_eq!(frame.luma(9, 9), 40.0);
    }

    #[test]
    fn pixel_access_honours_stride() {
        // Two rows of 2 gray pixels with 3-byte stride; byte 2 is padding.
        let frame = Frame::new(&[1, 2, 99, 3, 4], 2, 2, 3, PixelFormat::Gray8).unwrap();
        assert_eq!(frame.rgb(0, 1), [3; 3]);
        assert_eq!(frame.rgb(1, 1), [4; 3]);
    }
}
