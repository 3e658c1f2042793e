// The kiosk's side of employee opt-in. The employee confirms on their own phone:
// the kiosk asks the collector for a one-time pairing code, shows it with its QR
// code, and then polls whether an opted-in employee with an unpaused shift is
// linked to this station. Only then does the sensor score the employee role.
//
// Calls, all with the station token: POST /api/v1/station/pairing-codes and
// GET /api/v1/station/employee-status. Neither sends anything about a face.

export class EmployeeLink {
  #collectorUrl;
  #token;

  constructor(collectorUrl, token) {
    this.#collectorUrl = collectorUrl.replace(/\/+$/, "");
    this.#token = token;
  }

  #request(path, method) {
    return fetch(`${this.#collectorUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.#token}` },
      credentials: "omit",
      referrerPolicy: "no-referrer",
      cache: "no-store",
    });
  }

  // Returns {code, pairingUrl, qrUrl, expiresAt} for a new one-time code.
  async createPairingCode() {
    const response = await this.#request("/api/v1/station/pairing-codes", "POST");
    if (!response.ok) {
      throw new Error(`creating a pairing code failed with HTTP ${response.status}`);
    }
    const body = await response.json();
    return {
      code: body.code,
      pairingUrl: body.pairing_url,
      qrUrl: `${this.#collectorUrl}${body.qr_svg_url}`,
      expiresAt: body.expires_at,
    };
  }

  // Returns whether an opted-in employee with an unpaused shift is linked.
  async isEmployeeActive() {
    const response = await this.#request("/api/v1/station/employee-status", "GET");
    if (!response.ok) {
      throw new Error(`reading the employee status failed with HTTP ${response.status}`);
    }
    const body = await response.json();
    return body.employee_active === true;
  }
}
