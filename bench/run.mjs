// Runs the benchmark page (www/bench.html) in headless Chromium once per clip and
// writes one JSON file with every number, then prints a table. Called by
// scripts/bench-browser.sh, which builds the wasm package, installs
// onnxruntime-web and decompresses the source clips.
//
// Usage: node bench/run.mjs --collector BIN --workdir DIR --out FILE
//   --source 1=CLIP.y4m --source 2=CLIP.y4m [--seconds 20] [--rates 30]
//   [--memory-minutes 10] [--iterations 100]
// where the number before "=" is the number of faces in the clip.
// Each source clip is 640x480. The runner makes each variant (640x480 and
// 1280x720, at each rate) with ffmpeg in DIR just before its run and deletes it
// after, because a 10 s 1280x720 clip at 30 frames/s takes about 400 MB as Y4M.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

import { collectPageErrors, launchChromium, startCollector } from "../tests/e2e/browser-harness.mjs";

const STATION = "bench-desk";
const SIZES = [
  { label: "640x480", filter: null },
  { label: "1280x720", filter: "scale=-2:720,pad=1280:720:(ow-iw)/2:0" },
];
// The wasm package, its JavaScript, the worker and the models the sensor fetches.
const SENSOR_FILES = {
  wasm: ["pkg/smile_sensor_bg.wasm"],
  js: ["pkg/smile_sensor.js", "sensor-worker.js"],
  models: ["models/face_detection_short_range.onnx", "models/smile_scorer.onnx"],
};
// Performance targets of the sensor, checked on the results. MB is 10^6 bytes.
const TARGETS = {
  frameMs: 4,
  coldStartMs: 1500,
  transferBytes: 1_500_000,
  memoryGrowthBytes: 2_000_000,
};

function readOptions() {
  const { values } = parseArgs({
    options: {
      collector: { type: "string" },
      workdir: { type: "string" },
      out: { type: "string" },
      source: { type: "string", multiple: true },
      seconds: { type: "string", default: "20" },
      rates: { type: "string", default: "30" },
      "memory-minutes": { type: "string", default: "10" },
      iterations: { type: "string", default: "100" },
    },
  });
  for (const name of ["collector", "workdir", "out", "source"]) {
    if (values[name] === undefined) {
      throw new Error(`missing --${name}: run this through scripts/bench-browser.sh`);
    }
  }
  const sources = values.source.map((entry) => {
    const [faces, path] = entry.split("=");
    return { faces: Number(faces), path };
  });
  return {
    collector: values.collector,
    workdir: values.workdir,
    out: values.out,
    sources,
    seconds: Number(values.seconds),
    rates: values.rates.split(",").map(Number),
    memoryMinutes: Number(values["memory-minutes"]),
    iterations: Number(values.iterations),
  };
}

// Writes the variant of `source` at `size` and `rate` frames/s. To raise the rate
// ffmpeg repeats frames, as a 30 frames/s camera filming a slower scene would.
function makeClip(source, size, rate, workdir) {
  const path = join(workdir, `faces${source.faces}-${size.label}-${rate}fps.y4m`);
  const filters = [size.filter, `fps=${rate}`].filter(Boolean).join(",");
  const result = spawnSync(
    "ffmpeg",
    ["-loglevel", "error", "-y", "-i", source.path, "-vf", filters, "-pix_fmt", "yuv420p", path],
    { stdio: "inherit" },
  );
  if (result.status !== 0) {
    throw new Error(`ffmpeg failed to make ${path} from ${source.path} (exit ${result.status})`);
  }
  return path;
}

// Opens bench.html with `query` in a fresh headless Chromium whose fake camera
// plays `clip`, and returns window.benchResult.
async function runPage(origin, fragment, clip, query, timeoutMs) {
  const browser = await launchChromium(clip, ["--enable-precise-memory-info", "--js-flags=--expose-gc"]);
  try {
    const context = await browser.newContext({ locale: "en-GB" });
    const page = await context.newPage();
    const consoleErrors = collectPageErrors(page);
    await page.goto(`${origin}/bench.html?${new URLSearchParams(query)}#${fragment}`);
    await page.waitForFunction(() => document.body.dataset.state !== undefined, null, { timeout: timeoutMs });
    const result = await page.evaluate(() => window.benchResult);
    return { ...result, consoleErrors };
  } finally {
    await browser.close();
  }
}

function gzippedSize(path) {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

// Lists the kiosk page's own files: kiosk.html, the stylesheet, the icon and every
// module kiosk.js imports from www/, followed recursively (the wasm package is
// counted with the sensor).
function kioskFiles() {
  const files = new Set(["kiosk.html", "styles.css", "favicon.svg"]);
  const pending = ["kiosk.js"];
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file)) {
      continue;
    }
    files.add(file);
    for (const match of readFileSync(join("www", file), "utf8").matchAll(/from "\.\/([a-z0-9-]+\.js)"/g)) {
      pending.push(match[1]);
    }
  }
  return [...files];
}

function measureTransfer() {
  const groups = { ...SENSOR_FILES, kioskPage: kioskFiles() };
  const transfer = {};
  for (const [group, files] of Object.entries(groups)) {
    transfer[group] = Object.fromEntries(files.map((file) => [file, gzippedSize(join("www", file))]));
  }
  const sum = (group) => Object.values(transfer[group]).reduce((total, bytes) => total + bytes, 0);
  transfer.sensorBytes = sum("wasm") + sum("js") + sum("models");
  transfer.totalBytes = transfer.sensorBytes + sum("kioskPage");
  return transfer;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    chromium: spawnSync("/usr/bin/chromium", ["--version"], { encoding: "utf8" }).stdout.trim(),
  };
}

// Total of the sampled memory at one moment: page JS heap plus both wasm memories.
function sampledBytes(sample) {
  return (sample.pageJsHeapBytes ?? 0) + sample.pageWasmBytes + sample.workerWasmBytes;
}

function memoryGrowth(samples) {
  const first = samples[0];
  const last = samples.at(-1);
  return {
    minutes: (last.elapsedSeconds - first.elapsedSeconds) / 60,
    pageJsHeapBytes: (last.pageJsHeapBytes ?? 0) - (first.pageJsHeapBytes ?? 0),
    pageWasmBytes: last.pageWasmBytes - first.pageWasmBytes,
    workerWasmBytes: last.workerWasmBytes - first.workerWasmBytes,
    totalBytes: sampledBytes(last) - sampledBytes(first),
  };
}

// Fraction of the measured time the inference worker spent on frames: the share
// of one core the sensor's inference used.
function busyFraction(sensor) {
  return ((sensor.stages.totalMs?.mean ?? 0) * sensor.frames) / (sensor.seconds * 1000);
}

const ms = (value) => (value === null || value === undefined ? "-" : value.toFixed(2));

function printTable(results) {
  const stageKeys = [...new Set(results.runs.flatMap((run) => Object.keys(run.sensor.stages)))];
  const fractionKeys = [...new Set(results.runs.flatMap((run) => Object.keys(run.sensor.fractions)))];
  console.log(`\nper frame, mean / p95 ms (load average ${results.loadAverage.before.join(" ")} before, ${results.loadAverage.after.join(" ")} after)`);
  console.log(
    ["faces", "size", "fps", "frames/s", "skipped", "faces/frame", "worker busy", ...fractionKeys, ...stageKeys, "cold start ms"].join(
      " | ",
    ),
  );
  for (const run of results.runs) {
    const sensor = run.sensor;
    console.log(
      [
        run.faces,
        run.size,
        run.rate,
        (sensor.frames / sensor.seconds).toFixed(1),
        sensor.framesSkipped,
        sensor.facesPerFrame?.toFixed(2) ?? "-",
        `${(busyFraction(sensor) * 100).toFixed(0)}%`,
        ...fractionKeys.map((key) => `${((sensor.fractions[key] ?? 0) * 100).toFixed(0)}%`),
        ...stageKeys.map((key) => `${ms(sensor.stages[key]?.mean)} / ${ms(sensor.stages[key]?.p95)}`),
        sensor.coldStartMs.toFixed(0),
      ].join(" | "),
    );
  }
  if (results.models) {
    console.log(
      `\nmodels, median / mean ms over ${results.models.iterations} runs on one seeded input ` +
        `(onnxruntime-web ${results.models.onnxruntimeWebVersion}); ratio of medians, above 1 when tract is faster`,
    );
    console.log("model | tract wasm | onnxruntime-web | ratio | largest output difference");
    for (const model of results.models.models) {
      const ours = `${ms(model.ours.median)} / ${ms(model.ours.mean)}`;
      const theirs = `${ms(model.onnxruntimeWeb.median)} / ${ms(model.onnxruntimeWeb.mean)}`;
      console.log(
        `${model.file} | ${ours} | ${theirs} | ${model.ratio.toFixed(2)} | ${model.largestDifference.toExponential(1)}`,
      );
    }
    console.log("\ntract operators, mean ms per run, largest first");
    for (const model of results.models.models) {
      const operators = Object.entries(model.operatorMs ?? {}).sort(([, a], [, b]) => b - a);
      console.log(`${model.file}: ${operators.map(([op, time]) => `${op} ${time.toFixed(3)}`).join(", ")}`);
    }
  }
  const transfer = results.transfer;
  console.log(`\ntransfer, gzip -9: sensor (wasm + JS + models) ${transfer.sensorBytes} bytes; with the kiosk page ${transfer.totalBytes} bytes`);
  if (results.memory) {
    const growth = results.memory.growth;
    console.log(
      `memory growth over ${growth.minutes.toFixed(1)} min: total ${growth.totalBytes} bytes ` +
        `(page JS heap ${growth.pageJsHeapBytes}, page wasm ${growth.pageWasmBytes}, worker wasm ${growth.workerWasmBytes})`,
    );
  }
  console.log("\ntargets:");
  for (const target of results.targets) {
    console.log(`  ${target.met ? "met   " : "missed"} ${target.name}: ${target.value} (target ${target.target})`);
  }
}

function checkTargets(results) {
  const targets = [];
  for (const run of results.runs.filter((run) => run.faces === 2 && run.rate === 30)) {
    const total = run.sensor.stages.totalMs?.mean;
    targets.push({
      name: `mean per-frame total, two faces, ${run.size}, 30 frames/s`,
      value: `${ms(total)} ms`,
      target: `<= ${TARGETS.frameMs} ms`,
      met: total !== undefined && total <= TARGETS.frameMs,
    });
  }
  for (const model of results.models?.models ?? []) {
    targets.push({
      name: `${model.file} at least as fast as onnxruntime-web`,
      value: `ratio of medians ${model.ratio.toFixed(2)}`,
      target: ">= 1",
      met: model.ratio >= 1,
    });
  }
  const coldStart = Math.max(...results.runs.map((run) => run.sensor.coldStartMs));
  targets.push({
    name: "cold start, slowest run",
    value: `${coldStart.toFixed(0)} ms`,
    target: `< ${TARGETS.coldStartMs} ms`,
    met: coldStart < TARGETS.coldStartMs,
  });
  targets.push({
    name: "transfer, sensor (wasm + JS + models), gzip -9",
    value: `${results.transfer.sensorBytes} bytes`,
    target: `< ${TARGETS.transferBytes} bytes`,
    met: results.transfer.sensorBytes < TARGETS.transferBytes,
  });
  if (results.memory) {
    const growth = results.memory.growth;
    targets.push({
      name: `memory growth over ${growth.minutes.toFixed(1)} min`,
      value: `${growth.totalBytes} bytes`,
      target: `< ${TARGETS.memoryGrowthBytes} bytes`,
      met: growth.totalBytes < TARGETS.memoryGrowthBytes,
    });
  }
  return targets;
}

async function main() {
  const options = readOptions();
  const loadBefore = os.loadavg().map((load) => load.toFixed(2));
  const { child: collector, origin, kioskUrl } = await startCollector({
    binary: options.collector,
    workdir: options.workdir,
    station: STATION,
  });
  const stopCollector = () => collector.kill("SIGTERM");
  process.on("exit", stopCollector);
  const fragment = new URL(kioskUrl).hash.slice(1);
  const pageTimeoutMs = (options.seconds + 300) * 1000;

  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    options: { ...options, collector: undefined, workdir: undefined },
    runs: [],
  };
  try {
    for (const source of options.sources) {
      for (const size of SIZES) {
        for (const rate of options.rates) {
          const clip = makeClip(source, size, rate, options.workdir);
          const compare = results.models === undefined;
          console.log(`bench: ${source.faces} face(s), ${size.label}, ${rate} frames/s${compare ? ", models" : ""}`);
          const loadAverage = os.loadavg().map((load) => load.toFixed(2));
          const query = { seconds: options.seconds, models: compare ? 1 : 0, iterations: options.iterations };
          const page = await runPage(origin, fragment, clip, query, pageTimeoutMs);
          rmSync(clip);
          if (page.error) {
            throw new Error(`the benchmark page failed on ${clip}: ${page.error}; console: ${page.consoleErrors.join(" / ")}`);
          }
          results.runs.push({ faces: source.faces, size: size.label, rate, loadAverage, ...page });
          results.models ??= page.models;
        }
      }
    }

    if (options.memoryMinutes > 0) {
      const source = options.sources.at(-1);
      const rate = options.rates.at(-1);
      console.log(`bench: memory over ${options.memoryMinutes} min, ${source.faces} face(s), 640x480, ${rate} frames/s`);
      const clip = makeClip(source, SIZES[0], rate, options.workdir);
      const query = { seconds: options.seconds, memoryMinutes: options.memoryMinutes, models: 0 };
      const page = await runPage(origin, fragment, clip, query, pageTimeoutMs + options.memoryMinutes * 60_000);
      rmSync(clip);
      if (page.error) {
        throw new Error(`the memory run failed: ${page.error}`);
      }
      results.memory = {
        faces: source.faces,
        size: SIZES[0].label,
        rate,
        samples: page.sensor.memory,
        growth: memoryGrowth(page.sensor.memory),
        sensor: { ...page.sensor, memory: undefined },
      };
    }
  } finally {
    stopCollector();
  }

  results.transfer = measureTransfer();
  results.loadAverage = { before: loadBefore, after: os.loadavg().map((load) => load.toFixed(2)) };
  results.targets = checkTargets(results);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  console.log(`\nbench: wrote ${options.out}`);
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
