//! Futures over IndexedDB requests, which report through `success` and `error`
//! events instead of promises.

use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbVersionChangeEvent};

/// Waits for `request` and returns its `result`, or the request's `error`.
///
/// The event handlers are removed once the request settles, so the closures are
/// dropped with the future and nothing leaks in a page that runs all day.
pub async fn settle(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let mut slots: Vec<Closure<dyn FnMut()>> = Vec::new();
    let promise = Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::<dyn FnMut()>::new(move || {
                let result = request.result().unwrap_or(JsValue::UNDEFINED);
                let _ = resolve.call1(&JsValue::NULL, &result);
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::<dyn FnMut()>::new(move || {
                let error = request
                    .error()
                    .ok()
                    .flatten()
                    .map(JsValue::from)
                    .unwrap_or_else(|| JsValue::from_str("IndexedDB request failed"));
                let _ = reject.call1(&JsValue::NULL, &error);
            })
        };
        request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        slots.extend([on_success, on_error]);
    });

    let outcome = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    drop(slots);
    outcome
}

/// Waits for an open request, running `upgrade` inside the `upgradeneeded` event
/// so that it may create object stores.
pub async fn open_with_upgrade(
    request: &IdbOpenDbRequest,
    upgrade: impl Fn(&IdbOpenDbRequest, &IdbVersionChangeEvent) + 'static,
) -> Result<JsValue, JsValue> {
    let on_upgrade = {
        let request = request.clone();
        Closure::<dyn FnMut(IdbVersionChangeEvent)>::new(move |event: IdbVersionChangeEvent| {
            upgrade(&request, &event)
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let outcome = settle(request).await;
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    outcome
}

/// Waits until `transaction` has committed, so that its writes survive a crash or
/// a reload from then on.
pub async fn committed(transaction: &IdbTransaction) -> Result<(), JsValue> {
    let mut slots: Vec<Closure<dyn FnMut()>> = Vec::new();
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::<dyn FnMut()>::new(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let on_failure = {
            let transaction = transaction.clone();
            Closure::<dyn FnMut()>::new(move || {
                let error = transaction
                    .error()
                    .map(JsValue::from)
                    .unwrap_or_else(|| JsValue::from_str("IndexedDB transaction aborted"));
                let _ = reject.call1(&JsValue::NULL, &error);
            })
        };
        transaction.set_oncomplete(Some(on_complete.as_ref().unchecked_ref()));
        transaction.set_onerror(Some(on_failure.as_ref().unchecked_ref()));
        transaction.set_onabort(Some(on_failure.as_ref().unchecked_ref()));
        slots.extend([on_complete, on_failure]);
    });

    let outcome = JsFuture::from(promise).await;
    transaction.set_oncomplete(None);
    transaction.set_onerror(None);
    transaction.set_onabort(None);
    drop(slots);
    outcome.map(drop)
}
