// The kiosk page: one SmileSensor for the station, large counters, the camera
// indicator, a pause button, the employee consent screen and the "what we send"
// panel.
//
// The station is configured by the URL fragment, for example
// kiosk.html#station=desk-01&token=SECRET, and optionally collector=URL,
// bucket=MINUTES, grosz=PER_SMILE, clientCamera=DEVICE_ID, employeeCamera=DEVICE_ID
// and, for one camera that covers both roles, clientZone=x,y,width,height and
// employeeZone=x,y,width,height (fractions of the frame). The fragment is never
// sent to a server; the page moves it to localStorage and removes it from the
// address bar.

import init, { SmileSensor, enableConsoleLogging } from "./pkg/smile_sensor.js";
import { otherLanguage, preferredLanguage, saveLanguage, t, translate } from "./i18n.js";
import { DailyTally } from "./daily-tally.js";
import { ReportLog } from "./report-log.js";
import { EmployeeLink } from "./employee-link.js";

const SETTINGS_KEY = "smile-sensor.kiosk.settings";
// Set while the employee has stopped counting from this kiosk; cleared by the next
// pairing.
const STOPPED_KEY = "smile-sensor.kiosk.employee-stopped";

// Interval of the kiosk's check whether an opted-in employee is linked, in
// milliseconds: long in normal operation, short while the pairing code is shown.
const EMPLOYEE_POLL_MS = 30_000;
const PAIRING_POLL_MS = 3_000;

const $ = (id) => document.getElementById(id);

let language = preferredLanguage();
let sensor = null;
// Whether the collector reports an opted-in employee linked to this station.
let employeeActive = false;

function readSettings() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("station") && fragment.has("token")) {
    const settings = Object.fromEntries(fragment.entries());
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
    history.replaceState(null, "", location.pathname + location.search);
    return settings;
  }
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY));
  } catch {
    return null;
  }
}

function sensorOptions(settings) {
  const cameras = [{ role: "client", deviceId: settings.clientCamera || undefined }];
  if (settings.employeeCamera) {
    cameras.push({ role: "employee", deviceId: settings.employeeCamera });
  }
  const options = {
    collectorUrl: settings.collector || location.origin,
    stationId: settings.station,
    stationToken: settings.token,
    cameras,
    language,
  };
  if (settings.bucket) {
    options.bucketMinutes = Number(settings.bucket);
  }
  if (settings.clientZone || settings.employeeZone) {
    options.zones = { client: parseZones(settings.clientZone), employee: parseZones(settings.employeeZone) };
  }
  return options;
}

// Parses "x,y,width,height" into one zone; the sensor validates the numbers.
function parseZones(text) {
  if (!text) {
    return [];
  }
  const [x, y, width, height] = text.split(",").map(Number);
  return [{ x, y, width, height }];
}

function formatCount(value) {
  return new Intl.NumberFormat(language === "pl" ? "pl-PL" : "en-GB").format(value);
}

function formatMoney(grosze) {
  return new Intl.NumberFormat(language === "pl" ? "pl-PL" : "en-GB", {
    style: "currency",
    currency: "PLN",
  }).format(grosze / 100);
}

function render(tally, settings) {
  const counts = tally.read();
  const groszPerSmile = Number(settings?.grosz ?? 1);
  $("client-smiles").textContent = formatCount(counts.client);
  $("charity-amount").textContent = formatMoney(counts.client * groszPerSmile);
  $("employee-smiles").textContent = formatCount(counts.employee);
  const counting = isEmployeeCounted();
  $("employee-tally").hidden = !counting;
  $("employee-button").textContent = t(language, counting ? "employee.optOut" : "employee.optIn");
  const state = sensor?.state ?? "idle";
  $("sensor-status").textContent = t(language, `state.${state}`);
  $("pause-button").textContent = t(language, state === "paused" ? "resume" : "pause");
  const active = sensor?.cameraActive ?? false;
  $("camera-indicator").dataset.active = String(active);
  $("camera-label").textContent = t(language, active ? "camera.active" : "camera.off");
}

function isEmployeeCounted() {
  return employeeActive && localStorage.getItem(STOPPED_KEY) === null;
}

function setLanguage(next, tally, reportLog, settings) {
  language = next;
  saveLanguage(next);
  translate(document, language);
  reportLog.render(language);
  render(tally, settings);
}

async function main() {
  translate(document, language);
  const settings = readSettings();
  const tally = new DailyTally(settings?.station ?? "unconfigured");
  const reportLog = new ReportLog($("report-list"), $("send-none"), settings?.station ?? "unconfigured");
  reportLog.render(language);
  render(tally, settings);

  $("language-switch").addEventListener("click", () =>
    setLanguage(otherLanguage(language), tally, reportLog, settings),
  );

  if (!settings?.station || !settings?.token) {
    $("setup-missing").hidden = false;
    $("pause-button").disabled = true;
    $("employee-button").disabled = true;
    return;
  }

  await init();
  enableConsoleLogging("info");
  try {
    sensor = new SmileSensor(sensorOptions(settings));
  } catch (error) {
    $("sensor-error").textContent = String(error.message ?? error);
    $("sensor-error").hidden = false;
    return;
  }
  // Exposed for diagnostics from the developer console and for the end-to-end test.
  window.smileSensor = sensor;

  sensor.addEventListener("smile", (event) => {
    tally.add(event.detail.role);
    render(tally, settings);
  });
  sensor.addEventListener("statechange", () => {
    $("sensor-error").hidden = sensor.state !== "failed" && sensor.state !== "camera-denied"
      && sensor.state !== "waiting-for-camera";
    render(tally, settings);
  });
  sensor.addEventListener("error", (event) => {
    $("sensor-error").textContent = event.detail.message;
    $("sensor-error").hidden = false;
  });
  sensor.addEventListener("reportqueued", (event) => reportLog.add(event.detail, "queued", language));
  sensor.addEventListener("reportsent", (event) => reportLog.add(event.detail, "sent", language));

  $("pause-button").addEventListener("click", async () => {
    if (sensor.state === "paused") {
      await sensor.resume();
    } else {
      sensor.pause();
    }
    render(tally, settings);
  });

  const link = new EmployeeLink(sensorOptions(settings).collectorUrl, settings.token);
  const dialog = $("consent-dialog");
  let pairingPoll = null;

  const refreshEmployee = async () => {
    try {
      employeeActive = await link.isEmployeeActive();
    } catch (error) {
      console.warn(error);
      return;
    }
    if (employeeActive && dialog.open && pairingPoll !== null) {
      localStorage.removeItem(STOPPED_KEY);
      dialog.close();
    }
    sensor.setEmployeeConsent(isEmployeeCounted());
    render(tally, settings);
  };

  dialog.addEventListener("close", () => {
    clearInterval(pairingPoll);
    pairingPoll = null;
    $("consent-explanation").hidden = false;
    $("pairing").hidden = true;
    $("pairing-error").hidden = true;
    $("consent-accept").hidden = false;
  });
  $("employee-button").addEventListener("click", () => {
    if (isEmployeeCounted()) {
      localStorage.setItem(STOPPED_KEY, "yes");
      sensor.setEmployeeConsent(false);
      tally.clearEmployee();
      render(tally, settings);
    } else {
      dialog.showModal();
    }
  });
  $("consent-accept").addEventListener("click", async () => {
    try {
      const pairing = await link.createPairingCode();
      $("pairing-qr").src = pairing.qrUrl;
      $("pairing-code").textContent = pairing.code;
      $("pairing-url").textContent = pairing.pairingUrl;
      $("consent-explanation").hidden = true;
      $("consent-accept").hidden = true;
      $("pairing").hidden = false;
      pairingPoll = setInterval(refreshEmployee, PAIRING_POLL_MS);
    } catch (error) {
      console.warn(error);
      $("pairing-error").textContent = t(language, "pairing.failed");
      $("pairing-error").hidden = false;
    }
  });
  $("consent-decline").addEventListener("click", () => dialog.close());

  await refreshEmployee();
  setInterval(refreshEmployee, EMPLOYEE_POLL_MS);
  try {
    await sensor.start();
  } catch (error) {
    $("sensor-error").textContent = String(error.message ?? error);
    $("sensor-error").hidden = false;
  }
  render(tally, settings);
}

main();
