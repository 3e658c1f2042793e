//! Browser tests of the camera feed against Chromium's fake camera
//! (`--use-fake-device-for-media-stream`, set in `webdriver.json`).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use smile_sensor::wasm::{list_cameras, CameraError, CameraFeed};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn sleep_ms(milliseconds: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

fn counter() -> (Rc<Cell<u32>>, Closure<dyn FnMut()>) {
    let count = Rc::new(Cell::new(0));
    let closure = {
        let count = count.clone();
        Closure::new(move || count.set(count.get() + 1))
    };
    (count, closure)
}

#[wasm_bindgen_test]
async fn fake_camera_is_listed() {
    let cameras = list_cameras().await.unwrap();

    assert!(!cameras.is_empty());
    assert!(cameras.iter().all(|camera| !camera.device_id.is_empty()));
}

#[wasm_bindgen_test]
async fn armed_feed_calls_back_once_per_arm() {
    let (ended, on_ended) = counter();
    let (frames, on_frame) = counter();
    let feed = CameraFeed::open(None, on_ended, on_frame).await.unwrap();
    assert!(feed.is_live());
    assert!(feed.video().video_width() > 0);

    feed.arm(100.0);
    for _ in 0..50 {
        if frames.get() > 0 {
            break;
        }
        sleep_ms(20).await;
    }
    assert_eq!(frames.get(), 1, "one callback for one arm");
    feed.fired();

    sleep_ms(300).await;
    assert_eq!(frames.get(), 1, "no callback without a new arm");
    assert_eq!(ended.get(), 0);
}

#[wasm_bindgen_test]
async fn disarmed_feed_does_not_call_back() {
    let (_ended, on_ended) = counter();
    let (frames, on_frame) = counter();
    let feed = CameraFeed::open(None, on_ended, on_frame).await.unwrap();

    feed.arm(50.0);
    feed.disarm();
    sleep_ms(300).await;

    assert_eq!(frames.get(), 0);
}

#[wasm_bindgen_test]
async fn dropping_the_feed_stops_its_tracks() {
    let (ended, on_ended) = counter();
    let (_frames, on_frame) = counter();
    let feed = CameraFeed::open(None, on_ended, on_frame).await.unwrap();
    let stream = feed.video().src_object().unwrap();
    let track: web_sys::MediaStreamTrack = stream.get_video_tracks().get(0).unchecked_into();

    drop(feed);

    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Ended);
    assert_eq!(
        ended.get(),
        0,
        "stopping a track does not fire its ended event"
    );
}

#[wasm_bindgen_test]
async fn unknown_device_is_not_found() {
    let (_ended, on_ended) = counter();
    let (_frames, on_frame) = counter();

    let result = CameraFeed::open(Some("no-such-camera"), on_ended, on_frame).await;

    assert!(
        matches!(result, Err(CameraError::NotFound(_))),
        "{:?}",
        result.err()
    );
}
