//! Pixels of a browser image as an [`RgbaImage`], from which the vision pipeline
//! borrows a frame: either the tightly packed RGBX pixels that `VideoFrame.copyTo`
//! wrote, or an `ImageBitmap` drawn to an `OffscreenCanvas` and read back as
//! `ImageData` (tightly packed RGBA).

use js_sys::{Uint8Array, Uint8ClampedArray};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ImageBitmap, ImageData, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

use crate::preprocess::RgbaImage;

/// Failure to read the pixels of a browser image.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaptureError {
    #[error("the image has no pixels ({width}x{height})")]
    Empty { width: u32, height: u32 },
    #[error("reading the image pixels failed: {0}")]
    Canvas(String),
    #[error(
        "a {width}x{height} frame needs {expected} bytes of tightly packed RGBX pixels, \
         found {len}: copy the VideoFrame with format RGBX and no layout"
    )]
    PixelCount {
        width: u32,
        height: u32,
        len: usize,
        expected: usize,
    },
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

    /// Copies `pixels`, a `width` x `height` frame of tightly packed RGBX (or RGBA)
    /// bytes as `VideoFrame.copyTo` writes them, into the reader's buffer, which the
    /// returned image borrows until the next read.
    pub fn copy_rgbx(
        &mut self,
        pixels: &Uint8Array,
        width: u32,
        height: u32,
    ) -> Result<&RgbaImage, CaptureError> {
        if width == 0 || height == 0 {
            return Err(CaptureError::Empty { width, height });
        }
        let len = pixels.length() as usize;
        let expected = width as usize * height as usize * 4;
        if len != expected {
            return Err(CaptureError::PixelCount {
                width,
                height,
                len,
                expected,
            });
        }
        self.image.pixels.resize(len, 0);
        pixels.copy_to(&mut self.image.pixels);
        self.image.width = width;
        self.image.height = height;
        Ok(&self.image)
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
