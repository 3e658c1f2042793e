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
// The copy layout InferenceWorker.copyTarget takes for RGBX pixels.
const RGBX_LAYOUT = { format: "RGBX" };

let analyzer = null;
let employeeConsent = false;
// Per camera, the promise of its last frame's analysis. A frame waits for the one
// before it, because the page may send the next frame before this worker replies:
// the page clears its in-flight flags when the worker reports an error.
const analysisQueues = new Map();
// Whether this browser's VideoFrame.copyTo converts to RGBX; null until checked on
// the first frame. Without it, frames go through an ImageBitmap.
let rgbxSupported = null;
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
    case "frame": {
      const previous = analysisQueues.get(message.camera) ?? Promise.resolve();
      analysisQueues.set(message.camera, previous.then(() => analyze(message)));
      break;
    }
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

// Copies the frame's pixels into the camera's buffer in wasm memory and analyses
// them: an I420 frame as its own planes, any other as RGBX that the browser
// converts. It falls back to an ImageBitmap where RGBX conversion is not supported
// or the frame is rotated or flipped (copyTo ignores both, createImageBitmap
// applies them). For a 1280x720 frame in headless Chromium 156, copying the I420
// planes took 0.08 ms and converting to RGBX 1.0 ms. For 640x480, drawing a bitmap
// to a canvas and reading it back took 2.3 ms.
async function analyzeVideoFrame(frame, camera, timestampMs) {
  const { width, height } = frame.visibleRect;
  const upright = (frame.rotation ?? 0) === 0 && !frame.flip;
  if (upright) {
    const layout = i420Layout(frame) ?? ((rgbxSupported ??= await convertsToRgbx()) ? RGBX_LAYOUT : null);
    if (layout !== null) {
      const copyStarted = performance.now();
      await copyIntoWasm(frame, camera, width, height, layout);
      return analyzer.analyzeCopied(camera, timestampMs, copyStarted);
    }
  }
  const bitmap = await createImageBitmap(frame);
  try {
    return analyzer.analyze(bitmap, camera, timestampMs);
  } finally {
    bitmap.close();
  }
}

// The copy layout for a frame whose pixels are I420, or null when they are not or
// their colour matrix is one the sensor does not convert. A frame without a
// colour space is taken as BT.601 in limited range, the usual webcam encoding.
function i420Layout(frame) {
  const { x, y, width, height } = frame.visibleRect;
  if (frame.format !== "I420" || x % 2 !== 0 || y % 2 !== 0) {
    return null;
  }
  const chromaSize = Math.ceil(width / 2) * Math.ceil(height / 2);
  if (frame.allocationSize() !== width * height + 2 * chromaSize) {
    return null;
  }
  const { matrix, fullRange } = frame.colorSpace ?? {};
  const matrices = { smpte170m: "bt601", bt470bg: "bt601", bt709: "bt709" };
  const name = matrix == null ? "bt601" : matrices[matrix];
  return name === undefined ? null : { format: "I420", matrix: name, fullRange: fullRange ?? false };
}

// Copies the frame in `layout` straight into the camera's buffer in wasm memory.
// While the copy runs, another camera's frame may be analysed, and if that grows
// wasm memory the view is detached (byteLength 0) and the copy is lost, or copyTo
// rejects: copy again.
async function copyIntoWasm(frame, camera, width, height, layout) {
  const attempts = 3;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const target = analyzer.copyTarget(camera, width, height, layout);
    try {
      await (layout.format === "RGBX" ? frame.copyTo(target, RGBX) : frame.copyTo(target));
    } catch (error) {
      if (target.byteLength > 0) {
        throw error;
      }
    }
    if (target.byteLength > 0) {
      return;
    }
  }
  throw new Error(`copying a ${width}x${height} frame of camera ${camera} into wasm memory failed ${attempts} times because the memory grew during each copy`);
}

// Checks once that copyTo converts to RGBX: a browser that ignores the format
// option copies the frame's own layout, which has another size (I420) or another
// byte order (BGRX). Copying a 1x1 BGRX frame of known bytes detects both.
async function convertsToRgbx() {
  let probe = null;
  try {
    const blue = 10, green = 20, red = 30;
    probe = new VideoFrame(new Uint8Array([blue, green, red, 255]), {
      format: "BGRX",
      codedWidth: 1,
      codedHeight: 1,
      timestamp: 0,
    });
    if (probe.allocationSize(RGBX) !== 4) {
      return false;
    }
    const pixel = new Uint8Array(4);
    await probe.copyTo(pixel, RGBX);
    const converted = pixel[0] === red && pixel[1] === green && pixel[2] === blue;
    if (!converted) {
      console.info("smile sensor: VideoFrame.copyTo does not convert to RGBX; using ImageBitmap");
    }
    return converted;
  } catch (error) {
    console.info(`smile sensor: VideoFrame.copyTo to RGBX failed (${error?.message ?? error}); using ImageBitmap`);
    return false;
  } finally {
    probe?.close();
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
