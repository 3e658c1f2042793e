//! Browser tests of the frame path: pixels drawn to a canvas reach the vision
//! pipeline as a `Frame` with the same size and colours, from `ImageData` and
//! from a transferred `ImageBitmap`, and the real face detector runs on such a
//! frame.
#![cfg(all(target_arch = "wasm32", feature = "vision"))]

use smile_sensor::detect::FaceDetector;
use smile_sensor::wasm::{image_from_image_data, BitmapReader, CaptureError};
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
