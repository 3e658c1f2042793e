//! The `SmileSensor` class a page creates: cameras, frame pacing, the worker link,
//! the report queue and the events, all on the page's main thread.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local, JsFuture};
use web_sys::{EventTarget, MessageEvent, VisibilityState, Worker, WorkerOptions, WorkerType};

use super::camera::{CameraError, CameraFeed};
use super::delivery::{self, Outcome};
use super::events::{
    self, name, ErrorCode, ErrorDetail, InteractionDetail, ReportDetail, SensorState, SmileDetail,
    StateDetail,
};
use super::options::{role_name, SensorConfig};
use super::protocol::{FinishedReport, FrameTimings, FromWorker, WorkerConfig};
use super::queue::{QueuedReport, ReportQueue, DEFAULT_DATABASE};
use crate::roles::Role;
use crate::schedule::DetectionScheduleConfig;

/// How often the worker is asked to close finished buckets while no frames arrive
/// (paused, hidden, no camera), in milliseconds.
const BUCKET_TICK_MS: i32 = 30_000;

/// How often a missing camera is looked for again, in milliseconds, besides the
/// browser's `devicechange` event.
const CAMERA_RETRY_MS: i32 = 5_000;

/// How long `stop()` waits for the worker to hand over the last bucket, in
/// milliseconds.
const FLUSH_TIMEOUT_MS: i32 = 5_000;

/// Counters returned by `stats()`.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SensorStats {
    pub state: &'static str,
    /// Frames analysed by the worker since `start()`.
    pub frames_analyzed: u64,
    /// Video frames skipped because the worker was still busy or the frame rate
    /// limit was reached.
    pub frames_skipped: u64,
    pub client_smiles: u64,
    pub employee_smiles: u64,
    pub interactions: u64,
    pub reports_queued: u64,
    pub reports_sent: u64,
    /// Reports waiting in the queue at the last delivery round.
    pub reports_pending: u64,
    /// Time the worker took to load the models, in milliseconds.
    pub model_load_ms: Option<f64>,
    /// Per-stage time of the last frame.
    pub last_frame: Option<FrameTimings>,
    /// Mean per-stage time over all analysed frames.
    pub mean_frame: Option<FrameTimings>,
}

/// A smile sensor on this page: opens the cameras, sends frames to the inference
/// worker, queues the reports it finishes and delivers them to the collector.
///
/// Events: `smile`, `interaction`, `reportqueued`, `reportsent`, `statechange` and
/// `error` (see the `events` module for their details).
#[wasm_bindgen]
pub struct SmileSensor {
    shared: Rc<Shared>,
}

struct Shared {
    config: SensorConfig,
    events: EventTarget,
    state: Cell<SensorState>,
    employee_consent: Cell<bool>,
    worker: RefCell<Option<WorkerLink>>,
    feeds: RefCell<Vec<Option<CameraFeed>>>,
    in_flight: RefCell<Vec<bool>>,
    last_sent_ms: RefCell<Vec<f64>>,
    queue: RefCell<Option<Rc<ReportQueue>>>,
    delivering: Cell<bool>,
    deliver_again: Cell<bool>,
    stats: RefCell<SensorStats>,
    timing_sum: RefCell<FrameTimings>,
    timers: RefCell<Timers>,
    page: RefCell<Option<PageListeners>>,
    ready_waiter: RefCell<Option<Function>>,
    flush_waiter: RefCell<Option<Function>>,
    database_name: String,
}

struct WorkerLink {
    worker: Worker,
    ready: bool,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for WorkerLink {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// A running timer's id and the closure it calls.
type TimerSlot = Option<(i32, Closure<dyn FnMut()>)>;

/// Timers of one sensor.
#[derive(Default)]
struct Timers {
    delivery: TimerSlot,
    camera_retry: TimerSlot,
    bucket_tick: TimerSlot,
}

impl Timers {
    /// Cancels the timer in `slot`. Timeouts and intervals share one id pool in
    /// browsers, so clearing both kinds by the same id is safe.
    fn clear(slot: &mut TimerSlot) {
        if let (Some((handle, _)), Some(window)) = (slot.as_ref(), web_sys::window()) {
            window.clear_timeout_with_handle(*handle);
            window.clear_interval_with_handle(*handle);
        }
        *slot = None;
    }

    fn clear_all(&mut self) {
        Self::clear(&mut self.delivery);
        Self::clear(&mut self.camera_retry);
        Self::clear(&mut self.bucket_tick);
    }
}

/// Listeners on the window and the document, removed on `stop()`.
struct PageListeners {
    visibility: Closure<dyn FnMut()>,
    device_change: Closure<dyn FnMut()>,
    online: Closure<dyn FnMut()>,
    page_hide: Closure<dyn FnMut()>,
}

impl PageListeners {
    fn attach(shared: &Rc<Shared>) -> Self {
        let weak = Rc::downgrade(shared);
        let visibility = closure(&weak, Shared::on_visibility_change);
        let device_change = closure(&weak, Shared::on_device_change);
        let online = closure(&weak, |shared| shared.kick_delivery());
        let page_hide = closure(&weak, |shared| shared.request_flush());

        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback("online", as_function(&online));
            let _ = window.add_event_listener_with_callback("pagehide", as_function(&page_hide));
            if let Some(document) = window.document() {
                let _ = document
                    .add_event_listener_with_callback("visibilitychange", as_function(&visibility));
            }
            if let Ok(devices) = window.navigator().media_devices() {
                let _ = devices
                    .add_event_listener_with_callback("devicechange", as_function(&device_change));
            }
        }
        Self {
            visibility,
            device_change,
            online,
            page_hide,
        }
    }
}

impl Drop for PageListeners {
    fn drop(&mut self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let _ = window.remove_event_listener_with_callback("online", as_function(&self.online));
        let _ =
            window.remove_event_listener_with_callback("pagehide", as_function(&self.page_hide));
        if let Some(document) = window.document() {
            let _ = document.remove_event_listener_with_callback(
                "visibilitychange",
                as_function(&self.visibility),
            );
        }
        if let Ok(devices) = window.navigator().media_devices() {
            let _ = devices.remove_event_listener_with_callback(
                "devicechange",
                as_function(&self.device_change),
            );
        }
    }
}

fn as_function(closure: &Closure<dyn FnMut()>) -> &Function {
    closure.as_ref().unchecked_ref()
}

/// Wraps `action` in a closure with a weak reference to the sensor, so a listener
/// never keeps a dropped sensor alive.
fn closure(weak: &Weak<Shared>, action: impl Fn(&Rc<Shared>) + 'static) -> Closure<dyn FnMut()> {
    let weak = weak.clone();
    Closure::new(move || {
        if let Some(shared) = weak.upgrade() {
            action(&shared);
        }
    })
}

#[wasm_bindgen]
impl SmileSensor {
    /// Validates `options` and creates a sensor in the `idle` state. Throws an
    /// error naming the invalid field and its valid range.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SensorOptions")] options: JsValue,
    ) -> Result<SmileSensor, JsError> {
        super::hooks::install_panic_hook();
        let config =
            SensorConfig::from_js(options).map_err(|error| JsError::new(&error.to_string()))?;
        let events =
            EventTarget::new().map_err(|_| JsError::new("cannot create an EventTarget"))?;
        super::hooks::register_event_target(&events);
        let cameras = config.cameras.len();
        Ok(Self {
            shared: Rc::new(Shared {
                database_name: format!("{DEFAULT_DATABASE}-{}", config.station_id),
                config,
                events,
                state: Cell::new(SensorState::Idle),
                employee_consent: Cell::new(false),
                worker: RefCell::new(None),
                feeds: RefCell::new((0..cameras).map(|_| None).collect()),
                in_flight: RefCell::new(vec![false; cameras]),
                last_sent_ms: RefCell::new(vec![f64::NEG_INFINITY; cameras]),
                queue: RefCell::new(None),
                delivering: Cell::new(false),
                deliver_again: Cell::new(false),
                stats: RefCell::new(SensorStats::default()),
                timing_sum: RefCell::new(FrameTimings::default()),
                timers: RefCell::new(Timers::default()),
                page: RefCell::new(None),
                ready_waiter: RefCell::new(None),
                flush_waiter: RefCell::new(None),
            }),
        })
    }

    /// Loads the models in the worker, opens the queue and the cameras. Resolves
    /// once the sensor runs or waits for a camera; rejects when the models or the
    /// worker cannot load.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn start(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            shared.start().await?;
            Ok(JsValue::from_str(shared.state.get().as_str()))
        })
    }

    /// Releases the cameras and stops analysing until `resume()`. Counts so far
    /// are kept and reported when their bucket closes.
    pub fn pause(&self) {
        if self.shared.state.get().is_active() {
            self.shared.close_cameras();
            self.shared.post_to_worker(&type_message("pause"));
            self.shared.set_state(SensorState::Paused);
        }
    }

    /// Opens the cameras again after `pause()`, or retries after camera access
    /// was denied.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn resume(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            if matches!(
                shared.state.get(),
                SensorState::Paused | SensorState::CameraDenied | SensorState::WaitingForCamera
            ) {
                shared.open_cameras().await;
            }
            Ok(JsValue::from_str(shared.state.get().as_str()))
        })
    }

    /// Stops for good: releases the cameras, queues the current bucket's report,
    /// tries one delivery, ends the worker and removes every listener. Queued
    /// reports that were not delivered are sent by the next sensor of this station.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn stop(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            shared.stop().await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Allows or forbids scoring faces in the employee role. Until the employee has
    /// opted in, their faces are never scored.
    #[wasm_bindgen(js_name = setEmployeeConsent)]
    pub fn set_employee_consent(&self, consent: bool) {
        self.shared.employee_consent.set(consent);
        self.shared.post_to_worker(&consent_message(consent));
    }

    /// Current lifecycle state, such as `"running"` or `"paused"`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.shared.state.get().as_str().to_owned()
    }

    /// Returns whether a camera is open now: what the "camera active" indicator
    /// shows.
    #[wasm_bindgen(getter, js_name = cameraActive)]
    pub fn camera_active(&self) -> bool {
        self.shared.feeds.borrow().iter().any(Option::is_some)
    }

    /// Counters and timings since `start()`.
    #[wasm_bindgen(unchecked_return_type = "SensorStats")]
    pub fn stats(&self) -> Result<JsValue, JsError> {
        let mut stats = self.shared.stats.borrow().clone();
        stats.state = self.shared.state.get().as_str();
        serde_wasm_bindgen::to_value(&stats).map_err(|error| JsError::new(&error.to_string()))
    }

    /// Returns the validated configuration without the station token.
    #[wasm_bindgen(unchecked_return_type = "SensorConfig")]
    pub fn config(&self) -> Result<JsValue, JsError> {
        serde_wasm_bindgen::to_value(&self.shared.config)
            .map_err(|error| JsError::new(&error.to_string()))
    }

    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: CustomEvent) => void")] listener: &Function,
    ) -> Result<(), JsError> {
        self.shared
            .events
            .add_event_listener_with_callback(kind, listener)
            .map_err(|_| JsError::new("addEventListener failed"))
    }

    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: CustomEvent) => void")] listener: &Function,
    ) -> Result<(), JsError> {
        self.shared
            .events
            .remove_event_listener_with_callback(kind, listener)
            .map_err(|_| JsError::new("removeEventListener failed"))
    }
}

impl SensorState {
    /// Returns whether the sensor is started and not paused or stopped.
    fn is_active(&self) -> bool {
        matches!(
            self,
            SensorState::Starting
                | SensorState::Running
                | SensorState::Hidden
                | SensorState::WaitingForCamera
                | SensorState::CameraDenied
        )
    }
}

impl Shared {
    fn set_state(&self, state: SensorState) {
        let previous = self.state.replace(state);
        if previous != state {
            log::info!("sensor state {} -> {}", previous.as_str(), state.as_str());
            events::dispatch(
                &self.events,
                name::STATE_CHANGE,
                &StateDetail { state, previous },
            );
        }
    }

    fn report_error(&self, code: ErrorCode, cause: &str) {
        log::error!("{}: {cause}", code.as_str());
        let detail = ErrorDetail {
            code: code.as_str(),
            message: code.message(self.config.language),
        };
        events::dispatch(&self.events, name::ERROR, &detail);
    }

    async fn start(self: &Rc<Self>) -> Result<(), JsValue> {
        if self.state.get() != SensorState::Idle {
            return Err(JsError::new(&format!(
                "start() needs an idle sensor, but it is {}",
                self.state.get().as_str()
            ))
            .into());
        }
        self.set_state(SensorState::Starting);

        match ReportQueue::open(&self.database_name).await {
            Ok(queue) => *self.queue.borrow_mut() = Some(Rc::new(queue)),
            Err(error) => self.report_error(ErrorCode::Queue, &error.to_string()),
        }
        self.kick_delivery();

        if let Err(error) = self.spawn_worker().await {
            self.set_state(SensorState::Failed);
            return Err(error);
        }

        *self.page.borrow_mut() = Some(PageListeners::attach(self));
        self.start_bucket_tick();
        if is_document_hidden() {
            self.set_state(SensorState::Hidden);
        } else {
            self.open_cameras().await;
        }
        Ok(())
    }

    async fn spawn_worker(self: &Rc<Self>) -> Result<(), JsValue> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(&absolute_url(&self.config.worker_url)?, &options)
            .map_err(|error| {
                self.report_error(ErrorCode::Worker, &format!("{error:?}"));
                error
            })?;

        let weak = Rc::downgrade(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(shared) = weak.upgrade() {
                shared.on_worker_message(event.data());
            }
        });
        let weak = Rc::downgrade(self);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some(shared) = weak.upgrade() {
                let message = Reflect::get(&event, &JsValue::from_str("message"))
                    .ok()
                    .and_then(|message| message.as_string())
                    .unwrap_or_else(|| "the worker script failed to load".into());
                shared.report_error(ErrorCode::Worker, &message);
                shared.resolve_waiter(&shared.ready_waiter, &JsValue::FALSE);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        let ready = Promise::new(&mut |resolve, _reject| {
            *self.ready_waiter.borrow_mut() = Some(resolve);
        });
        *self.worker.borrow_mut() = Some(WorkerLink {
            worker,
            ready: false,
            _on_message: on_message,
            _on_error: on_error,
        });

        let config = WorkerConfig {
            models_url: absolute_url(&self.config.models_url)?,
            session: self.config.session_config(),
            detection: DetectionScheduleConfig::default(),
        };
        let init = js_sys::Object::new();
        Reflect::set(&init, &"type".into(), &"init".into())?;
        Reflect::set(
            &init,
            &"config".into(),
            &serde_wasm_bindgen::to_value(&config)?,
        )?;
        self.post_to_worker(&init);
        self.post_to_worker(&consent_message(self.employee_consent.get()));

        let loaded = JsFuture::from(ready).await?;
        if loaded.as_bool() == Some(true) {
            Ok(())
        } else {
            *self.worker.borrow_mut() = None;
            Err(JsError::new("the inference worker failed to load; see the error event").into())
        }
    }

    fn post_to_worker(&self, message: &JsValue) {
        if let Some(link) = self.worker.borrow().as_ref() {
            if let Err(error) = link.worker.post_message(message) {
                log::error!("posting to the worker failed: {error:?}");
            }
        }
    }

    fn resolve_waiter(&self, waiter: &RefCell<Option<Function>>, value: &JsValue) {
        if let Some(resolve) = waiter.borrow_mut().take() {
            let _ = resolve.call1(&JsValue::NULL, value);
        }
    }

    fn on_worker_message(self: &Rc<Self>, data: JsValue) {
        let message: FromWorker = match serde_wasm_bindgen::from_value(data) {
            Ok(message) => message,
            Err(error) => {
                log::error!("ignoring a malformed worker message: {error}");
                return;
            }
        };
        match message {
            FromWorker::Ready { load_ms } => {
                if let Some(link) = self.worker.borrow_mut().as_mut() {
                    link.ready = true;
                }
                self.stats.borrow_mut().model_load_ms = Some(load_ms);
                self.resolve_waiter(&self.ready_waiter, &JsValue::TRUE);
            }
            FromWorker::Analyzed {
                camera,
                faces: _,
                timings,
                smiles,
                interaction_seconds,
            } => self.on_analyzed(camera as usize, timings, &smiles, &interaction_seconds),
            FromWorker::Reports { reports } => self.enqueue_reports(reports),
            FromWorker::Flushed { reports } => {
                let shared = self.clone();
                spawn_local(async move {
                    shared.put_reports(reports).await;
                    shared.resolve_waiter(&shared.flush_waiter, &JsValue::TRUE);
                    shared.kick_delivery();
                });
            }
            FromWorker::Error { code, message } => {
                let code = match code.as_str() {
                    "model-load" => ErrorCode::ModelLoad,
                    "panic" => ErrorCode::Panic,
                    _ => ErrorCode::Inference,
                };
                self.report_error(code, &message);
                if code == ErrorCode::ModelLoad {
                    self.resolve_waiter(&self.ready_waiter, &JsValue::FALSE);
                }
                // A failed frame must not block the camera forever.
                self.in_flight
                    .borrow_mut()
                    .iter_mut()
                    .for_each(|busy| *busy = false);
            }
        }
    }

    fn on_analyzed(
        &self,
        camera: usize,
        timings: FrameTimings,
        smiles: &[Role],
        interaction_seconds: &[f64],
    ) {
        if let Some(busy) = self.in_flight.borrow_mut().get_mut(camera) {
            *busy = false;
        }
        {
            let mut sum = self.timing_sum.borrow_mut();
            sum.add(&timings);
            let mut stats = self.stats.borrow_mut();
            stats.frames_analyzed += 1;
            let frames = stats.frames_analyzed as f64;
            stats.last_frame = Some(timings);
            stats.mean_frame = Some(sum.mean_over(frames));
            for role in smiles {
                match role {
                    Role::Client => stats.client_smiles += 1,
                    Role::Employee => stats.employee_smiles += 1,
                }
            }
            stats.interactions += interaction_seconds.len() as u64;
        }
        for &role in smiles {
            events::dispatch(&self.events, name::SMILE, &SmileDetail { role });
        }
        for &seconds in interaction_seconds {
            events::dispatch(
                &self.events,
                name::INTERACTION,
                &InteractionDetail { seconds },
            );
        }
    }

    async fn open_cameras(self: &Rc<Self>) {
        self.close_cameras();
        self.set_state(SensorState::Starting);
        let mut outcome = Ok(());
        for (index, camera) in self.config.cameras.iter().enumerate() {
            let weak = Rc::downgrade(self);
            let on_ended = closure(&weak, move |shared| shared.on_camera_ended(index));
            let on_frame = closure(&weak, move |shared| shared.on_video_frame(index));
            match CameraFeed::open(camera.device_id.as_deref(), on_ended, on_frame).await {
                Ok(feed) => {
                    if let Some(slot) = self.feeds.borrow_mut().get_mut(index) {
                        *slot = Some(feed);
                    }
                }
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            }
        }
        // The state may have changed while the cameras opened (pause, stop, hide).
        if self.state.get() != SensorState::Starting {
            self.close_cameras();
            return;
        }
        match outcome {
            Ok(()) => {
                Timers::clear(&mut self.timers.borrow_mut().camera_retry);
                self.post_to_worker(&type_message("resume"));
                self.set_state(SensorState::Running);
                for feed in self.feeds.borrow().iter().flatten() {
                    feed.arm(self.config.min_frame_interval_ms());
                }
            }
            Err(error) => {
                self.close_cameras();
                match &error {
                    CameraError::Denied(_) => {
                        self.set_state(SensorState::CameraDenied);
                        self.report_error(ErrorCode::CameraDenied, &error.to_string());
                    }
                    CameraError::NotFound(_) => {
                        self.set_state(SensorState::WaitingForCamera);
                        self.report_error(ErrorCode::NoCamera, &error.to_string());
                        self.schedule_camera_retry();
                    }
                    CameraError::Failed(_) => {
                        self.set_state(SensorState::WaitingForCamera);
                        self.report_error(ErrorCode::CameraFailed, &error.to_string());
                        self.schedule_camera_retry();
                    }
                }
            }
        }
    }

    fn close_cameras(&self) {
        for slot in self.feeds.borrow_mut().iter_mut() {
            *slot = None;
        }
        self.in_flight
            .borrow_mut()
            .iter_mut()
            .for_each(|busy| *busy = false);
    }

    fn on_camera_ended(self: &Rc<Self>, index: usize) {
        let live = self
            .feeds
            .borrow()
            .get(index)
            .and_then(Option::as_ref)
            .is_some_and(CameraFeed::is_live);
        if live || self.state.get() != SensorState::Running {
            return;
        }
        self.close_cameras();
        self.post_to_worker(&type_message("pause"));
        self.set_state(SensorState::WaitingForCamera);
        self.report_error(
            ErrorCode::CameraLost,
            &format!(
                "the {} camera track ended",
                role_name(self.config.cameras[index].role)
            ),
        );
        self.schedule_camera_retry();
    }

    fn schedule_camera_retry(self: &Rc<Self>) {
        let mut timers = self.timers.borrow_mut();
        if timers.camera_retry.is_some() {
            return;
        }
        let callback = closure(&Rc::downgrade(self), Shared::retry_cameras);
        if let Some(window) = web_sys::window() {
            if let Ok(handle) = window.set_interval_with_callback_and_timeout_and_arguments_0(
                as_function(&callback),
                CAMERA_RETRY_MS,
            ) {
                timers.camera_retry = Some((handle, callback));
            }
        }
    }

    fn retry_cameras(self: &Rc<Self>) {
        if self.state.get() == SensorState::WaitingForCamera && !is_document_hidden() {
            let shared = self.clone();
            spawn_local(async move { shared.open_cameras().await });
        }
    }

    fn on_device_change(self: &Rc<Self>) {
        self.retry_cameras();
    }

    fn on_visibility_change(self: &Rc<Self>) {
        let hidden = is_document_hidden();
        match self.state.get() {
            SensorState::Running | SensorState::Starting | SensorState::WaitingForCamera
                if hidden =>
            {
                self.close_cameras();
                self.post_to_worker(&type_message("pause"));
                self.set_state(SensorState::Hidden);
                self.request_flush();
            }
            SensorState::Hidden if !hidden => {
                let shared = self.clone();
                spawn_local(async move { shared.open_cameras().await });
            }
            _ => {}
        }
    }

    /// Runs for each new video frame of camera `index`. It sends the frame to the
    /// worker unless the worker is still busy with this camera or the frame rate
    /// limit is reached, then requests the next frame.
    fn on_video_frame(self: &Rc<Self>, index: usize) {
        let feeds = self.feeds.borrow();
        let Some(feed) = feeds.get(index).and_then(Option::as_ref) else {
            return;
        };
        feed.fired();
        let interval = self.config.min_frame_interval_ms();
        let ready = self.worker.borrow().as_ref().is_some_and(|link| link.ready);
        if self.state.get() != SensorState::Running || !ready {
            feed.arm(interval);
            return;
        }

        let now = js_sys::Date::now();
        let busy = self.in_flight.borrow().get(index).copied().unwrap_or(true);
        let too_soon = self
            .last_sent_ms
            .borrow()
            .get(index)
            .is_some_and(|last| now - last < interval);
        if busy || too_soon {
            if busy {
                self.stats.borrow_mut().frames_skipped += 1;
            }
            feed.arm(interval);
            return;
        }

        self.in_flight.borrow_mut()[index] = true;
        self.last_sent_ms.borrow_mut()[index] = now;
        let capture = match video_frame_of(feed.video()) {
            Some(frame) => Ok(Capture::Frame(frame)),
            None => web_sys::window()
                .ok_or_else(|| JsValue::from_str("no window"))
                .and_then(|window| window.create_image_bitmap_with_html_video_element(feed.video()))
                .map(Capture::Bitmap),
        };
        feed.arm(interval);
        drop(feeds);

        let shared = self.clone();
        spawn_local(async move {
            let sent = match capture {
                Ok(Capture::Frame(frame)) => shared.post_frame(index, "frame", frame, now),
                Ok(Capture::Bitmap(bitmap)) => match JsFuture::from(bitmap).await {
                    Ok(bitmap) => shared.post_frame(index, "bitmap", bitmap, now),
                    Err(error) => Err(error),
                },
                Err(error) => Err(error),
            };
            if let Err(error) = sent {
                // The video may not have a frame yet right after opening.
                log::debug!("frame capture failed: {error:?}");
                if let Some(busy) = shared.in_flight.borrow_mut().get_mut(index) {
                    *busy = false;
                }
            }
        });
    }

    /// Transfers `image`, a `VideoFrame` (`kind` "frame") or an `ImageBitmap`
    /// ("bitmap"), to the worker as a frame of `camera`. An image that is not
    /// transferred is closed here, so no error path keeps its pixels alive.
    fn post_frame(
        &self,
        camera: usize,
        kind: &str,
        image: JsValue,
        timestamp_ms: f64,
    ) -> Result<(), JsValue> {
        let sent = self.transfer_frame(camera, kind, &image, timestamp_ms);
        if sent.is_err() {
            close_image(&image);
        }
        sent
    }

    fn transfer_frame(
        &self,
        camera: usize,
        kind: &str,
        image: &JsValue,
        timestamp_ms: f64,
    ) -> Result<(), JsValue> {
        let worker = self.worker.borrow();
        let link = worker
            .as_ref()
            .ok_or_else(|| JsValue::from_str("the worker has ended"))?;
        let message = js_sys::Object::new();
        Reflect::set(&message, &"type".into(), &"frame".into())?;
        Reflect::set(&message, &"camera".into(), &JsValue::from(camera as u32))?;
        Reflect::set(
            &message,
            &"timestampMs".into(),
            &JsValue::from(timestamp_ms),
        )?;
        Reflect::set(&message, &kind.into(), image)?;
        link.worker
            .post_message_with_transfer(&message, &Array::of1(image))
    }

    fn start_bucket_tick(self: &Rc<Self>) {
        let callback = closure(&Rc::downgrade(self), |shared| {
            shared.post_to_worker(&now_message("tick"));
        });
        if let Some(window) = web_sys::window() {
            if let Ok(handle) = window.set_interval_with_callback_and_timeout_and_arguments_0(
                as_function(&callback),
                BUCKET_TICK_MS,
            ) {
                self.timers.borrow_mut().bucket_tick = Some((handle, callback));
            }
        }
    }

    /// Requests the current bucket's report from the worker without waiting.
    // NOTE: until a bucket closes or is flushed, its counts exist only in the
    // worker's memory, so a crash of the tab loses the current bucket's counts.
    fn request_flush(&self) {
        self.post_to_worker(&now_message("flush"));
    }

    fn enqueue_reports(self: &Rc<Self>, reports: Vec<FinishedReport>) {
        if reports.is_empty() {
            return;
        }
        let shared = self.clone();
        spawn_local(async move {
            shared.put_reports(reports).await;
            shared.kick_delivery();
        });
    }

    async fn put_reports(&self, reports: Vec<FinishedReport>) {
        let queue = self.queue.borrow().clone();
        for report in reports {
            let detail = ReportDetail {
                report_id: &report.report_id,
                body: &report.body,
            };
            let queued = QueuedReport::new(
                report.report_id.clone(),
                report.body.clone(),
                js_sys::Date::now(),
            );
            match &queue {
                Some(queue) => {
                    if let Err(error) = queue.put(&queued).await {
                        self.report_error(ErrorCode::Queue, &error.to_string());
                        continue;
                    }
                }
                None => {
                    self.report_error(
                        ErrorCode::Queue,
                        &format!("no queue is open, so report {} is lost", report.report_id),
                    );
                    continue;
                }
            }
            self.stats.borrow_mut().reports_queued += 1;
            events::dispatch(&self.events, name::REPORT_QUEUED, &detail);
        }
    }

    /// Starts a delivery round unless one is running. A running round then makes
    /// one more pass, so a report queued meanwhile does not wait for a timer.
    fn kick_delivery(self: &Rc<Self>) {
        if self.delivering.get() {
            self.deliver_again.set(true);
            return;
        }
        self.delivering.set(true);
        let shared = self.clone();
        spawn_local(async move {
            loop {
                shared.deliver_due().await;
                if !shared.deliver_again.replace(false) {
                    break;
                }
            }
            shared.delivering.set(false);
        });
    }

    async fn deliver_due(self: &Rc<Self>) {
        let Some(queue) = self.queue.borrow().clone() else {
            return;
        };
        let reports = match queue.all().await {
            Ok(reports) => reports,
            Err(error) => {
                self.report_error(ErrorCode::Queue, &error.to_string());
                return;
            }
        };

        let mut next_attempt: Option<f64> = None;
        let mut pending = 0;
        for mut report in reports {
            if report.rejected {
                continue;
            }
            let now = js_sys::Date::now();
            if !report.is_due(now) {
                pending += 1;
                next_attempt = Some(next_attempt.map_or(report.next_attempt_ms, |at: f64| {
                    at.min(report.next_attempt_ms)
                }));
                continue;
            }
            let outcome = delivery::send_report(
                &self.config.collector_url,
                &self.config.station_token,
                &report.body,
            )
            .await;
            let result = match outcome {
                Outcome::Accepted => {
                    let removed = queue.remove(&report.report_id).await;
                    if removed.is_ok() {
                        self.stats.borrow_mut().reports_sent += 1;
                        let detail = ReportDetail {
                            report_id: &report.report_id,
                            body: &report.body,
                        };
                        events::dispatch(&self.events, name::REPORT_SENT, &detail);
                    }
                    removed
                }
                Outcome::Rejected { status } => {
                    self.report_error(
                        ErrorCode::DeliveryRejected,
                        &format!(
                            "the collector rejected report {} with HTTP {status}",
                            report.report_id
                        ),
                    );
                    report.rejected = true;
                    queue.put(&report).await
                }
                Outcome::Unauthorized { status } => {
                    self.report_error(
                        ErrorCode::Unauthorized,
                        &format!(
                            "the collector answered HTTP {status} to report {}",
                            report.report_id
                        ),
                    );
                    report.record_failure(now, js_sys::Math::random());
                    pending += 1;
                    next_attempt = Some(next_attempt.map_or(report.next_attempt_ms, |at: f64| {
                        at.min(report.next_attempt_ms)
                    }));
                    queue.put(&report).await
                }
                Outcome::Retry { reason } => {
                    report.record_failure(now, js_sys::Math::random());
                    log::warn!(
                        "delivery of report {} failed ({reason}); attempt {} is due in {:.0} s",
                        report.report_id,
                        report.attempts + 1,
                        (report.next_attempt_ms - now) / 1000.0
                    );
                    pending += 1;
                    next_attempt = Some(next_attempt.map_or(report.next_attempt_ms, |at: f64| {
                        at.min(report.next_attempt_ms)
                    }));
                    queue.put(&report).await
                }
            };
            if let Err(error) = result {
                self.report_error(ErrorCode::Queue, &error.to_string());
            }
        }
        self.stats.borrow_mut().reports_pending = pending;
        self.schedule_delivery(next_attempt);
    }

    fn schedule_delivery(self: &Rc<Self>, at_ms: Option<f64>) {
        let mut timers = self.timers.borrow_mut();
        Timers::clear(&mut timers.delivery);
        let Some(at_ms) = at_ms else {
            return;
        };
        if self.state.get() == SensorState::Stopped {
            return;
        }
        let delay = (at_ms - js_sys::Date::now()).clamp(0.0, f64::from(i32::MAX)) as i32;
        let callback = closure(&Rc::downgrade(self), |shared| shared.kick_delivery());
        if let Some(window) = web_sys::window() {
            if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                as_function(&callback),
                delay,
            ) {
                timers.delivery = Some((handle, callback));
            }
        }
    }

    async fn stop(self: &Rc<Self>) {
        if matches!(self.state.get(), SensorState::Stopped) {
            return;
        }
        self.close_cameras();
        *self.page.borrow_mut() = None;

        let has_worker = self.worker.borrow().as_ref().is_some_and(|link| link.ready);
        if has_worker {
            let flushed = Promise::new(&mut |resolve, _reject| {
                *self.flush_waiter.borrow_mut() = Some(resolve.clone());
                if let Some(window) = web_sys::window() {
                    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_1(
                        &resolve,
                        FLUSH_TIMEOUT_MS,
                        &JsValue::FALSE,
                    );
                }
            });
            self.request_flush();
            if JsFuture::from(flushed)
                .await
                .ok()
                .and_then(|done| done.as_bool())
                != Some(true)
            {
                log::warn!(
                    "the worker did not hand over the last bucket within {FLUSH_TIMEOUT_MS} ms"
                );
            }
        }
        *self.worker.borrow_mut() = None;
        self.set_state(SensorState::Stopped);

        while self.delivering.get() {
            sleep_ms(50).await;
        }
        self.deliver_due().await;
        self.timers.borrow_mut().clear_all();
        if let Some(queue) = self.queue.borrow_mut().take() {
            queue.close();
        }
        super::hooks::unregister_event_target(&self.events);
    }
}

impl Drop for SmileSensor {
    fn drop(&mut self) {
        self.shared.close_cameras();
        *self.shared.page.borrow_mut() = None;
        *self.shared.worker.borrow_mut() = None;
        self.shared.timers.borrow_mut().clear_all();
    }
}

fn consent_message(consent: bool) -> JsValue {
    let message = js_sys::Object::new();
    let _ = Reflect::set(&message, &"type".into(), &"consent".into());
    let _ = Reflect::set(&message, &"employee".into(), &JsValue::from_bool(consent));
    message.into()
}

fn type_message(kind: &str) -> JsValue {
    let message = js_sys::Object::new();
    let _ = Reflect::set(&message, &"type".into(), &JsValue::from_str(kind));
    message.into()
}

fn now_message(kind: &str) -> JsValue {
    let message = js_sys::Object::new();
    let _ = Reflect::set(&message, &"type".into(), &JsValue::from_str(kind));
    let _ = Reflect::set(
        &message,
        &"nowMs".into(),
        &JsValue::from(js_sys::Date::now()),
    );
    message.into()
}

fn is_document_hidden() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .is_some_and(|document| document.visibility_state() == VisibilityState::Hidden)
}

/// Resolves `url` against the page's address, so the worker gets the same file
/// whatever its own location.
fn absolute_url(url: &str) -> Result<String, JsValue> {
    let base = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.base_uri().ok().flatten())
        .ok_or_else(|| JsValue::from_str("the page has no base URL"))?;
    let resolved = web_sys::Url::new_with_base(url, &base)?;
    Ok(resolved.href())
}

async fn sleep_ms(milliseconds: i32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// A camera frame taken for the worker.
enum Capture {
    /// A `VideoFrame`, ready to transfer.
    Frame(JsValue),
    /// The promise of an `ImageBitmap`, where `VideoFrame` is missing.
    Bitmap(Promise),
}

/// Wraps the current frame of `video` in a `VideoFrame`, which the worker copies as
/// RGBX faster than a bitmap is drawn and read back. `None` where the browser has no
/// `VideoFrame` or cannot wrap the video yet; the caller then takes an `ImageBitmap`.
// NOTE: reached through `Reflect` because web-sys marks WebCodecs unstable.
fn video_frame_of(video: &web_sys::HtmlVideoElement) -> Option<JsValue> {
    let constructor = Reflect::get(&js_sys::global(), &"VideoFrame".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    Reflect::construct(&constructor, &Array::of1(video)).ok()
}

/// Releases a `VideoFrame` or `ImageBitmap` that was not transferred.
fn close_image(image: &JsValue) {
    if let Ok(close) = Reflect::get(image, &"close".into()) {
        if let Some(close) = close.dyn_ref::<js_sys::Function>() {
            let _ = close.call0(image);
        }
    }
}
