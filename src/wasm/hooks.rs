//! The panic hook and the optional console logger.
//!
//! A panic in wasm leaves the module unusable, so the hook makes it visible: it
//! logs the panic to the console and dispatches an `error` event with code `panic`
//! on every live sensor of the page, or posts an error message from a worker.

use std::cell::RefCell;
use std::sync::Once;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, EventTarget};

use super::events::{self, name, ErrorCode, ErrorDetail};
use super::options::Language;

thread_local! {
    static EVENT_TARGETS: RefCell<Vec<EventTarget>> = const { RefCell::new(Vec::new()) };
}

static PANIC_HOOK: Once = Once::new();

/// Installs the panic hook once per module instance.
pub fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            let message = info.to_string();
            report_panic(&message);
        }));
    });
}

fn report_panic(message: &str) {
    let global = js_sys::global();
    if let Some(worker) = global.dyn_ref::<DedicatedWorkerGlobalScope>() {
        let detail = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&detail, &"type".into(), &"error".into());
        let _ = js_sys::Reflect::set(&detail, &"code".into(), &ErrorCode::Panic.as_str().into());
        let _ = js_sys::Reflect::set(&detail, &"message".into(), &message.into());
        let _ = worker.post_message(&detail);
        return;
    }
    // The panic may have happened while the list was borrowed; then the console
    // message above is all that can be done.
    let targets = EVENT_TARGETS.with(|targets| targets.try_borrow().map(|targets| targets.clone()));
    if let Ok(targets) = targets {
        let detail = ErrorDetail {
            code: ErrorCode::Panic.as_str(),
            message: ErrorCode::Panic.message(Language::English),
        };
        for target in targets {
            events::dispatch(&target, name::ERROR, &detail);
        }
    }
}

/// Adds a sensor's event target to those that hear about panics.
pub fn register_event_target(target: &EventTarget) {
    EVENT_TARGETS.with(|targets| targets.borrow_mut().push(target.clone()));
}

pub fn unregister_event_target(target: &EventTarget) {
    EVENT_TARGETS.with(|targets| {
        targets
            .borrow_mut()
            .retain(|registered| !js_sys::Object::is(registered, target))
    });
}

/// A `log` logger that writes to the browser console.
struct ConsoleLogger;

impl log::Log for ConsoleLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text = JsValue::from_str(&format!("[{}] {}", record.target(), record.args()));
        match record.level() {
            log::Level::Error => web_sys::console::error_1(&text),
            log::Level::Warn => web_sys::console::warn_1(&text),
            log::Level::Info => web_sys::console::info_1(&text),
            log::Level::Debug | log::Level::Trace => web_sys::console::debug_1(&text),
        }
    }

    fn flush(&self) {}
}

static CONSOLE_LOGGER: ConsoleLogger = ConsoleLogger;

/// Sends the library's log records at `level` ("error", "warn", "info", "debug" or
/// "trace") and above to the browser console. The library never installs a logger
/// by itself; a page calls this once if it wants the records. A second call only
/// changes the level.
#[wasm_bindgen(js_name = enableConsoleLogging)]
pub fn enable_console_logging(level: &str) -> Result<(), JsError> {
    let filter: log::LevelFilter = level.parse().map_err(|_| {
        JsError::new(&format!(
            "invalid log level {level:?}: expected \"error\", \"warn\", \"info\", \"debug\" or \"trace\""
        ))
    })?;
    // Setting the logger fails only when one is already set, which is fine.
    let _ = log::set_logger(&CONSOLE_LOGGER);
    log::set_max_level(filter);
    Ok(())
}
