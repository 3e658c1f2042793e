// Inference worker of the benchmark page (bench.html). It is the sensor's own worker,
// unchanged, plus two additions. It copies each per-frame result message (face count
// and stage timings, never a position or a score) to the page over a
// BroadcastChannel, and it answers requests for memory samples. The page passes this
// file as the sensor's `workerUrl`.

import init from "./pkg/smile_sensor.js";
import "./sensor-worker.js";

// The page listens on the channel of the same name.
const BENCH_CHANNEL = "smile-sensor-bench";

const channel = new BroadcastChannel(BENCH_CHANNEL);
const postToSensor = self.postMessage.bind(self);

// sensor-worker.js looks up self.postMessage at each call, so all its messages
// go through this wrapper.
self.postMessage = (message, transfer) => {
  if (message?.type === "analyzed") {
    channel.postMessage({
      type: "frame",
      atEpochMs: performance.timeOrigin + performance.now(),
      faces: message.faces,
      timings: message.timings,
    });
  }
  postToSensor(message, transfer);
};

channel.addEventListener("message", async (event) => {
  if (event.data?.type !== "sample-memory") {
    return;
  }
  // gc() exists when Chromium runs with --js-flags=--expose-gc; a sample after a
  // full collection shows what is retained rather than garbage not yet collected.
  self.gc?.();
  // The package is already initialised by sensor-worker.js, so init() returns
  // the same instance and its memory.
  const wasm = await init();
  channel.postMessage({ type: "memory", wasmBytes: wasm.memory.buffer.byteLength });
});
