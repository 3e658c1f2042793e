// The employee page: reads the personal secret from the URL fragment
// (#secret=...) or local storage and shows the employee's own figures.
const STORAGE_KEY = "smile-employee-secret";
const root = document.getElementById("employee");
const messages = root.dataset;
const statusLine = document.getElementById("status");
const lang = messages.lang;

function readSecret() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromFragment = fragment.get("secret");
  if (fromFragment) {
    localStorage.setItem(STORAGE_KEY, fromFragment);
    return fromFragment;
  }
  return localStorage.getItem(STORAGE_KEY);
}

const secret = readSecret();

async function call(method, path) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${secret}` },
    cache: "no-store",
  });
  if (response.status === 401) {
    localStorage.removeItem(STORAGE_KEY);
    throw new Error(messages.msgNoLink);
  }
  return response;
}

function formatTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString(lang, {
    dateStyle: "short",
    timeStyle: "short",
  });
}

function showShift(shift) {
  const line = document.getElementById("shift");
  const pause = document.getElementById("pause");
  const resume = document.getElementById("resume");
  const end = document.getElementById("end-shift");
  if (!shift) {
    line.textContent = messages.msgNoShift;
    for (const button of [pause, resume, end]) button.hidden = true;
    return;
  }
  const state = shift.paused ? messages.msgPaused : messages.msgActive;
  line.textContent = `${shift.station_id}: ${state}, ${messages.msgUntil} ${formatTime(shift.expires_at)}`;
  pause.hidden = shift.paused;
  resume.hidden = !shift.paused;
  end.hidden = false;
}

async function load() {
  const response = await call("GET", "/api/v1/me");
  if (!response.ok) throw new Error(messages.msgError);
  const me = await response.json();
  document.getElementById("points").textContent = me.points.toLocaleString(lang);
  document.getElementById("smiles").textContent = me.smiles.toLocaleString(lang);
  document.getElementById("smile-seconds").textContent = Math.round(me.smile_seconds).toLocaleString(lang);
  showShift(me.shift);

  const chart = await call("GET", `/api/v1/me/chart.svg?lang=${lang}`);
  if (chart.ok) {
    const svg = new DOMParser().parseFromString(await chart.text(), "image/svg+xml");
    document.getElementById("chart").replaceChildren(document.importNode(svg.documentElement, true));
  }
  document.getElementById("results").hidden = false;
  statusLine.textContent = "";
}

async function changeShift(path) {
  const response = await call("POST", path);
  if (response.ok) {
    showShift((await response.json()).shift);
  } else {
    await load();
  }
}

async function download(path, filename) {
  const response = await call("GET", path);
  if (!response.ok) throw new Error(messages.msgError);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

async function deleteEverything() {
  if (!confirm(messages.msgConfirmDelete)) return;
  const response = await call("DELETE", "/api/v1/me");
  if (response.status !== 204) throw new Error(messages.msgError);
  localStorage.removeItem(STORAGE_KEY);
  history.replaceState(null, "", location.pathname + location.search);
  document.getElementById("results").hidden = true;
  statusLine.textContent = messages.msgDeleted;
}

function guarded(action) {
  return () => action().catch((error) => {
    statusLine.textContent = error.message;
  });
}

// Drop the secret from the address bar so it does not linger in screenshots.
if (location.hash) history.replaceState(null, "", location.pathname + location.search);

if (!secret) {
  statusLine.textContent = messages.msgNoLink;
} else {
  document.getElementById("pause").addEventListener("click", guarded(() => changeShift("/api/v1/me/pause")));
  document.getElementById("resume").addEventListener("click", guarded(() => changeShift("/api/v1/me/resume")));
  document.getElementById("end-shift").addEventListener("click", guarded(() => changeShift("/api/v1/me/end-shift")));
  document.getElementById("export-csv").addEventListener("click", guarded(() => download("/api/v1/me/export.csv", "my-smiles.csv")));
  document.getElementById("export-json").addEventListener("click", guarded(() => download("/api/v1/me/export.json", "my-smiles.json")));
  document.getElementById("delete").addEventListener("click", guarded(deleteEverything));
  guarded(load)();
}
