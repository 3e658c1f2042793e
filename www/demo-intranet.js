// Demo intranet page: creates a <smile-sensor> element from the station settings in
// the URL fragment (#station=...&token=..., as for the kiosk) and lists the events
// that bubble out of it.

import { otherLanguage, preferredLanguage, saveLanguage, translate } from "./i18n.js";

const MAX_EVENTS = 50;
const SENSOR_EVENTS = ["smile", "interaction", "reportqueued", "reportsent", "statechange", "error"];

let language = preferredLanguage();

function logEvent(event) {
  const list = document.getElementById("event-log");
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString(language)} ${event.type} ${JSON.stringify(event.detail)}`;
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) {
    list.lastElementChild.remove();
  }
}

function main() {
  translate(document, language);
  const fragment = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", location.pathname + location.search);
  const station = fragment.get("station");
  const token = fragment.get("token");
  if (!station || !token) {
    document.getElementById("setup-missing").hidden = false;
    return;
  }

  for (const type of SENSOR_EVENTS) {
    document.body.addEventListener(type, logEvent);
  }

  const element = document.createElement("smile-sensor");
  element.setAttribute("station-id", station);
  element.setAttribute("station-token", token);
  element.setAttribute("lang", language);
  if (fragment.has("collector")) {
    element.setAttribute("collector-url", fragment.get("collector"));
  }
  document.getElementById("sensor-slot").append(element);

  document.getElementById("language-switch").addEventListener("click", () => {
    language = otherLanguage(language);
    saveLanguage(language);
    translate(document, language);
    element.setAttribute("lang", language);
  });
}

main();
