//! Pixels of a browser image as an [`RgbaImage`], from which the vision pipeline
//! borrows a frame: either the RGBX or I420 pixels that `VideoFrame.copyTo` wrote
//! straight into wasm memory ([`CopyTargets`]), or an `ImageBitmap` drawn to an
//! `OffscreenCanvas` and read back as `ImageData` (tightly packed RGBA).

use std::collections::BTreeMap;

use js_sys::{Uint8Array, Uint8ClampedArray};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ImageBitmap, ImageData, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

use serde::Deserialize;

use crate::frame::{i420_len, Frame, FrameError, PixelFormat, YuvColor, YuvMatrix, MAX_SIDE};
use crate::preprocess::RgbaImage;

/// Failure to read the pixels of a browser image.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaptureError {
    #[error("the image has no pixels ({width}x{height})")]
    Empty { width: u32, height: u32 },
    #[error("reading the image pixels failed: {0}")]
    Canvas(String),
    #[error(
        "invalid frame size {width}x{height}: width and height must be at most {MAX_SIDE} \
         pixels; lower the camera resolution"
    )]
    TooLarge { width: u32, height: u32 },
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(
        "no pixels were copied for camera {camera}: call copyTarget and copy the \
         VideoFrame into the array it returns before analysing"
    )]
    NoTarget { camera: u32 },
}

impl From<JsValue> for CaptureError {
    fn from(error: JsValue) -> Self {
        Self::Canvas(
            error
                .dyn_ref::<js_sys::Error>()
                .map(|error| String::from(error.message()))
                .unwrap_or_else(|| format!("{error:?}")),
        )
    }
}

/// Copies the pixels of `data` (tightly packed RGBA) into wasm memory.
pub fn image_from_image_data(data: &ImageData) -> RgbaImage {
    RgbaImage {
        pixels: data.data().0,
        width: data.width(),
        height: data.height(),
    }
}

/// A reusable canvas that turns bitmaps into pixels, and the wasm buffer they are
/// copied into. Both are resized only when the bitmap size changes, so a running
/// camera allocates no canvas and no wasm memory per frame.
#[derive(Default)]
pub struct BitmapReader {
    canvas: Option<(OffscreenCanvas, OffscreenCanvasRenderingContext2d)>,
    image: RgbaImage,
}

impl BitmapReader {
    /// Draws `bitmap` and copies its pixels into the reader's buffer, which the
    /// returned image borrows until the next read.
    pub fn read(&mut self, bitmap: &ImageBitmap) -> Result<&RgbaImage, CaptureError> {
        let (width, height) = (bitmap.width(), bitmap.height());
        if width == 0 || height == 0 {
            return Err(CaptureError::Empty { width, height });
        }
        let context = self.context(width, height)?;
        context.draw_image_with_image_bitmap(bitmap, 0.0, 0.0)?;
        let data = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height))?;
        // `ImageData::data` would copy into a new vector; the typed array copies
        // straight into the kept one.
        let pixels: Uint8ClampedArray =
            js_sys::Reflect::get(&data, &"data".into())?.unchecked_into();
        self.image.pixels.resize(pixels.length() as usize, 0);
        pixels.copy_to(&mut self.image.pixels);
        self.image.width = data.width();
        self.image.height = data.height();
        Ok(&self.image)
    }

    /// Returns the image of the last successful read.
    pub fn image(&self) -> &RgbaImage {
        &self.image
    }

    fn context(
        &mut self,
        width: u32,
        height: u32,
    ) -> Result<&OffscreenCanvasRenderingContext2d, CaptureError> {
        let reusable = self
            .canvas
            .as_ref()
            .is_some_and(|(canvas, _)| canvas.width() == width && canvas.height() == height);
        if !reusable {
            let canvas = OffscreenCanvas::new(width, height)?;
            let options = js_sys::Object::new();
            // Pixels are read back after every draw.
            js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE)?;
            let context = canvas
                .get_context_with_context_options("2d", &options)?
                .ok_or_else(|| CaptureError::Canvas("no 2d context on OffscreenCanvas".into()))?
                .dyn_into::<OffscreenCanvasRenderingContext2d>()
                .map_err(|_| {
                    CaptureError::Canvas("the 2d context has an unexpected type".into())
                })?;
            self.canvas = Some((canvas, context));
        }
        match &self.canvas {
            Some((_, context)) => Ok(context),
            None => Err(CaptureError::Canvas("no canvas".into())),
        }
    }
}

/// Pixel layout that `VideoFrame.copyTo` writes into a [`CopyTargets`] buffer,
/// as the worker script names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "format")]
pub enum CopyLayout {
    /// Tightly packed RGBX, converted by the browser (`copyTo` with format RGBX).
    #[serde(rename = "RGBX")]
    Rgbx,
    /// The frame's own tightly packed I420 planes (`copyTo` without options), with
    /// the frame's colour space.
    #[serde(rename = "I420")]
    I420 {
        matrix: CopyMatrix,
        #[serde(rename = "fullRange")]
        full_range: bool,
    },
}

/// `VideoFrame.colorSpace.matrix` values the worker maps I420 frames to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyMatrix {
    Bt601,
    Bt709,
}

impl CopyLayout {
    fn pixel_format(self) -> PixelFormat {
        match self {
            Self::Rgbx => PixelFormat::Rgba8,
            Self::I420 { matrix, full_range } => PixelFormat::I420(YuvColor {
                matrix: match matrix {
                    CopyMatrix::Bt601 => YuvMatrix::Bt601,
                    CopyMatrix::Bt709 => YuvMatrix::Bt709,
                },
                full_range,
            }),
        }
    }
}

/// The pixels of one camera's last copied frame.
#[derive(Default)]
struct CopiedFrame {
    pixels: Vec<u8>,
    width: u32,
    height: u32,
    format: Option<PixelFormat>,
}

/// One wasm buffer per camera for `VideoFrame.copyTo` to write pixels into, which
/// saves copying each frame from a JavaScript array into wasm memory.
///
/// A buffer is resized only when its camera's frame size or layout changes, and
/// is kept for the worker's lifetime: at most 4 bytes per pixel of the largest
/// frame a camera sent. Each camera has its own buffer because the copy is
/// asynchronous: another camera's frame may be analysed while it runs.
#[derive(Default)]
pub struct CopyTargets {
    frames: BTreeMap<u32, CopiedFrame>,
}

impl CopyTargets {
    /// Sizes `camera`'s buffer for a `width` x `height` frame in `layout` and
    /// returns a view of it in wasm memory, for `VideoFrame.copyTo`.
    ///
    /// The view stays valid until the next call for the same camera. When wasm
    /// memory grows (an allocation during another call into the module), every
    /// view of it is detached and its `byteLength` becomes 0: the caller checks
    /// for that after the copy and copies again into a new view.
    pub fn target(
        &mut self,
        camera: u32,
        width: u32,
        height: u32,
        layout: CopyLayout,
    ) -> Result<Uint8Array, CaptureError> {
        if width == 0 || height == 0 {
            return Err(CaptureError::Empty { width, height });
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(CaptureError::TooLarge { width, height });
        }
        let format = layout.pixel_format();
        let len = match format {
            PixelFormat::I420(_) => i420_len(width, height),
            _ => width as usize * height as usize * format.bytes_per_pixel(),
        };
        let copied = self.frames.entry(camera).or_default();
        // Exactly, so that the buffer stays at the size of the largest frame.
        copied
            .pixels
            .reserve_exact(len.saturating_sub(copied.pixels.len()));
        copied.pixels.resize(len, 0);
        copied.width = width;
        copied.height = height;
        copied.format = Some(format);

        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        // wasm32 addresses and lengths fit in u32.
        Ok(Uint8Array::new_with_byte_offset_and_length(
            &memory.buffer(),
            copied.pixels.as_ptr() as u32,
            copied.pixels.len() as u32,
        ))
    }

    /// Borrows `camera`'s last copied frame.
    pub fn frame(&self, camera: u32) -> Result<Frame<'_>, CaptureError> {
        let copied = self
            .frames
            .get(&camera)
            .ok_or(CaptureError::NoTarget { camera })?;
        let format = copied.format.ok_or(CaptureError::NoTarget { camera })?;
        let stride = copied.width as usize * format.bytes_per_pixel();
        Ok(Frame::new(
            &copied.pixels,
            copied.width,
            copied.height,
            stride,
            format,
        )?)
    }
}
