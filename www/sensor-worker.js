// Inference worker of the smile sensor: a module worker started by SmileSensor.
//
// It loads the same wasm package as the page and fetches the two ONNX models from the
// models folder the page names. Then it runs the face detector, the smile scorer and
// the sensor session on the VideoFrames (or, where VideoFrame is missing, the
// ImageBitmaps) the page transfers to it. Frames and scores stay here; the page
// receives counts, timings and finished report bodies only.
//
// Messages from the page: {type: "init", config}, {type: "consent", employee},
// {type: "frame", camera, timestampMs, frame} or {type: "frame", camera, timestampMs,
// bitmap}, {type: "pause"}, {type: "resume"},
// {type: "tick", nowMs} and {type: "flush", nowMs}. Answers: "ready", "analyzed", "reports", "flushed" and
// "error" (see src/wasm/protocol.rs).

import init, { InferenceWorker } from "./pkg/smile_sensor.js";

const DETECTOR_FILE = "face_detection_short_range.onnx";
const SCORER_FILE = "smile_scorer.onnx";

// Options of VideoFrame.copyTo: RGBX pixels in sRGB, tightly packed.
const RGBX = { format: "RGBX", colorSpace: "srgb" };

let analyzer = null;
let employeeConsent = false;
// One reused RGBX buffer per camera, so two cameras' copies never share one.
const rgbxBuffers = new Map();
// Set when this browser's VideoFrame cannot convert to RGBX; frames then go through
// an ImageBitmap.
let rgbxUnsupported = false;
const waiting = [];

self.addEventListener("message", (event) => {
  if (analyzer === null && event.data?.type !== "init") {
    waiting.push(event.data);
    return;
  }
  handle(event.data);
});

function postError(code, error) {
  self.postMessage({ type: "error", code, message: String(error?.message ?? error) });
}

async function fetchModel(baseUrl, file) {
  const response = await fetch(new URL(file, baseUrl), { credentials: "omit" });
  if (!response.ok) {
    throw new Error(`fetching model ${file} failed with HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function load(config) {
  const started = performance.now();
  try {
    // The models download while the module compiles: `init` streams the wasm file
    // into `WebAssembly.instantiateStreaming`.
    const [, detector, scorer] = await Promise.all([
      init({ module_or_path: new URL("./pkg/smile_sensor_bg.wasm", import.meta.url) }),
      fetchModel(config.modelsUrl, DETECTOR_FILE),
      fetchModel(config.modelsUrl, SCORER_FILE),
    ]);
    analyzer = new InferenceWorker(detector, scorer, config);
  } catch (error) {
    postError("model-load", error);
    return;
  }
  analyzer.setEmployeeConsent(employeeConsent);
  self.postMessage({ type: "ready", loadMs: performance.now() - started });
  for (const message of waiting.splice(0)) {
    handle(message);
  }
}

function handle(message) {
  switch (message?.type) {
    case "init":
      load(message.config);
      break;
    case "consent":
      employeeConsent = Boolean(message.employee);
      analyzer?.setEmployeeConsent(employeeConsent);
      break;
    case "pause":
      analyzer.pause();
      break;
    case "resume":
      analyzer.resume();
      break;
    case "frame":
      analyze(message);
      break;
    case "tick":
      postReports("reports", message.nowMs, false);
      break;
    case "flush":
      postReports("flushed", message.nowMs, true);
      break;
    default:
      postError("inference", `unknown message type ${JSON.stringify(message?.type)}`);
  }
}

async function analyze({ camera, timestampMs, frame, bitmap }) {
  try {
    const result = frame
      ? await analyzeVideoFrame(frame, camera, timestampMs)
      : analyzer.analyze(bitmap, camera, timestampMs);
    self.postMessage({ type: "analyzed", camera, ...result });
  } catch (error) {
    postError("inference", error);
  } finally {
    frame?.close();
    bitmap?.close();
  }
  postReports("reports", timestampMs, false);
}

// Copies the frame's pixels as RGBX into the camera's buffer and analyses them, or
// falls back to an ImageBitmap where the conversion is not supported. For a 640x480
// camera frame in headless Chromium 156 the copy took 0.6 ms, and drawing a bitmap
// to a canvas and reading it back took 2.3 ms.
async function analyzeVideoFrame(frame, camera, timestampMs) {
  const { width, height } = frame.visibleRect;
  if (!rgbxUnsupported) {
    let pixels = null;
    const copyStarted = performance.now();
    try {
      const size = frame.allocationSize(RGBX);
      // A browser that ignores the format option sizes the frame's own layout
      // (I420 takes 1.5 bytes per pixel) instead of throwing.
      if (size !== width * height * 4) {
        throw new DOMException(`RGBX copy would take ${size} bytes`, "NotSupportedError");
      }
      pixels = rgbxBuffers.get(camera);
      if (pixels?.length !== size) {
        pixels = new Uint8Array(size);
        rgbxBuffers.set(camera, pixels);
      }
      await frame.copyTo(pixels, RGBX);
    } catch (error) {
      if (error?.name !== "NotSupportedError") {
        throw error;
      }
      console.info(`smile sensor: copying frames as RGBX is not supported (${error.message}); using ImageBitmap`);
      rgbxUnsupported = true;
      pixels = null;
    }
    if (pixels !== null) {
      return analyzer.analyzeRgbx(pixels, width, height, camera, timestampMs, copyStarted);
    }
  }
  const bitmap = await createImageBitmap(frame);
  try {
    return analyzer.analyze(bitmap, camera, timestampMs);
  } finally {
    bitmap.close();
  }
}

function postReports(type, nowMs, flush) {
  try {
    const reports = analyzer.takeReports(nowMs, flush);
    if (reports.length > 0 || type === "flushed") {
      self.postMessage({ type, reports });
    }
  } catch (error) {
    postError("inference", error);
    if (type === "flushed") {
      self.postMessage({ type, reports: [] });
    }
  }
}
