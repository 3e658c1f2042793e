//! Cameras through `getUserMedia`, each played into a detached `<video>` element
//! and paced with `requestVideoFrameCallback` where the browser has it.
//!
//! A [`CameraFeed`] owns its stream, its element and every closure it registered.
//! Dropping it stops the tracks and removes the listeners, so the browser's camera
//! light goes off and nothing leaks.

use std::cell::Cell;

use js_sys::{Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, HtmlVideoElement, MediaDeviceInfo, MediaDeviceKind, MediaDevices, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

/// Preferred capture size, in pixels. The detector works at 128x128 and the smile
/// scorer on face crops, so more pixels cost time without helping at desk range.
const IDEAL_WIDTH: u32 = 640;
const IDEAL_HEIGHT: u32 = 480;

/// Failure to open a camera.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraError {
    #[error("camera access denied ({0})")]
    Denied(String),
    #[error("no camera found ({0})")]
    NotFound(String),
    #[error("camera failed to start ({0})")]
    Failed(String),
}

impl CameraError {
    /// Classifies a `getUserMedia` rejection by its `DOMException` name.
    fn from_js(error: JsValue) -> Self {
        let (name, message) = match error.dyn_ref::<DomException>() {
            Some(exception) => (exception.name(), exception.message()),
            None => (String::new(), format!("{error:?}")),
        };
        let detail = format!("{name}: {message}");
        match name.as_str() {
            "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => Self::Denied(detail),
            "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => {
                Self::NotFound(detail)
            }
            _ => Self::Failed(detail),
        }
    }
}

/// A video input the browser lists. Labels are empty until camera access is
/// granted once.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CameraInfo {
    pub device_id: String,
    pub label: String,
}

pub fn media_devices() -> Result<MediaDevices, CameraError> {
    let window = web_sys::window()
        .ok_or_else(|| CameraError::Failed("cameras are reachable only from a window".into()))?;
    window.navigator().media_devices().map_err(|_| {
        CameraError::NotFound(
            "navigator.mediaDevices is missing: the page needs https or localhost".into(),
        )
    })
}

/// Lists the video inputs.
pub async fn list_cameras() -> Result<Vec<CameraInfo>, CameraError> {
    let devices = media_devices()?;
    let promise = devices.enumerate_devices().map_err(CameraError::from_js)?;
    let list: js_sys::Array = JsFuture::from(promise)
        .await
        .map_err(CameraError::from_js)?
        .unchecked_into();
    Ok(list
        .iter()
        .filter_map(|device| device.dyn_into::<MediaDeviceInfo>().ok())
        .filter(|device| device.kind() == MediaDeviceKind::Videoinput)
        .map(|device| CameraInfo {
            device_id: device.device_id(),
            label: device.label(),
        })
        .collect())
}

/// One open camera and the element that plays it.
pub struct CameraFeed {
    stream: MediaStream,
    video: HtmlVideoElement,
    on_ended: Closure<dyn FnMut()>,
    on_frame: Closure<dyn FnMut()>,
    pending: Cell<Option<PendingCallback>>,
}

#[derive(Clone, Copy)]
enum PendingCallback {
    VideoFrame(u32),
    Timeout(i32),
}

impl CameraFeed {
    /// Opens the camera `device_id` (the default camera when `None`) and starts
    /// playing it. `on_ended` runs when a track ends (unplugged, revoked);
    /// `on_frame` runs for each new video frame once [`arm`](Self::arm) is called.
    pub async fn open(
        device_id: Option<&str>,
        on_ended: Closure<dyn FnMut()>,
        on_frame: Closure<dyn FnMut()>,
    ) -> Result<Self, CameraError> {
        let stream = open_stream(device_id).await?;
        let video = match create_video(&stream).await {
            Ok(video) => video,
            Err(error) => {
                stop_tracks(&stream);
                return Err(error);
            }
        };
        let feed = Self {
            stream,
            video,
            on_ended,
            on_frame,
            pending: Cell::new(None),
        };
        for track in feed.stream.get_video_tracks().iter() {
            let track: MediaStreamTrack = track.unchecked_into();
            track.set_onended(Some(feed.on_ended.as_ref().unchecked_ref()));
        }
        Ok(feed)
    }

    pub fn video(&self) -> &HtmlVideoElement {
        &self.video
    }

    /// Returns whether every video track is still live.
    pub fn is_live(&self) -> bool {
        let tracks = self.stream.get_video_tracks();
        tracks.length() > 0
            && tracks.iter().all(|track| {
                track.unchecked_into::<MediaStreamTrack>().ready_state()
                    == web_sys::MediaStreamTrackState::Live
            })
    }

    /// Asks for one call of `on_frame` at the next video frame, or after
    /// `fallback_ms` where `requestVideoFrameCallback` is missing.
    pub fn arm(&self, fallback_ms: f64) {
        self.disarm();
        let callback: &Function = self.on_frame.as_ref().unchecked_ref();
        let request = Reflect::get(&self.video, &JsValue::from_str("requestVideoFrameCallback"))
            .ok()
            .and_then(|method| method.dyn_into::<Function>().ok());
        if let Some(request) = request {
            if let Ok(handle) = request.call1(&self.video, callback) {
                if let Some(handle) = handle.as_f64() {
                    self.pending
                        .set(Some(PendingCallback::VideoFrame(handle as u32)));
                    return;
                }
            }
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(handle) = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback, fallback_ms as i32)
        {
            self.pending.set(Some(PendingCallback::Timeout(handle)));
        }
    }

    /// Cancels a callback requested by [`arm`](Self::arm), if any is pending.
    pub fn disarm(&self) {
        match self.pending.take() {
            Some(PendingCallback::VideoFrame(handle)) => {
                let cancel =
                    Reflect::get(&self.video, &JsValue::from_str("cancelVideoFrameCallback"))
                        .ok()
                        .and_then(|method| method.dyn_into::<Function>().ok());
                if let Some(cancel) = cancel {
                    let _ = cancel.call1(&self.video, &JsValue::from(handle));
                }
            }
            Some(PendingCallback::Timeout(handle)) => {
                if let Some(window) = web_sys::window() {
                    window.clear_timeout_with_handle(handle);
                }
            }
            None => {}
        }
    }

    /// Marks the pending callback as used; call at the start of `on_frame`.
    pub fn fired(&self) {
        self.pending.set(None);
    }
}

impl Drop for CameraFeed {
    fn drop(&mut self) {
        self.disarm();
        for track in self.stream.get_tracks().iter() {
            let track: MediaStreamTrack = track.unchecked_into();
            track.set_onended(None);
        }
        stop_tracks(&self.stream);
        let _ = self.video.pause();
        self.video.set_src_object(None);
    }
}

async fn open_stream(device_id: Option<&str>) -> Result<MediaStream, CameraError> {
    let devices = media_devices()?;
    let video = js_sys::Object::new();
    let set = |target: &js_sys::Object, key: &str, value: &JsValue| {
        let _ = Reflect::set(target, &JsValue::from_str(key), value);
    };
    let ideal = |value: u32| {
        let object = js_sys::Object::new();
        set(&object, "ideal", &JsValue::from(value));
        object
    };
    set(&video, "width", &ideal(IDEAL_WIDTH));
    set(&video, "height", &ideal(IDEAL_HEIGHT));
    if let Some(device_id) = device_id {
        let exact = js_sys::Object::new();
        set(&exact, "exact", &JsValue::from_str(device_id));
        set(&video, "deviceId", &exact);
    }

    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::FALSE);
    constraints.set_video(&video);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(CameraError::from_js)?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(CameraError::from_js)?;
    Ok(stream.unchecked_into())
}

async fn create_video(stream: &MediaStream) -> Result<HtmlVideoElement, CameraError> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| CameraError::Failed("no document to create a video element in".into()))?;
    let video: HtmlVideoElement = document
        .create_element("video")
        .map_err(|error| CameraError::Failed(format!("{error:?}")))?
        .unchecked_into();
    video.set_muted(true);
    video.set_autoplay(true);
    let _ = video.set_attribute("playsinline", "");
    video.set_src_object(Some(stream));
    let played = video
        .play()
        .map_err(|error| CameraError::Failed(format!("{error:?}")))?;
    JsFuture::from(played)
        .await
        .map_err(|error| CameraError::Failed(format!("video playback failed: {error:?}")))?;
    Ok(video)
}

fn stop_tracks(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}
