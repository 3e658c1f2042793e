//! Browser tests of the frame path: pixels drawn to a canvas reach the vision
//! pipeline as a `Frame` with the same size and colours, from `ImageData` and
//! from a transferred `ImageBitmap`, and the real face detector runs on such a
//! frame. Pixels written into a copy target in wasm memory, as RGBX or I420,
//! reach it too, and a target's view is detached when wasm memory grows.
#![cfg(all(target_arch = "wasm32", feature = "vision"))]

use smile_sensor::detect::FaceDetector;
use smile_sensor::wasm::{
    image_from_image_data, BitmapReader, CaptureError, CopyLayout, CopyMatrix, CopyTargets,
};
use smile_sensor::PixelFormat;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{ImageBitmap, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

wasm_bindgen_test_configure!(run_in_browser);

const DETECTOR: &[u8] = include_bytes!("../models/face_detection_short_range.onnx");

/// Draws a 64x48 grey canvas with a red 10x10 square at (20, 10).
fn test_canvas() -> (OffscreenCanvas, OffscreenCanvasRenderingContext2d) {
    let canvas = OffscreenCanvas::new(64, 48).unwrap();
    let context: OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    context.set_fill_style_str("rgb(128, 128, 128)");
    context.fill_rect(0.0, 0.0, 64.0, 48.0);
    context.set_fill_style_str("rgb(255, 0, 0)");
    context.fill_rect(20.0, 10.0, 10.0, 10.0);
    (canvas, context)
}

async fn bitmap_of(canvas: &OffscreenCanvas) -> ImageBitmap {
    let scope: web_sys::Window = web_sys::window().unwrap();
    let promise = scope
        .create_image_bitmap_with_offscreen_canvas(canvas)
        .unwrap();
    JsFuture::from(promise).await.unwrap().unchecked_into()
}

#[wasm_bindgen_test]
fn image_data_becomes_an_rgba_frame() {
    let (_canvas, context) = test_canvas();
    let data = context.get_image_data(0.0, 0.0, 64.0, 48.0).unwrap();

    let image = image_from_image_data(&data);
    let frame = image.frame().unwrap();

    assert_eq!((frame.width(), frame.height()), (64, 48));
    assert_eq!(frame.format(), PixelFormat::Rgba8);
    assert_eq!(frame.rgb(25, 15), [255, 0, 0]);
    assert_eq!(frame.rgb(5, 5), [128, 128, 128]);
    assert_eq!(frame.rgb(29, 19), [255, 0, 0]);
    assert_eq!(frame.rgb(30, 20), [128, 128, 128]);
}

#[wasm_bindgen_test]
async fn bitmap_reader_keeps_size_and_colours() {
    let (canvas, _context) = test_canvas();
    let bitmap = bitmap_of(&canvas).await;
    let mut reader = BitmapReader::default();

    let image = reader.read(&bitmap).unwrap();
    let frame = image.frame().unwrap();
    assert_eq!((frame.width(), frame.height()), (64, 48));
    assert_eq!(frame.rgb(25, 15), [255, 0, 0]);

    // A second bitmap of another size gets a new canvas of that size.
    let small = OffscreenCanvas::new(8, 4).unwrap();
    let small_context: OffscreenCanvasRenderingContext2d =
        small.get_context("2d").unwrap().unwrap().unchecked_into();
    small_context.fill_rect(0.0, 0.0, 8.0, 4.0);
    let image = reader.read(&bitmap_of(&small).await).unwrap();
    assert_eq!((image.width, image.height), (8, 4));
}

#[wasm_bindgen_test]
async fn closed_bitmap_is_reported_not_read() {
    let (canvas, _context) = test_canvas();
    let bitmap = bitmap_of(&canvas).await;
    bitmap.close();

    let error = BitmapReader::default().read(&bitmap).err();
    assert_eq!(
        error,
        Some(CaptureError::Empty {
            width: 0,
            height: 0
        })
    );
}

#[wasm_bindgen_test]
async fn real_detector_finds_no_face_on_a_plain_canvas() {
    let (canvas, _context) = test_canvas();
    let mut reader = BitmapReader::default();
    let image = reader.read(&bitmap_of(&canvas).await).unwrap();
    let mut detector = FaceDetector::new(DETECTOR).unwrap();

    let faces = detector.detect(&image.frame().unwrap()).unwrap();

    assert!(faces.is_empty(), "{faces:?}");
}

/// Copies `bytes` into the view, as `VideoFrame.copyTo` would.
fn fill(view: &js_sys::Uint8Array, bytes: &[u8]) {
    assert_eq!(view.length() as usize, bytes.len());
    view.copy_from(bytes);
}

#[wasm_bindgen_test]
fn rgbx_copy_target_becomes_an_rgba_frame() {
    let mut targets = CopyTargets::default();
    let pixels: Vec<u8> = (0..6 * 4 * 4)
        .map(|index| (index * 7 % 251) as u8)
        .collect();
    fill(&targets.target(3, 6, 4, CopyLayout::Rgbx).unwrap(), &pixels);

    let frame = targets.frame(3).unwrap();

    assert_eq!((frame.width(), frame.height()), (6, 4));
    assert_eq!(frame.format(), PixelFormat::Rgba8);
    let offset = (2 * 6 + 5) * 4;
    assert_eq!(
        frame.rgb(5, 2),
        [pixels[offset], pixels[offset + 1], pixels[offset + 2]]
    );
}

#[wasm_bindgen_test]
fn i420_copy_target_becomes_an_i420_frame() {
    let mut targets = CopyTargets::default();
    let layout = CopyLayout::I420 {
        matrix: CopyMatrix::Bt601,
        full_range: false,
    };
    // 5 x 3 pixels: 15 Y bytes, then 3 x 2 Cb and 3 x 2 Cr bytes.
    let mut pixels = vec![235u8; 15];
    pixels[14] = 16;
    pixels.extend([128u8; 12]);
    fill(&targets.target(1, 5, 3, layout).unwrap(), &pixels);

    let frame = targets.frame(1).unwrap();

    assert!(matches!(frame.format(), PixelFormat::I420(_)));
    assert_eq!(frame.rgb(0, 0), [255, 255, 255]);
    assert_eq!(frame.rgb(4, 2), [0, 0, 0]);
}

#[wasm_bindgen_test]
fn copy_layout_reads_the_worker_script_objects() {
    let rgbx = js_sys::JSON::parse(r#"{"format":"RGBX"}"#).unwrap();
    let i420 =
        js_sys::JSON::parse(r#"{"format":"I420","matrix":"bt709","fullRange":true}"#).unwrap();
    let unknown = js_sys::JSON::parse(r#"{"format":"NV12"}"#).unwrap();

    assert_eq!(
        serde_wasm_bindgen::from_value::<CopyLayout>(rgbx).unwrap(),
        CopyLayout::Rgbx
    );
    assert_eq!(
        serde_wasm_bindgen::from_value::<CopyLayout>(i420).unwrap(),
        CopyLayout::I420 {
            matrix: CopyMatrix::Bt709,
            full_range: true
        }
    );
    assert!(serde_wasm_bindgen::from_value::<CopyLayout>(unknown).is_err());
}

#[wasm_bindgen_test]
fn copy_target_view_detaches_when_memory_grows() {
    let mut targets = CopyTargets::default();
    let view = targets.target(0, 4, 4, CopyLayout::Rgbx).unwrap();
    assert_eq!(view.byte_length(), 64);

    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let size = js_sys::ArrayBuffer::from(memory.buffer()).byte_length() as usize;
    let grown = vec![1u8; size];

    // The worker script relies on this to notice a copy lost to memory growth.
    assert_eq!(view.byte_length(), 0);
    assert_eq!(grown.len(), size);
}

#[wasm_bindgen_test]
fn oversized_copy_target_is_rejected() {
    let mut targets = CopyTargets::default();

    let error = targets.target(0, 9000, 10, CopyLayout::Rgbx).unwrap_err();

    assert_eq!(
        error,
        CaptureError::TooLarge {
            width: 9000,
            height: 10
        }
    );
    assert_eq!(
        targets.frame(0).unwrap_err(),
        CaptureError::NoTarget { camera: 0 }
    );
}
