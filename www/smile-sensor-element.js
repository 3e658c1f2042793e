// <smile-sensor>: a custom element that runs a SmileSensor inside an intranet page.
//
//   <script type="module" src="/smile-sensor/smile-sensor-element.js"></script>
//   <smile-sensor collector-url="https://collector.example" station-id="desk-01"
//                 station-token="..." roles="client employee" lang="pl"></smile-sensor>
//
// Attributes: collector-url (default: this page's origin), station-id,
// station-token, roles ("client", or "client employee" for a second camera whose
// device is chosen by employee-camera), client-camera and employee-camera (device
// ids), bucket-minutes, lang ("pl" or "en"; default from the browser). Changing an
// attribute restarts the sensor.
//
// Events: smile, interaction, reportqueued, reportsent, statechange and error,
// re-dispatched from the element with bubbles and composed set, so a listener on
// any ancestor receives them. Removing the element stops the sensor, releases the
// cameras and removes every listener. Employee smiles are counted only after the
// page calls element.setEmployeeConsent(true).
//
// The wasm package, the worker, the models and the element's stylesheet are loaded
// from the folder of this script, so the element works on any page of the origin
// that serves that folder.

import init, { SmileSensor } from "./pkg/smile_sensor.js";
import { preferredLanguage, t } from "./i18n.js";

const SENSOR_EVENTS = ["smile", "interaction", "reportqueued", "reportsent", "statechange", "error"];
const BASE_URL = new URL(".", import.meta.url);

let wasmReady = null;

function loadWasm() {
  wasmReady ??= init({ module_or_path: new URL("pkg/smile_sensor_bg.wasm", BASE_URL) });
  return wasmReady;
}

export class SmileSensorElement extends HTMLElement {
  static observedAttributes = [
    "collector-url",
    "station-id",
    "station-token",
    "roles",
    "client-camera",
    "employee-camera",
    "bucket-minutes",
    "lang",
  ];

  #sensor = null;
  #forwarders = new Map();
  #employeeConsent = false;
  #clientSmiles = 0;
  #generation = 0;
  #parts = null;
  #onPauseClick = () => this.#togglePause();

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    const stylesheet = document.createElement("link");
    stylesheet.rel = "stylesheet";
    stylesheet.href = new URL("smile-sensor-element.css", BASE_URL).href;
    const indicator = document.createElement("p");
    indicator.className = "indicator";
    indicator.setAttribute("role", "status");
    const dot = document.createElement("span");
    dot.className = "dot";
    const cameraLabel = document.createElement("span");
    indicator.append(dot, cameraLabel);
    const countLabel = document.createElement("p");
    countLabel.className = "label";
    const count = document.createElement("p");
    count.className = "count";
    const status = document.createElement("p");
    status.className = "status";
    status.setAttribute("aria-live", "polite");
    const pause = document.createElement("button");
    pause.type = "button";
    root.append(stylesheet, indicator, countLabel, count, status, pause);
    this.#parts = { indicator, cameraLabel, countLabel, count, status, pause };
  }

  get language() {
    const lang = this.getAttribute("lang");
    return lang === "pl" || lang === "en" ? lang : preferredLanguage();
  }

  // The running SmileSensor, or null before it has started.
  get sensor() {
    return this.#sensor;
  }

  // Allows or forbids counting the employee's smiles; off until the page sets it.
  setEmployeeConsent(consent) {
    this.#employeeConsent = Boolean(consent);
    this.#sensor?.setEmployeeConsent(this.#employeeConsent);
  }

  connectedCallback() {
    this.#parts.pause.addEventListener("click", this.#onPauseClick);
    this.#restart();
  }

  disconnectedCallback() {
    this.#parts.pause.removeEventListener("click", this.#onPauseClick);
    this.#generation += 1;
    this.#release();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue !== newValue && this.isConnected) {
      this.#restart();
    }
  }

  #options() {
    const cameras = [{ role: "client", deviceId: this.getAttribute("client-camera") || undefined }];
    const roles = (this.getAttribute("roles") ?? "client").split(/\s+/).filter(Boolean);
    if (roles.includes("employee")) {
      cameras.push({ role: "employee", deviceId: this.getAttribute("employee-camera") || undefined });
    }
    const options = {
      collectorUrl: this.getAttribute("collector-url") || location.origin,
      stationId: this.getAttribute("station-id") ?? "",
      stationToken: this.getAttribute("station-token") ?? "",
      cameras,
      language: this.language,
      modelsUrl: new URL("models/", BASE_URL).href,
      workerUrl: new URL("sensor-worker.js", BASE_URL).href,
    };
    if (this.hasAttribute("bucket-minutes")) {
      options.bucketMinutes = Number(this.getAttribute("bucket-minutes"));
    }
    return options;
  }

  async #restart() {
    const generation = ++this.#generation;
    this.#release();
    this.#render();
    await loadWasm();
    if (generation !== this.#generation) {
      return;
    }
    let sensor;
    try {
      sensor = new SmileSensor(this.#options());
    } catch (error) {
      this.#parts.status.textContent = String(error.message ?? error);
      this.dispatchEvent(
        new CustomEvent("error", {
          bubbles: true,
          composed: true,
          detail: { code: "invalid-options", message: String(error.message ?? error) },
        }),
      );
      return;
    }
    this.#sensor = sensor;
    for (const type of SENSOR_EVENTS) {
      const forward = (event) => {
        if (type === "smile" && event.detail.role === "client") {
          this.#clientSmiles += 1;
        }
        this.#render();
        this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail: event.detail }));
      };
      sensor.addEventListener(type, forward);
      this.#forwarders.set(type, forward);
    }
    sensor.setEmployeeConsent(this.#employeeConsent);
    try {
      await sensor.start();
    } catch (error) {
      this.#parts.status.textContent = String(error.message ?? error);
    }
    this.#render();
  }

  // Stops the sensor and removes the listeners on it. The stop finishes in the
  // background: it hands the current bucket to the queue and tries one delivery.
  #release() {
    const sensor = this.#sensor;
    if (sensor === null) {
      return;
    }
    this.#sensor = null;
    for (const [type, forward] of this.#forwarders) {
      sensor.removeEventListener(type, forward);
    }
    this.#forwarders.clear();
    sensor.stop().finally(() => sensor.free());
  }

  async #togglePause() {
    if (this.#sensor === null) {
      return;
    }
    if (this.#sensor.state === "paused") {
      await this.#sensor.resume();
    } else {
      this.#sensor.pause();
    }
    this.#render();
  }

  #render() {
    const language = this.language;
    const active = this.#sensor?.cameraActive ?? false;
    const state = this.#sensor?.state ?? "idle";
    this.#parts.indicator.dataset.active = String(active);
    this.#parts.cameraLabel.textContent = t(language, active ? "camera.active" : "camera.off");
    this.#parts.countLabel.textContent = t(language, "element.smiles");
    this.#parts.count.textContent = String(this.#clientSmiles);
    this.#parts.status.textContent = t(language, `state.${state}`);
    this.#parts.pause.textContent = t(language, state === "paused" ? "resume" : "pause");
  }
}

if (!customElements.get("smile-sensor")) {
  customElements.define("smile-sensor", SmileSensorElement);
}
