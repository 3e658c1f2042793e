// End-to-end test of the inference worker's frame copies: the real
// www/sensor-worker.js in headless Chromium gets one VideoFrame of the
// astronaut portrait per copy path and must find its one face each time.
// A canvas frame is RGBA or BGRA, so it takes the RGBX copy, which the kiosk
// test's fake camera (I420) no longer reaches. I420 frames built from the same
// pixels take the planar copy with BT.601 and BT.709 colour spaces.

import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { collectPageErrors, startTestEnvironment } from "./browser-harness.mjs";

const STATION = "e2e-worker";
const PORTRAIT = new URL("../fixtures/astronaut.png", import.meta.url);

let environment;

before(async () => {
  environment = await startTestEnvironment({ station: STATION, folder: "worker-frames" });
});

after(async () => {
  await environment?.stop();
});

// Runs in the page: starts the sensor's worker, sends it one frame per entry of
// `layouts` ("canvas", or an I420 colour space) and returns each analysis.
async function analyseFrames({ portraitBase64, layouts, station }) {
  const bytes = Uint8Array.from(atob(portraitBase64), (char) => char.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const canvas = new OffscreenCanvas(640, 480);
  const context = canvas.getContext("2d");
  context.fillStyle = "rgb(90, 90, 90)";
  context.fillRect(0, 0, 640, 480);
  // The 512x512 portrait, scaled to 400x400 and centred.
  context.drawImage(bitmap, 120, 40, 400, 400);
  const rgba = context.getImageData(0, 0, 640, 480).data;

  const worker = new Worker("/sensor-worker.js", { type: "module" });
  const replies = [];
  const waiters = [];
  worker.addEventListener("message", (event) => {
    replies.push(event.data);
    waiters.splice(0).forEach((wake) => wake());
  });
  const reply = async (type) => {
    for (;;) {
      const index = replies.findIndex((message) => message.type === type || message.type === "error");
      if (index >= 0) {
        const [message] = replies.splice(index, 1);
        if (message.type === "error") {
          throw new Error(`worker error ${message.code}: ${message.message}`);
        }
        return message;
      }
      await new Promise((wake) => waiters.push(wake));
    }
  };

  const modelsUrl = new URL("/models/", location.href).href;
  worker.postMessage({ type: "init", config: { modelsUrl, session: { station_id: station } } });
  await reply("ready");

  const analyses = [];
  for (const [index, layout] of layouts.entries()) {
    const frame = layout === "canvas" ? new VideoFrame(canvas, { timestamp: index }) : i420Frame(rgba, layout, index);
    const format = frame.format;
    worker.postMessage({ type: "frame", camera: 0, timestampMs: Date.now(), frame }, [frame]);
    const analysis = await reply("analyzed");
    analyses.push({ layout, format, faces: analysis.faces, frameCopyMs: analysis.timings.frameCopyMs });
  }
  worker.terminate();
  return analyses;

  // Encodes 640x480 RGBA pixels as an I420 VideoFrame in limited range with
  // `colorSpace.matrix`, averaging each 2x2 block's chroma.
  function i420Frame(pixels, colorSpace, timestamp) {
    const [kr, kb] = colorSpace.matrix === "bt709" ? [0.2126, 0.0722] : [0.299, 0.114];
    const width = 640, height = 480, chromaWidth = width / 2;
    const planes = new Uint8Array(width * height * 1.5);
    const luma = (r, g, b) => kr * r + (1 - kr - kb) * g + kb * b;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const at = (y * width + x) * 4;
        planes[y * width + x] = Math.round(16 + luma(pixels[at], pixels[at + 1], pixels[at + 2]) * 219 / 255);
      }
    }
    for (let y = 0; y < height; y += 2) {
      for (let x = 0; x < width; x += 2) {
        let cb = 0, cr = 0;
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
          const at = ((y + dy) * width + x + dx) * 4;
          const [r, g, b] = [pixels[at], pixels[at + 1], pixels[at + 2]];
          const yPrime = luma(r, g, b);
          cb += (b - yPrime) / (2 * (1 - kb)) / 4;
          cr += (r - yPrime) / (2 * (1 - kr)) / 4;
        }
        const chroma = (y / 2) * chromaWidth + x / 2;
        planes[width * height + chroma] = Math.round(128 + cb * 224 / 255);
        planes[width * height * 1.25 + chroma] = Math.round(128 + cr * 224 / 255);
      }
    }
    return new VideoFrame(planes, {
      format: "I420",
      codedWidth: width,
      codedHeight: height,
      timestamp,
      colorSpace: { ...colorSpace, fullRange: false },
    });
  }
}

test("the worker finds the face through each frame copy", async () => {
  const page = await environment.browser.newPage();
  const consoleErrors = collectPageErrors(page);
  await page.goto(`${environment.origin}/index.html`);

  const analyses = await page.evaluate(analyseFrames, {
    portraitBase64: readFileSync(PORTRAIT).toString("base64"),
    layouts: ["canvas", { matrix: "smpte170m" }, { matrix: "bt709" }],
    station: STATION,
  });

  const [canvas, bt601, bt709] = analyses;
  assert.notEqual(canvas.format, "I420", "the canvas frame takes the RGBX copy");
  assert.equal(canvas.faces, 1, `RGBX copy: ${JSON.stringify(canvas)}`);
  assert.equal(bt601.format, "I420");
  assert.equal(bt601.faces, 1, `I420 BT.601 copy: ${JSON.stringify(bt601)}`);
  assert.equal(bt709.faces, 1, `I420 BT.709 copy: ${JSON.stringify(bt709)}`);
  assert.deepEqual(consoleErrors, [], "the page logs no errors");
  await page.close();
});
