// Shared by the end-to-end test and the browser benchmark (bench/run.mjs): starts
// the collector on 127.0.0.1 and launches the system Chromium with a fake camera
// and no network access beyond localhost.

import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

// Flags of every headless Chromium we start: no sandbox (Chromium does not start
// as root without this flag), no GPU, and no request to any host but localhost.
export const NO_NETWORK_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
];

// Starts `smile-collector serve` on a free port of 127.0.0.1 with a throwaway
// SQLite database in `workdir` and a demo station, serving the pages from www/.
// Resolves to the child process, the origin and the kiosk URL the collector
// prints (its fragment carries the station token).
export function startCollector({ binary, workdir, station }) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      [
        "--database",
        `sqlite://${join(workdir, "collector.sqlite3")}`,
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--www",
        "www",
        "--demo-station",
        station,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const listening = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const kiosk = output.match(/kiosk: (\S+)/);
      if (listening && kiosk) {
        resolve({ child, origin: listening[1], kioskUrl: kiosk[1] });
      }
    });
    child.on("exit", (code) => reject(new Error(`the collector exited with ${code} before listening`)));
    child.on("error", reject);
  });
}

// Returns a list that fills with the page's console errors and uncaught exceptions.
export function collectPageErrors(page) {
  const errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") {
      errors.push(message.text());
    }
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return errors;
}

// Launches headless /usr/bin/chromium in a fresh profile with a fake camera that
// plays `clip` (an absolute path to a Y4M file) in a loop and grants camera access
// without a prompt. `extraArgs` are added to the command line.
export function launchChromium(clip, extraArgs = []) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      ...NO_NETWORK_FLAGS,
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${clip}`,
      "--autoplay-policy=no-user-gesture-required",
      ...extraArgs,
    ],
  });
}

// Starts what one end-to-end test file needs, from the variables scripts/e2e.sh
// sets: the collector with demo station `station` and its database in
// `SMILE_E2E_WORKDIR/folder`, and Chromium with the fake camera playing
// SMILE_E2E_CLIP. Returns the collector's origin and kiosk URL, the browser and
// `stop()`, which closes both.
export async function startTestEnvironment({ station, folder }) {
  const binary = process.env.SMILE_COLLECTOR_BIN;
  const clip = process.env.SMILE_E2E_CLIP;
  const root = process.env.SMILE_E2E_WORKDIR;
  for (const [name, value] of Object.entries({ SMILE_COLLECTOR_BIN: binary, SMILE_E2E_CLIP: clip, SMILE_E2E_WORKDIR: root })) {
    if (!value) {
      throw new Error(`${name} is not set: run the end-to-end tests through scripts/e2e.sh`);
    }
  }
  const workdir = join(root, folder);
  mkdirSync(workdir, { recursive: true });
  const { child, origin, kioskUrl } = await startCollector({ binary, workdir, station });
  process.on("exit", () => child.kill("SIGTERM"));
  const browser = await launchChromium(clip);
  return {
    origin,
    kioskUrl,
    browser,
    workdir,
    stop: async () => {
      await browser.close();
      child.kill("SIGTERM");
    },
  };
}
