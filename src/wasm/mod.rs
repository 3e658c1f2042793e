//! Browser glue: the `SmileSensor` class, cameras, the inference worker, the report
//! queue and delivery. Compiled only for `wasm32`.
//!
//! # What runs where
//!
//! - **Page (main thread)**: [`SmileSensor`] opens the cameras with `getUserMedia`
//!   and plays each into a detached `<video>`. At each new video frame
//!   (`requestVideoFrameCallback`, or a timer where that is missing) it wraps the
//!   frame in a `VideoFrame` (an `ImageBitmap` where `VideoFrame` is missing) and
//!   transfers it to the worker. At most one frame per camera is
//!   in flight, so a slow device skips frames instead of building a backlog. The
//!   page also keeps the report queue in IndexedDB, delivers reports with `fetch`,
//!   and dispatches the events the UI listens to.
//! - **Inference worker** (`www/sensor-worker.js`, a module worker that loads this
//!   same package): [`InferenceWorker`] holds the face detector, the smile scorer and
//!   the sensor session. It copies each frame's pixels as RGBX into wasm memory
//!   (or draws a bitmap and reads it back), scores the faces the
//!   session asks for, and returns counts, timings and finished reports. Frames and
//!   scores never leave the worker.
//!
//! Only report bodies cross to the network, and only in a `POST` to the collector.

mod camera;
mod delivery;
mod events;
#[cfg(feature = "vision")]
mod frame;
mod hooks;
mod idb;
#[cfg(feature = "vision")]
mod model_timer;
mod options;
mod protocol;
mod queue;
mod sensor;
#[cfg(feature = "vision")]
mod worker;

pub use camera::{list_cameras, CameraError, CameraFeed, CameraInfo};
pub use delivery::{classify_status, send_report, Outcome, REPORTS_PATH};
pub use events::{ErrorCode, SensorState};
#[cfg(feature = "vision")]
pub use frame::{
    image_from_image_data, BitmapReader, CaptureError, CopyLayout, CopyMatrix, CopyTargets,
};
pub use hooks::enable_console_logging;
#[cfg(feature = "vision")]
pub use model_timer::ModelTimer;
pub use options::{
    role_name, CameraOption, Language, OptionsError, SensorConfig, SensorOptions, ZonesOption,
};
pub use protocol::{FinishedReport, FrameTimings, FromWorker, WorkerConfig};
pub use queue::{
    retry_delay_ms, QueueError, QueuedReport, ReportQueue, RETRY_BASE_MS, RETRY_MAX_MS,
};
pub use sensor::{SensorStats, SmileSensor};
#[cfg(feature = "vision")]
pub use worker::InferenceWorker;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT_TYPES: &'static str = r#"
/** Options of `new SmileSensor(options)`. Unknown fields are rejected. */
export interface SensorOptions {
  /** Base URL of the collector; reports are posted to `{collectorUrl}/api/v1/reports`. */
  collectorUrl: string;
  /** Station name: 1 to 64 characters from a-z, 0-9, '-' and '_'. */
  stationId: string;
  /** Bearer token of the station. */
  stationToken: string;
  /** One camera per role; default one client camera, the browser's default device. */
  cameras?: { role: "client" | "employee"; deviceId?: string }[];
  /**
   * With one camera: where each role sits, as rectangles in fractions (0 to 1) of the
   * frame. A face belongs to the role whose zone contains its centre; other faces are
   * ignored. Zones of different roles must not overlap.
   */
  zones?: { client?: Zone[]; employee?: Zone[] };
  /** Smile score from 0.25 to 0.95 at or above which a smile starts; it ends 0.2 lower. Default 0.85. */
  smileThreshold?: number;
  /** Report bucket length in minutes: 5, 10, 15, 20, 30 or 60; default 15. */
  bucketMinutes?: number;
  /** Frames analysed per camera and second, 1 to 30; default 10. */
  maxFramesPerSecond?: number;
  /** Language of error messages; default "en". */
  language?: "pl" | "en";
  /** Folder with the ONNX models; default "models/". */
  modelsUrl?: string;
  /** The inference worker script; default "sensor-worker.js". */
  workerUrl?: string;
}

/** A rectangle in fractions (0 to 1) of the frame, origin at the top-left corner. */
export interface Zone { x: number; y: number; width: number; height: number }

/**
 * Time spent on one frame (or the mean over frames) per stage, in milliseconds.
 * `detectorRuns` is 0 or 1 for one frame and the fraction of frames for a mean.
 */
export interface FrameTimings {
  frameCopyMs: number;
  changeCheckMs: number;
  preprocessMs: number;
  detectorMs: number;
  scorerMs: number;
  eventsMs: number;
  totalMs: number;
  detectorRuns: number;
}

/** Counters returned by `SmileSensor.stats()`. */
export interface SensorStats {
  state: string;
  framesAnalyzed: number;
  framesSkipped: number;
  clientSmiles: number;
  employeeSmiles: number;
  interactions: number;
  reportsQueued: number;
  reportsSent: number;
  reportsPending: number;
  modelLoadMs: number | null;
  lastFrame: FrameTimings | null;
  meanFrame: FrameTimings | null;
}

/** The validated configuration returned by `SmileSensor.config()`; it omits the token. */
export type SensorConfig = Omit<Required<SensorOptions>, "stationToken" | "zones"> & {
  zones: SensorOptions["zones"] | null;
};
"#;

/// Lists the video inputs as `{ deviceId, label }` objects, for choosing a camera
/// per role. Labels are empty until camera access has been granted once.
#[wasm_bindgen(js_name = listCameras, unchecked_return_type = "Promise<{ deviceId: string; label: string }[]>")]
pub fn list_cameras_js() -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async {
        let cameras = list_cameras()
            .await
            .map_err(|error| JsValue::from(JsError::new(&error.to_string())))?;
        serde_wasm_bindgen::to_value(&cameras).map_err(JsValue::from)
    })
}
