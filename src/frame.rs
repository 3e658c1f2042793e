//! Camera frames: borrowed pixel buffers with validated geometry.
//!
//! A [`Frame`] never copies or owns pixels. It checks once, at construction, that the
//! buffer can hold every row, so the sampling methods that the preprocessing stages
//! call per pixel need no further checks.

/// Largest accepted width or height, in pixels. Desk cameras deliver at most 4K
/// (3840x2160); the cap keeps index arithmetic far from overflow on 32-bit wasm.
pub const MAX_SIDE: u32 = 8192;

/// Layout of the pixels in the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    /// Four bytes per pixel: red, green, blue, alpha (as in the browser's `ImageData`).
    /// Alpha is ignored.
    Rgba8,
    /// One byte of luma per pixel.
    Gray8,
    /// Planar Y'CbCr 4:2:0, as cameras deliver it: a plane of one Y byte per pixel,
    /// then a plane of Cb and a plane of Cr bytes, each `ceil(width / 2)` by
    /// `ceil(height / 2)`, one per 2x2 block of pixels. The planes are tightly
    /// packed, so the stride is the width.
    I420(YuvColor),
}

impl PixelFormat {
    /// Bytes per pixel in the rows that the stride describes: for
    /// [`I420`](Self::I420), the Y plane.
    pub const fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Rgba8 => 4,
            Self::Gray8 | Self::I420(_) => 1,
        }
    }
}

/// Matrix of a Y'CbCr to R'G'B' conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YuvMatrix {
    /// ITU-R BT.601 (Kr 0.299, Kb 0.114): standard-definition video and most
    /// webcams.
    Bt601,
    /// ITU-R BT.709 (Kr 0.2126, Kb 0.0722): high-definition video.
    Bt709,
}

/// Colour encoding of a Y'CbCr frame: its conversion matrix and range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YuvColor {
    pub matrix: YuvMatrix,
    /// Whether Y' spans 0 to 255 (JPEG) instead of 16 to 235, and Cb and Cr 0 to
    /// 255 instead of 16 to 240.
    pub full_range: bool,
}

impl YuvColor {
    /// Scales a Y' byte to 0 to 255. For BT.601 this is the luma of the
    /// converted colour, unless the conversion clamps a channel.
    #[inline]
    pub fn luma(self, y: u8) -> f32 {
        if self.full_range {
            f32::from(y)
        } else {
            ((f32::from(y) - 16.0) * (255.0 / 219.0)).clamp(0.0, 255.0)
        }
    }

    /// Converts one Y'CbCr sample (bytes, or means of bytes) to R'G'B' in 0 to 255,
    /// unrounded and clamped.
    #[inline]
    pub fn to_rgb(self, y: f32, cb: f32, cr: f32) -> [f32; 3] {
        let (kr, kb) = match self.matrix {
            YuvMatrix::Bt601 => (0.299, 0.114),
            YuvMatrix::Bt709 => (0.2126, 0.0722),
        };
        let kg = 1.0 - kr - kb;
        let (luma, cb, cr) = if self.full_range {
            (y, cb - 128.0, cr - 128.0)
        } else {
            (
                (y - 16.0) * (255.0 / 219.0),
                (cb - 128.0) * (255.0 / 224.0),
                (cr - 128.0) * (255.0 / 224.0),
            )
        };
        let red = luma + 2.0 * (1.0 - kr) * cr;
        let blue = luma + 2.0 * (1.0 - kb) * cb;
        let green = luma - (2.0 * kb * (1.0 - kb) * cb + 2.0 * kr * (1.0 - kr) * cr) / kg;
        [red, green, blue].map(|value| value.clamp(0.0, 255.0))
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

    #[error("invalid stride {stride} bytes for a planar frame {width} pixels wide: the planes must be tightly packed, with a stride equal to the width")]
    PlanarStride { stride: usize, width: u32 },

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
        if let PixelFormat::I420(_) = format {
            return Self::new_i420(pixels, width, height, stride, format);
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

    /// Checks the tight planar layout of an [`I420`](PixelFormat::I420) buffer.
    fn new_i420(
        pixels: &'a [u8],
        width: u32,
        height: u32,
        stride: usize,
        format: PixelFormat,
    ) -> Result<Self, FrameError> {
        let row_bytes = width as usize;
        if stride != row_bytes {
            return Err(FrameError::PlanarStride { stride, width });
        }
        let expected = i420_len(width, height);
        if pixels.len() != expected {
            return Err(FrameError::BufferLengthMismatch {
                len: pixels.len(),
                width,
                height,
                stride,
                min: expected,
                max: expected,
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

    /// Wraps a tightly packed I420 frame: the Y plane, then the Cb and Cr planes.
    pub fn i420(
        pixels: &'a [u8],
        width: u32,
        height: u32,
        color: YuvColor,
    ) -> Result<Self, FrameError> {
        Self::new(
            pixels,
            width,
            height,
            width as usize,
            PixelFormat::I420(color),
        )
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
            PixelFormat::I420(color) => self
                .yuv_to_rgb(color, x, y)
                .map(|value| value.round() as u8),
        }
    }

    /// Luma (ITU-R BT.601 weights 0.299, 0.587, 0.114) of the pixel at column `x`,
    /// row `y`, in 0..=255. For BT.601 I420 frames it is the pixel's Y' scaled to
    /// 0..=255, which differs only where the conversion clamps a channel. Coordinates outside the frame are clamped to the nearest
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
            // The BT.601 weights of a BT.601 conversion add up to Y' itself, so
            // the Y' byte is the luma unless the conversion clamps a channel.
            // BT.709's Y' weighs red and blue by 0.2126 and 0.0722, so those
            // frames are converted first, which costs a chroma lookup per sample.
            PixelFormat::I420(color) => match color.matrix {
                YuvMatrix::Bt601 => color.luma(self.pixels[offset]),
                YuvMatrix::Bt709 => {
                    let [red, green, blue] = self.yuv_to_rgb(color, x, y);
                    0.299 * red + 0.587 * green + 0.114 * blue
                }
            },
        }
    }

    /// Converts the Y'CbCr bytes of the pixel at column `x`, row `y` of an I420
    /// frame, clamped to the frame, to unrounded R'G'B'.
    #[inline]
    fn yuv_to_rgb(&self, color: YuvColor, x: i64, y: i64) -> [f32; 3] {
        let luma = self.pixels[self.offset(x, y)];
        let chroma = self.chroma_offset(x, y);
        let plane_len = chroma_plane_len(self.width, self.height);
        color.to_rgb(
            f32::from(luma),
            f32::from(self.pixels[chroma]),
            f32::from(self.pixels[chroma + plane_len]),
        )
    }

    /// Offset of the Cb byte of the pixel at column `x`, row `y` of an I420 frame,
    /// clamped to the frame. Its Cr byte follows one chroma plane later.
    #[inline]
    fn chroma_offset(&self, x: i64, y: i64) -> usize {
        let column = x.clamp(0, i64::from(self.width) - 1) as usize;
        let row = y.clamp(0, i64::from(self.height) - 1) as usize;
        chroma_offset(self.width, self.height, column, row)
    }

    #[inline]
    fn offset(&self, x: i64, y: i64) -> usize {
        let column = x.clamp(0, i64::from(self.width) - 1) as usize;
        let row = y.clamp(0, i64::from(self.height) - 1) as usize;
        row * self.stride + column * self.format.bytes_per_pixel()
    }
}

/// Offset of the Cb byte of pixel (`column`, `row`) in a tightly packed `width` x
/// `height` I420 frame. Its Cr byte follows one chroma plane later.
#[inline]
pub(crate) fn chroma_offset(width: u32, height: u32, column: usize, row: usize) -> usize {
    width as usize * height as usize + row / 2 * (width as usize).div_ceil(2) + column / 2
}

/// Bytes of a tightly packed `width` x `height` I420 frame: the Y plane and both
/// chroma planes.
pub(crate) fn i420_len(width: u32, height: u32) -> usize {
    width as usize * height as usize + 2 * chroma_plane_len(width, height)
}

/// Bytes in each chroma plane of a `width` x `height` I420 frame.
pub(crate) fn chroma_plane_len(width: u32, height: u32) -> usize {
    (width as usize).div_ceil(2) * (height as usize).div_ceil(2)
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

    const LIMITED_601: YuvColor = YuvColor {
        matrix: YuvMatrix::Bt601,
        full_range: false,
    };

    /// Builds a 3 x 3 I420 frame: 9 Y bytes, then 2 x 2 Cb and 2 x 2 Cr bytes.
    fn i420_pixels(luma: [u8; 9], cb: [u8; 4], cr: [u8; 4]) -> Vec<u8> {
        [&luma[..], &cb[..], &cr[..]].concat()
    }

    #[test]
    fn i420_accepts_odd_sizes() {
        let pixels = i420_pixels([16; 9], [128; 4], [128; 4]);
        let frame = Frame::i420(&pixels, 3, 3, LIMITED_601).unwrap();
        assert_eq!(frame.rgb(2, 2), [0, 0, 0]);
    }

    #[test]
    fn i420_rejects_wrong_length() {
        let pixels = vec![0; 9 + 4 + 3];
        let error = Frame::i420(&pixels, 3, 3, LIMITED_601).unwrap_err();
        assert!(
            matches!(
                error,
                FrameError::BufferLengthMismatch {
                    len: 16,
                    min: 17,
                    max: 17,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn i420_rejects_padded_rows() {
        let pixels = vec![0; 17];
        let error = Frame::new(&pixels, 3, 3, 4, PixelFormat::I420(LIMITED_601)).unwrap_err();
        assert_eq!(
            error,
            FrameError::PlanarStride {
                stride: 4,
                width: 3
            }
        );
    }

    #[test]
    fn i420_converts_limited_range_bt601() {
        // Video black, white and red in BT.601 limited range.
        let mut luma = [16; 9];
        luma[1] = 235;
        luma[2] = 81;
        let cb = [128, 90, 128, 128];
        let cr = [128, 240, 128, 128];
        let pixels = i420_pixels(luma, cb, cr);
        let frame = Frame::i420(&pixels, 3, 3, LIMITED_601).unwrap();
        assert_eq!(frame.rgb(0, 0), [0, 0, 0]);
        assert_eq!(frame.rgb(1, 0), [255, 255, 255]);
        // Column 2 shares the second chroma sample of row 0.
        let red = frame.rgb(2, 0);
        assert!(red[0] >= 253, "{red:?}");
        assert!(red[1] <= 2, "{red:?}");
        assert!(red[2] <= 2, "{red:?}");
    }

    #[test]
    fn i420_converts_full_range_bt709() {
        let color = YuvColor {
            matrix: YuvMatrix::Bt709,
            full_range: true,
        };
        let pixels = i420_pixels(
            [0, 255, 128, 128, 128, 128, 128, 128, 128],
            [128; 4],
            [128; 4],
        );
        let frame = Frame::i420(&pixels, 3, 3, color).unwrap();
        assert_eq!(frame.rgb(0, 0), [0, 0, 0]);
        assert_eq!(frame.rgb(1, 0), [255, 255, 255]);
        assert_eq!(frame.rgb(2, 0), [128, 128, 128]);
        // BT.709 red: Y' = 0.2126 * 255, Cb = -Y' / 1.8556, Cr = (255 - Y') / 1.5748.
        let luma = 0.2126 * 255.0;
        let red = color.to_rgb(luma, 128.0 - luma / 1.8556, 128.0 + (255.0 - luma) / 1.5748);
        assert!((red[0] - 255.0).abs() < 1.0, "{red:?}");
        assert!(red[1] < 1.5, "{red:?}");
        assert!(red[2] < 1.5, "{red:?}");
    }

    #[test]
    fn bt709_luma_weighs_converted_colour() {
        let color = YuvColor {
            matrix: YuvMatrix::Bt709,
            full_range: false,
        };
        // Lips: Cr well above neutral, where Y' alone would be 8 levels darker.
        let pixels = i420_pixels([120; 9], [118; 4], [170; 4]);
        let frame = Frame::i420(&pixels, 3, 3, color).unwrap();
        let [red, green, blue] = color.to_rgb(120.0, 118.0, 170.0);
        let expected = 0.299 * red + 0.587 * green + 0.114 * blue;
        assert!(
            (frame.luma(1, 1) - expected).abs() < 1e-3,
            "{} vs {expected}",
            frame.luma(1, 1)
        );
        assert!(expected - color.luma(120) > 5.0);
    }

    #[test]
    fn i420_luma_matches_converted_colour() {
        // A skin tone in BT.601 limited range, which the conversion does not clamp.
        let pixels = i420_pixels([150; 9], [110; 4], [160; 4]);
        let frame = Frame::i420(&pixels, 3, 3, LIMITED_601).unwrap();
        let [red, green, blue] = frame.rgb(0, 0).map(f32::from);
        let expected = 0.299 * red + 0.587 * green + 0.114 * blue;
        assert!(
            (frame.luma(0, 0) - expected).abs() < 1.0,
            "{} vs {expected}",
            frame.luma(0, 0)
        );
    }
}
