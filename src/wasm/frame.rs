//! Pixels of a browser image as an [`RgbaImage`], from which the vision pipeline
//! borrows a frame: either the tightly packed RGBX pixels that `VideoFrame.copyTo`
//! wrote straight into wasm memory ([`RgbxTargets`]), or an `ImageBitmap` drawn to
//! an `OffscreenCanvas` and read back as `ImageData` (tightly packed RGBA).

use std::collections::BTreeMap;

use js_sys::{Uint8Array, Uint8ClampedArray};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ImageBitmap, ImageData, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

use crate::frame::MAX_SIDE;
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
    #[error(
        "no RGBX pixels were copied for camera {camera}: call rgbxTarget and copy the \
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

/// One wasm buffer per camera for `VideoFrame.copyTo` to write RGBX pixels into,
/// which saves copying each frame from a JavaScript array into wasm memory.
///
/// A buffer is resized only when its camera's frame size changes. Each camera has
/// its own buffer because the copy is asynchronous: another camera's frame may be
/// analysed while it runs.
#[derive(Default)]
pub struct RgbxTargets {
    images: BTreeMap<u32, RgbaImage>,
}

impl RgbxTargets {
    /// Sizes `camera`'s buffer for a `width` x `height` frame and returns a view of
    /// it in wasm memory, for `VideoFrame.copyTo` with format RGBX.
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
    ) -> Result<Uint8Array, CaptureError> {
        if width == 0 || height == 0 {
            return Err(CaptureError::Empty { width, height });
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(CaptureError::TooLarge { width, height });
        }
        let image = self.images.entry(camera).or_default();
        image.pixels.resize(width as usize * height as usize * 4, 0);
        image.width = width;
        image.height = height;

        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        // wasm32 addresses and lengths fit in u32.
        Ok(Uint8Array::new_with_byte_offset_and_length(
            &memory.buffer(),
            image.pixels.as_ptr() as u32,
            image.pixels.len() as u32,
        ))
    }

    /// Returns `camera`'s image, holding the pixels last copied into its target.
    pub fn image(&self, camera: u32) -> Result<&RgbaImage, CaptureError> {
        self.images
            .get(&camera)
            .ok_or(CaptureError::NoTarget { camera })
    }
}
