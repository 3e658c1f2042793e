//! Events a [`SmileSensor`](super::SmileSensor) dispatches, and the state it reports.
//!
//! Every event is a `CustomEvent` whose `detail` is a plain object. Event details
//! carry counts, states and report bodies only: never a frame, a face position or a
//! per-frame score.

use serde::Serialize;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

use super::options::Language;
use crate::roles::Role;

/// Event type names, as passed to `addEventListener`.
pub mod name {
    /// A smile event ended; detail `{ role }`.
    pub const SMILE: &str = "smile";
    /// A customer interaction ended; detail `{ seconds }`.
    pub const INTERACTION: &str = "interaction";
    /// A report was stored in the delivery queue; detail `{ reportId, body }`.
    pub const REPORT_QUEUED: &str = "reportqueued";
    /// The collector accepted a report; detail `{ reportId, body }`.
    pub const REPORT_SENT: &str = "reportsent";
    /// The sensor state changed; detail `{ state, previous }`.
    pub const STATE_CHANGE: &str = "statechange";
    /// Something failed; detail `{ code, message }`.
    pub const ERROR: &str = "error";
}

/// Lifecycle state of a sensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SensorState {
    /// Created; `start()` not called yet.
    Idle,
    /// Loading the models and opening the cameras.
    Starting,
    /// Cameras open and frames analysed.
    Running,
    /// Paused by the user: cameras released, nothing analysed.
    Paused,
    /// The tab is hidden: cameras released until it is shown again.
    Hidden,
    /// No usable camera (none plugged in, or unplugged): retried when a device
    /// appears and every few seconds.
    WaitingForCamera,
    /// The user or a policy denied camera access: retried only by `start()` or
    /// `resume()`.
    CameraDenied,
    /// Stopped for good: cameras released, the worker ended, the last bucket queued.
    Stopped,
    /// The models or the worker failed to load; see the error event.
    Failed,
}

impl SensorState {
    pub fn as_str(&self) -> &'static str {
        match self {
            SensorState::Idle => "idle",
            SensorState::Starting => "starting",
            SensorState::Running => "running",
            SensorState::Paused => "paused",
            SensorState::Hidden => "hidden",
            SensorState::WaitingForCamera => "waiting-for-camera",
            SensorState::CameraDenied => "camera-denied",
            SensorState::Stopped => "stopped",
            SensorState::Failed => "failed",
        }
    }

    /// Returns whether a camera may be open in this state. The page's "camera
    /// active" indicator follows this.
    pub fn uses_camera(&self) -> bool {
        matches!(self, SensorState::Starting | SensorState::Running)
    }
}

/// What went wrong, as a stable code the page can branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    CameraDenied,
    NoCamera,
    CameraLost,
    CameraFailed,
    ModelLoad,
    Worker,
    Inference,
    Queue,
    DeliveryRejected,
    Unauthorized,
    Panic,
}

impl ErrorCode {
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::CameraDenied => "camera-denied",
            ErrorCode::NoCamera => "no-camera",
            ErrorCode::CameraLost => "camera-lost",
            ErrorCode::CameraFailed => "camera-failed",
            ErrorCode::ModelLoad => "model-load",
            ErrorCode::Worker => "worker",
            ErrorCode::Inference => "inference",
            ErrorCode::Queue => "queue",
            ErrorCode::DeliveryRejected => "delivery-rejected",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Panic => "panic",
        }
    }

    /// A short message for the people at the desk, in `language`. The technical
    /// cause goes to the console log instead.
    pub fn message(&self, language: Language) -> &'static str {
        use ErrorCode::*;
        match (self, language) {
            (CameraDenied, Language::English) => "Camera access was denied. Allow the camera for this page in the browser settings.",
            (CameraDenied, Language::Polish) => "Odmówiono dostępu do kamery. Zezwól tej stronie na użycie kamery w ustawieniach przeglądarki.",
            (NoCamera, Language::English) => "No camera found. Connect a camera; the sensor starts by itself.",
            (NoCamera, Language::Polish) => "Nie znaleziono kamery. Podłącz kamerę, a czujnik uruchomi się sam.",
            (CameraLost, Language::English) => "The camera was disconnected. Reconnect it; the sensor resumes by itself.",
            (CameraLost, Language::Polish) => "Kamera została odłączona. Podłącz ją ponownie, a czujnik wznowi pracę sam.",
            (CameraFailed, Language::English) => "The camera could not be started. Close other programs that use it.",
            (CameraFailed, Language::Polish) => "Nie udało się uruchomić kamery. Zamknij inne programy, które jej używają.",
            (ModelLoad, Language::English) => "The smile detector could not be loaded. Reload the page.",
            (ModelLoad, Language::Polish) => "Nie udało się wczytać detektora uśmiechu. Odśwież stronę.",
            (Worker | Inference | Panic, Language::English) => "The smile detector stopped working. Reload the page.",
            (Worker | Inference | Panic, Language::Polish) => "Detektor uśmiechu przestał działać. Odśwież stronę.",
            (Queue, Language::English) => "Reports cannot be stored in this browser. Check that site storage is allowed.",
            (Queue, Language::Polish) => "Ta przeglądarka nie może zapisać raportów. Sprawdź, czy dane witryn są dozwolone.",
            (DeliveryRejected, Language::English) => "The collector rejected a report. Tell the administrator.",
            (DeliveryRejected, Language::Polish) => "Serwer odrzucił raport. Powiadom administratora.",
            (Unauthorized, Language::English) => "The station token was not accepted. Open the station link again.",
            (Unauthorized, Language::Polish) => "Token stanowiska nie został przyjęty. Otwórz ponownie link stanowiska.",
        }
    }
}

/// Detail of a `smile` event.
#[derive(Serialize)]
pub struct SmileDetail {
    pub role: Role,
}

/// Detail of an `interaction` event.
#[derive(Serialize)]
pub struct InteractionDetail {
    pub seconds: f64,
}

/// Detail of the `reportqueued` and `reportsent` events: the report exactly as it
/// is sent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportDetail<'a> {
    pub report_id: &'a str,
    pub body: &'a str,
}

#[derive(Serialize)]
pub struct StateDetail {
    pub state: SensorState,
    pub previous: SensorState,
}

#[derive(Serialize)]
pub struct ErrorDetail<'a> {
    pub code: &'static str,
    pub message: &'a str,
}

/// Dispatches a `CustomEvent` of type `name` with `detail` serialised to a plain
/// object. A listener that throws does not stop the sensor: the browser reports the
/// exception and dispatching returns normally.
pub fn dispatch<T: Serialize>(target: &EventTarget, name: &str, detail: &T) {
    let detail = match serde_wasm_bindgen::to_value(detail) {
        Ok(detail) => detail,
        Err(error) => {
            log::error!("cannot serialise the {name} event detail: {error}");
            JsValue::NULL
        }
    };
    let init = CustomEventInit::new();
    init.set_detail(&detail);
    match CustomEvent::new_with_event_init_dict(name, &init) {
        Ok(event) => {
            if let Err(error) = target.dispatch_event(&event) {
                log::error!("dispatching the {name} event failed: {error:?}");
            }
        }
        Err(error) => log::error!("cannot create the {name} event: {error:?}"),
    }
}
