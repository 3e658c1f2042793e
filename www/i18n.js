// Texts of the kiosk, the <smile-sensor> element and the demo page, in Polish and
// English. Polish is chosen when the browser lists it before English; a switch on
// each page overrides that and is remembered in localStorage.

const STORAGE_KEY = "smile-sensor.language";

export const LANGUAGES = ["pl", "en"];

const TEXTS = {
  pl: {
    "page.title.kiosk": "Uśmiechy przy stanowisku",
    "page.title.index": "Czujnik uśmiechów",
    "page.title.demo": "Intranet: przykład z czujnikiem uśmiechów",
    "language.switch": "English",
    "camera.active": "Kamera włączona",
    "camera.off": "Kamera wyłączona",
    "client.smiles": "Uśmiechy klientów dzisiaj",
    "charity.raised": "Zebrane na cel charytatywny",
    "employee.smiles": "Twoje uśmiechy dzisiaj (widzisz je tylko Ty)",
    "employee.optIn": "Pracownik: licz moje uśmiechy",
    "employee.optOut": "Przestań liczyć moje uśmiechy",
    "pause": "Wstrzymaj",
    "resume": "Wznów",
    "consent.title": "Zgoda pracownika",
    "consent.body1": "Czujnik może liczyć także Twoje uśmiechy. Liczymy tylko uśmiechy, czyli wyraz twarzy. Nie rozpoznajemy osób i nie zapisujemy obrazów.",
    "consent.body2": "Obraz z kamery nie opuszcza tej przeglądarki. Do serwera trafia tylko liczba uśmiechów w okresach trwających co najmniej 5 minut. Pracodawca nie widzi Twoich wyników; widzisz je tylko Ty.",
    "consent.body3": "Możesz w każdej chwili wstrzymać liczenie albo wycofać zgodę na swojej stronie pracownika.",
    "consent.accept": "Pokaż kod parowania",
    "pairing.instructions": "Zeskanuj kod QR telefonem albo otwórz na telefonie poniższy adres i potwierdź tam zgodę. Twoje uśmiechy będą liczone dopiero wtedy.",
    "pairing.failed": "Nie udało się utworzyć kodu parowania. Spróbuj ponownie.",
    "consent.decline": "Nie teraz",
    "send.title": "Co wysyłamy",
    "send.intro": "Tylko te raporty opuszczają to urządzenie, dokładnie w tej postaci:",
    "send.none": "Jeszcze nic nie wysłano.",
    "send.queued": "w kolejce",
    "send.sent": "wysłano",
    "setup.missing": "Brak konfiguracji stanowiska. Otwórz link stanowiska od administratora (z #station=…&token=…).",
    "state.idle": "Uruchamianie…",
    "state.starting": "Uruchamianie kamery…",
    "state.running": "Czujnik działa.",
    "state.paused": "Wstrzymano. Kamera jest wyłączona.",
    "state.hidden": "Karta jest ukryta. Kamera jest wyłączona.",
    "state.waiting-for-camera": "Czekam na kamerę…",
    "state.camera-denied": "Brak zgody na użycie kamery.",
    "state.stopped": "Czujnik zatrzymany.",
    "state.failed": "Czujnik nie działa.",
    "index.intro": "Czujnik uśmiechów działa w przeglądarce: liczy uśmiechy klientów przy stanowisku i wysyła tylko zbiorcze liczby. Każdy uśmiech to grosz na cel charytatywny.",
    "index.kiosk": "Kiosk przy stanowisku",
    "index.demo": "Przykład: czujnik w intranecie",
    "index.employee": "Strona pracownika",
    "index.organisation": "Strona organizacji",
    "demo.intro": "Ta strona pokazuje element <smile-sensor> osadzony w stronie intranetu.",
    "demo.events": "Zdarzenia czujnika",
    "element.smiles": "Uśmiechy klientów w tej sesji",
    "page.title.bench": "Test wydajności czujnika",
    "bench.intro": "Czujnik działa na obrazie z kamery tak jak w kiosku. Strona mierzy czas każdego etapu na klatkę, czas uruchomienia i pamięć, a potem porównuje modele w tej kompilacji z onnxruntime-web na tych samych danych wejściowych.",
    "bench.status.running": "Pomiar czujnika…",
    "bench.status.models": "Porównanie modeli:",
    "bench.status.done": "Pomiar zakończony.",
    "bench.status.failed": "Pomiar nie powiódł się:",
    "bench.frames.title": "Na klatkę",
    "bench.frames": "Klatki",
    "bench.skipped": "pominięte",
    "bench.faces": "twarze na klatkę",
    "bench.coldStart": "od otwarcia strony do pierwszej oceny uśmiechu",
    "bench.stage": "Etap",
    "bench.mean": "Średnio (ms)",
    "bench.p95": "p95 (ms)",
    "bench.stage.frameCopyMs": "kopia klatki",
    "bench.stage.changeCheckMs": "sprawdzenie zmian obrazu",
    "bench.stage.preprocessMs": "przygotowanie danych wejściowych",
    "bench.stage.detectorMs": "detektor twarzy",
    "bench.stage.scorerMs": "ocena uśmiechu",
    "bench.stage.eventsMs": "zdarzenia",
    "bench.stage.totalMs": "razem",
    "bench.fraction.detectorRuns": "klatki z detektorem twarzy",
    "bench.models.title": "Modele: ta kompilacja i onnxruntime-web",
    "bench.model": "Model",
    "bench.ours": "tract, wasm, mediana (ms)",
    "bench.ort": "onnxruntime-web, mediana (ms)",
    "bench.ratio": "onnxruntime-web / tract",
    "bench.difference": "Największa różnica wyników",
    "bench.memory.title": "Pamięć",
    "bench.elapsed": "Czas (s)",
    "bench.pageHeap": "Sterta JS strony (bajty)",
    "bench.pageWasm": "Wasm strony (bajty)",
    "bench.workerWasm": "Wasm wątku roboczego (bajty)",
  },
  en: {
    "page.title.kiosk": "Smiles at this desk",
    "page.title.index": "Smile sensor",
    "page.title.demo": "Intranet: smile sensor example",
    "language.switch": "Polski",
    "camera.active": "Camera active",
    "camera.off": "Camera off",
    "client.smiles": "Client smiles today",
    "charity.raised": "Raised for charity",
    "employee.smiles": "Your smiles today (only you see them)",
    "employee.optIn": "Employee: count my smiles",
    "employee.optOut": "Stop counting my smiles",
    "pause": "Pause",
    "resume": "Resume",
    "consent.title": "Employee consent",
    "consent.body1": "The sensor can count your smiles too. It counts smiles, a facial expression, and nothing else. It recognises nobody and stores no images.",
    "consent.body2": "The camera image never leaves this browser. The server receives only smile counts per period of at least 5 minutes. Your employer cannot see your results; only you can.",
    "consent.body3": "You can pause the counting or withdraw your consent at any time on your employee page.",
    "consent.accept": "Show pairing code",
    "pairing.instructions": "Scan the QR code with your phone, or open the address below on your phone, and confirm there. Your smiles are counted only after that.",
    "pairing.failed": "The pairing code could not be created. Try again.",
    "consent.decline": "Not now",
    "send.title": "What we send",
    "send.intro": "Only these reports leave this device, exactly as shown:",
    "send.none": "Nothing sent yet.",
    "send.queued": "queued",
    "send.sent": "sent",
    "setup.missing": "This station is not configured. Open the station link from your administrator (with #station=…&token=…).",
    "state.idle": "Starting…",
    "state.starting": "Starting the camera…",
    "state.running": "The sensor is running.",
    "state.paused": "Paused. The camera is off.",
    "state.hidden": "The tab is hidden. The camera is off.",
    "state.waiting-for-camera": "Waiting for a camera…",
    "state.camera-denied": "Camera access is not allowed.",
    "state.stopped": "The sensor has stopped.",
    "state.failed": "The sensor is not working.",
    "index.intro": "The smile sensor runs in a browser: it counts client smiles at a service desk and sends only aggregate counts. Every smile gives one grosz to charity.",
    "index.kiosk": "Kiosk at the desk",
    "index.demo": "Example: the sensor on an intranet page",
    "index.employee": "Employee page",
    "index.organisation": "Organisation page",
    "demo.intro": "This page shows the <smile-sensor> element embedded in an intranet page.",
    "demo.events": "Sensor events",
    "element.smiles": "Client smiles in this session",
    "page.title.bench": "Sensor benchmark",
    "bench.intro": "The sensor runs on the camera image as it does in the kiosk. This page measures the time of each stage per frame, the start-up time and memory, then compares the models of this build with onnxruntime-web on the same inputs.",
    "bench.status.running": "Measuring the sensor…",
    "bench.status.models": "Comparing models:",
    "bench.status.done": "Measurement finished.",
    "bench.status.failed": "Measurement failed:",
    "bench.frames.title": "Per frame",
    "bench.frames": "Frames",
    "bench.skipped": "skipped",
    "bench.faces": "faces per frame",
    "bench.coldStart": "page open to first smile score",
    "bench.stage": "Stage",
    "bench.mean": "Mean (ms)",
    "bench.p95": "p95 (ms)",
    "bench.stage.frameCopyMs": "frame copy",
    "bench.stage.changeCheckMs": "image change check",
    "bench.stage.preprocessMs": "preprocessing",
    "bench.stage.detectorMs": "face detector",
    "bench.stage.scorerMs": "smile scorer",
    "bench.stage.eventsMs": "events",
    "bench.stage.totalMs": "total",
    "bench.fraction.detectorRuns": "frames with the face detector",
    "bench.models.title": "Models: this build and onnxruntime-web",
    "bench.model": "Model",
    "bench.ours": "tract, wasm, mediana (ms)",
    "bench.ort": "onnxruntime-web, mediana (ms)",
    "bench.ratio": "onnxruntime-web / tract",
    "bench.difference": "Largest output difference",
    "bench.memory.title": "Memory",
    "bench.elapsed": "Time (s)",
    "bench.pageHeap": "Page JS heap (bytes)",
    "bench.pageWasm": "Page wasm (bytes)",
    "bench.workerWasm": "Worker wasm (bytes)",
  },
};

// Returns the language to show: the saved choice, else the first of Polish or
// English in the browser's preference list, else English.
export function preferredLanguage(languages = navigator.languages ?? [navigator.language]) {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) {
    return saved;
  }
  for (const tag of languages) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(primary)) {
      return primary;
    }
  }
  return "en";
}

export function saveLanguage(language) {
  localStorage.setItem(STORAGE_KEY, language);
}

export function otherLanguage(language) {
  return language === "pl" ? "en" : "pl";
}

// Returns the text for `key` in `language`; a missing key shows as the key itself
// so that it is noticed.
export function t(language, key) {
  return TEXTS[language]?.[key] ?? TEXTS.en[key] ?? key;
}

// Fills every element under `root` that has a data-i18n attribute with its text,
// and sets the document language.
export function translate(root, language) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(language, element.dataset.i18n);
  }
  if (root === document) {
    document.documentElement.lang = language;
  }
}
