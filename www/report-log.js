// The "what we send" panel: the last reports verbatim, with whether each is still
// queued or was accepted by the collector. Kept in localStorage so that the panel
// survives a reload; it holds the same counts the collector receives, nothing more.

import { t } from "./i18n.js";

const MAX_REPORTS = 5;

export class ReportLog {
  #list;
  #empty;
  #key;

  constructor(list, emptyNote, stationId) {
    this.#list = list;
    this.#empty = emptyNote;
    this.#key = `smile-sensor.report-log.${stationId}`;
  }

  #read() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.#key));
      return Array.isArray(stored) ? stored : [];
    } catch {
      return [];
    }
  }

  // Records report `{reportId, body}` with `status` ("queued" or "sent").
  add({ reportId, body }, status, language) {
    const entries = this.#read().filter((entry) => entry.reportId !== reportId);
    entries.unshift({ reportId, body, status });
    localStorage.setItem(this.#key, JSON.stringify(entries.slice(0, MAX_REPORTS)));
    this.render(language);
  }

  render(language) {
    const entries = this.#read();
    this.#empty.hidden = entries.length > 0;
    const items = entries.map(({ body, status }) => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = `report-status report-${status}`;
      label.textContent = t(language, `send.${status}`);
      const pre = document.createElement("pre");
      pre.textContent = body;
      item.append(label, pre);
      return item;
    });
    this.#list.replaceChildren(...items);
  }
}

