// Smile counts of the current local day for one station, kept in localStorage so
// that a reload does not reset the kiosk's counters. A new day starts from zero.

export class DailyTally {
  #key;

  constructor(stationId) {
    this.#key = `smile-sensor.tally.${stationId}`;
  }

  static today(date = new Date()) {
    const pad = (value) => String(value).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  // Returns {client, employee} for today.
  read() {
    const empty = { day: DailyTally.today(), client: 0, employee: 0 };
    try {
      const stored = JSON.parse(localStorage.getItem(this.#key));
      return stored?.day === empty.day ? { ...empty, ...stored } : empty;
    } catch {
      return empty;
    }
  }

  // Adds one smile of `role` ("client" or "employee").
  add(role) {
    const counts = this.read();
    if (role === "client" || role === "employee") {
      counts[role] += 1;
      localStorage.setItem(this.#key, JSON.stringify(counts));
    }
  }

  // Forgets the employee's count, for when the employee withdraws consent.
  clearEmployee() {
    const counts = this.read();
    counts.employee = 0;
    localStorage.setItem(this.#key, JSON.stringify(counts));
  }
}
