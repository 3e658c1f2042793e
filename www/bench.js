// The benchmark page. It runs the sensor on the camera, with the inference worker
// of bench-worker.js, and shows per-stage time per frame, faces per frame, cold
// start (navigation start to the first frame with a scored face) and memory
// samples. Then it times each model under this build (tract in wasm) and under
// onnxruntime-web (wasm backend, one thread, no proxy worker) on the same input
// tensors, in this page's main thread, one runtime after the other per iteration.
//
// URL: bench.html?seconds=20&warmup=3&memoryMinutes=0&sampleSeconds=30&models=1&iterations=100
// followed by the fragment of the kiosk URL the collector prints
// (#station=NAME&token=TOKEN). scripts/bench-browser.sh opens it in headless
// Chromium and reads window.benchResult once document.body.dataset.state is
// "done" or "failed".

import init, { ModelTimer, SmileSensor } from "./pkg/smile_sensor.js";
import { otherLanguage, preferredLanguage, saveLanguage, t, translate } from "./i18n.js";

// The channel bench-worker.js posts frame records and memory samples to.
const BENCH_CHANNEL = "smile-sensor-bench";
const MODEL_FILES = ["face_detection_short_range.onnx", "smile_scorer.onnx"];
// Folder of the onnxruntime-web files that scripts/bench-browser.sh copies (git-ignored).
const ORT_FOLDER = "vendor/onnxruntime-web/";
// Runs of each model per runtime before timing starts: the first runs allocate.
const WARMUP_RUNS = 5;
// Maximum wait for the first scored face and for a worker memory sample.
const FIRST_FACE_TIMEOUT_MS = 120_000;
const MEMORY_SAMPLE_TIMEOUT_MS = 5_000;

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let language = preferredLanguage();

function readParameters() {
  const query = new URLSearchParams(location.search);
  const number = (name, fallback) => {
    const text = query.get(name) ?? String(fallback);
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`invalid ${name}=${text}: expected a number of at least 0`);
    }
    return value;
  };
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (!fragment.has("station") || !fragment.has("token")) {
    throw new Error("missing #station=NAME&token=TOKEN: append the fragment of the kiosk URL the collector prints");
  }
  return {
    stationId: fragment.get("station"),
    stationToken: fragment.get("token"),
    seconds: number("seconds", 20),
    warmupSeconds: number("warmup", 3),
    memoryMinutes: number("memoryMinutes", 0),
    sampleSeconds: Math.max(1, number("sampleSeconds", 30)),
    compareModels: query.get("models") !== "0",
    iterations: Math.max(1, number("iterations", 100)),
  };
}

// Returns the mean, the median and the 95th percentile (nearest rank) of `values`.
function summarize(values) {
  if (values.length === 0) {
    return { mean: null, median: null, p95: null, count: 0 };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const median = sorted[Math.ceil(0.5 * sorted.length) - 1];
  const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
  return { mean, median, p95, count: sorted.length };
}

// Summarises the frame records. Every timing field whose name ends in "Ms" is a
// stage in milliseconds. Any other field is a 0 or 1 count per frame, such as
// `detectorRuns`, so its mean is the fraction of frames where it was 1.
function summarizeFrames(frames) {
  const stages = {};
  const fractions = {};
  for (const key of Object.keys(frames[0]?.timings ?? {})) {
    const values = frames.map((frame) => Number(frame.timings[key]));
    if (key.endsWith("Ms")) {
      stages[key] = summarize(values);
    } else {
      fractions[key] = summarize(values).mean;
    }
  }
  return {
    frames: frames.length,
    facesPerFrame: summarize(frames.map((frame) => frame.faces)).mean,
    stages,
    fractions,
  };
}

// Listens to bench-worker.js: frame records while `recording` is set, memory
// samples on request. Outside recording it keeps nothing per frame, so that the
// memory run measures the sensor and not this page's records.
class WorkerChannel {
  constructor() {
    this.frames = [];
    this.recording = false;
    this.firstFaceMs = null;
    this.memoryWaiter = null;
    this.channel = new BroadcastChannel(BENCH_CHANNEL);
    this.channel.addEventListener("message", (event) => this.receive(event.data));
  }

  receive(message) {
    if (message?.type === "frame") {
      const sinceNavigationMs = message.atEpochMs - performance.timeOrigin;
      if (this.firstFaceMs === null && message.faces > 0) {
        this.firstFaceMs = sinceNavigationMs;
      }
      if (this.recording) {
        this.frames.push({ faces: message.faces, timings: message.timings });
      }
    } else if (message?.type === "memory") {
      this.memoryWaiter?.(message);
    }
  }

  sampleWorkerMemory() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the inference worker sent no memory sample within ${MEMORY_SAMPLE_TIMEOUT_MS} ms`)),
        MEMORY_SAMPLE_TIMEOUT_MS,
      );
      this.memoryWaiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
      this.channel.postMessage({ type: "sample-memory" });
    });
  }

  close() {
    this.channel.close();
  }
}

async function sampleMemory(channel, pageWasm, startedMs) {
  const worker = await channel.sampleWorkerMemory();
  // gc() exists when Chromium runs with --js-flags=--expose-gc.
  globalThis.gc?.();
  return {
    elapsedSeconds: (performance.now() - startedMs) / 1000,
    pageJsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
    pageWasmBytes: pageWasm.memory.buffer.byteLength,
    workerWasmBytes: worker.wasmBytes,
  };
}

// Runs the sensor for the warm-up, records `seconds` of frames, then with
// `memoryMinutes` keeps it running that long, sampling memory at the start, every
// `sampleSeconds` and at the end. Frames of the warm-up are left out.
async function measureSensor(parameters, pageWasm) {
  const channel = new WorkerChannel();
  const errors = [];
  const sensor = new SmileSensor({
    collectorUrl: location.origin,
    stationId: parameters.stationId,
    stationToken: parameters.stationToken,
    language,
    maxFramesPerSecond: 30,
    workerUrl: "bench-worker.js",
  });
  sensor.addEventListener("error", (event) => errors.push(event.detail));
  await sensor.start();

  const waitStarted = performance.now();
  while (channel.firstFaceMs === null) {
    if (performance.now() - waitStarted > FIRST_FACE_TIMEOUT_MS || errors.length > 0) {
      await sensor.stop();
      channel.close();
      throw new Error(`no face was scored within ${FIRST_FACE_TIMEOUT_MS} ms: ${JSON.stringify(errors)}`);
    }
    await sleep(50);
  }
  await sleep(parameters.warmupSeconds * 1000);

  const statsAtStart = sensor.stats();
  const recordedMs = performance.now();
  channel.recording = true;
  await sleep(parameters.seconds * 1000);
  channel.recording = false;
  const statsAfterRecording = sensor.stats();
  const seconds = (performance.now() - recordedMs) / 1000;

  const startedMs = performance.now();
  const memory = [await sampleMemory(channel, pageWasm, startedMs)];
  const endMs = startedMs + parameters.memoryMinutes * 60_000;
  while (performance.now() < endMs) {
    await sleep(Math.min(parameters.sampleSeconds * 1000, endMs - performance.now()));
    memory.push(await sampleMemory(channel, pageWasm, startedMs));
    showStatus(t(language, "bench.status.running"), Math.round((performance.now() - startedMs) / 1000));
  }
  const statsAtEnd = sensor.stats();
  await sensor.stop();
  channel.close();

  return {
    coldStartMs: channel.firstFaceMs,
    modelLoadMs: statsAtEnd.modelLoadMs,
    seconds,
    framesSkipped: statsAfterRecording.framesSkipped - statsAtStart.framesSkipped,
    ...summarizeFrames(channel.frames),
    memory,
    memoryRun: {
      framesAnalyzed: statsAtEnd.framesAnalyzed - statsAfterRecording.framesAnalyzed,
      framesSkipped: statsAtEnd.framesSkipped - statsAfterRecording.framesSkipped,
    },
    errors,
  };
}

// Returns `count` values in [0, 1) from a fixed seed (mulberry32), so every run
// and both runtimes get the same input.
function seededValues(count, seed = 20261204) {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    values[index] = ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  }
  return values;
}

async function loadOnnxRuntime() {
  let ort;
  try {
    ort = await import(`./${ORT_FOLDER}ort.wasm.min.mjs`);
  } catch (error) {
    throw new Error(`onnxruntime-web is missing from www/${ORT_FOLDER} (${error.message}). Run scripts/bench-browser.sh, which installs it.`);
  }
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = new URL(ORT_FOLDER, location.href).href;
  return ort;
}

// Times one model under both runtimes on one seeded input tensor, alternating
// one run of each per iteration so that load changes on the machine hit both.
async function compareModel(ort, file, iterations) {
  const response = await fetch(`models/${file}`);
  if (!response.ok) {
    throw new Error(`fetching models/${file} failed with HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const inputName = session.inputNames[0];
  // A symbolic dimension (a free batch size) is fixed to 1, as the sensor does.
  const shape = session.inputMetadata[0].shape.map((dim) => (typeof dim === "number" ? dim : 1));
  const input = seededValues(shape.reduce((product, dim) => product * dim, 1));
  const timer = new ModelTimer(bytes, Uint32Array.from(shape), session.outputNames.length);

  const runOurs = () => timer.run(input);
  const runTheirs = async () => {
    const outputs = await session.run({ [inputName]: new ort.Tensor("float32", input, shape) });
    return session.outputNames.flatMap((name) => Array.from(outputs[name].data));
  };
  for (let run = 0; run < WARMUP_RUNS; run += 1) {
    runOurs();
    await runTheirs();
  }
  const oursMs = [];
  const theirsMs = [];
  let oursOutput = null;
  let theirsOutput = null;
  for (let run = 0; run < iterations; run += 1) {
    let started = performance.now();
    oursOutput = runOurs();
    oursMs.push(performance.now() - started);
    started = performance.now();
    theirsOutput = await runTheirs();
    theirsMs.push(performance.now() - started);
  }
  // Time per tract operator, summed over the nodes that run it. The browser's
  // clock ticks in 0.1 ms or coarser, so only means over many runs are usable.
  const operatorMs = {};
  for (const node of timer.profile(input, iterations, () => performance.now())) {
    operatorMs[node.op] = (operatorMs[node.op] ?? 0) + node.meanMs;
  }
  await session.release();
  timer.free();

  let largestDifference = 0;
  for (let index = 0; index < oursOutput.length; index += 1) {
    largestDifference = Math.max(largestDifference, Math.abs(oursOutput[index] - theirsOutput[index]));
  }
  const ours = summarize(oursMs);
  const theirs = summarize(theirsMs);
  return {
    file,
    inputShape: shape,
    bytes: bytes.length,
    ours,
    onnxruntimeWeb: theirs,
    // Medians, because other processes on a shared machine stretch single runs.
    ratio: theirs.median / ours.median,
    outputValues: oursOutput.length,
    sameOutputLength: oursOutput.length === theirsOutput.length,
    largestDifference,
    operatorMs,
  };
}

async function compareModels(iterations) {
  const ort = await loadOnnxRuntime();
  const models = [];
  for (const file of MODEL_FILES) {
    showStatus(t(language, "bench.status.models"), file);
    models.push(await compareModel(ort, file, iterations));
  }
  return { onnxruntimeWebVersion: ort.env.versions?.web ?? null, iterations, models };
}

function showStatus(text, detail = "") {
  $("bench-status").textContent = detail === "" ? text : `${text} ${detail}`;
}

const format = (value, digits = 2) => (value === null || value === undefined ? "–" : value.toFixed(digits));

function addRow(body, cells) {
  const row = body.insertRow();
  for (const cell of cells) {
    row.insertCell().textContent = String(cell);
  }
}

function render(result) {
  const sensor = result.sensor;
  if (sensor) {
    const fractions = Object.entries(sensor.fractions)
      .map(([key, fraction]) => `${t(language, `bench.fraction.${key}`)}: ${format(fraction * 100, 0)}%`)
      .join(", ");
    $("frames-summary").textContent = [
      `${t(language, "bench.frames")}: ${sensor.frames} (${format(sensor.frames / sensor.seconds, 1)}/s)`,
      `${t(language, "bench.skipped")}: ${sensor.framesSkipped}`,
      `${t(language, "bench.faces")}: ${format(sensor.facesPerFrame)}`,
      `${t(language, "bench.coldStart")}: ${format(sensor.coldStartMs, 0)} ms`,
      fractions,
    ]
      .filter((part) => part !== "")
      .join("; ");
    $("stage-rows").replaceChildren();
    for (const [key, stage] of Object.entries(sensor.stages)) {
      addRow($("stage-rows"), [t(language, `bench.stage.${key}`), format(stage.mean), format(stage.p95)]);
    }
    $("memory-rows").replaceChildren();
    for (const sample of sensor.memory) {
      addRow($("memory-rows"), [
        format(sample.elapsedSeconds, 0),
        sample.pageJsHeapBytes ?? "–",
        sample.pageWasmBytes,
        sample.workerWasmBytes,
      ]);
    }
  }
  $("model-rows").replaceChildren();
  for (const model of result.models?.models ?? []) {
    addRow($("model-rows"), [
      model.file,
      format(model.ours.median),
      format(model.onnxruntimeWeb.median),
      format(model.ratio),
      model.largestDifference.toExponential(1),
    ]);
  }
}

function renderAll(result) {
  translate(document, language);
  render(result);
  if (result.error) {
    showStatus(t(language, "bench.status.failed"), result.error);
  } else if (document.body.dataset.state === "done") {
    showStatus(t(language, "bench.status.done"));
  }
}

async function main() {
  const result = { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency };
  window.benchResult = result;
  $("language-switch").addEventListener("click", () => {
    language = otherLanguage(language);
    saveLanguage(language);
    renderAll(result);
  });
  translate(document, language);
  try {
    const parameters = readParameters();
    result.parameters = { ...parameters, stationToken: undefined };
    const pageWasm = await init();
    showStatus(t(language, "bench.status.running"));
    result.sensor = await measureSensor(parameters, pageWasm);
    render(result);
    if (parameters.compareModels) {
      result.models = await compareModels(parameters.iterations);
    }
    document.body.dataset.state = "done";
  } catch (error) {
    result.error = String(error?.message ?? error);
    document.body.dataset.state = "failed";
  }
  renderAll(result);
}

main();
