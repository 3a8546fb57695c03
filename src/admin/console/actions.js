// What the console changes, and only through the existing POST endpoints: drains, forced
// states, reloads. Each asks for confirmation, sends the admin token from session storage
// (never from anywhere else) and shows the server's answer.

const TOKEN_KEY = "switchyard-admin-token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setupToken(onChange) {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const button = document.getElementById("token-button");
  const label = () => { button.textContent = token() ? "Admin token ✓" : "Admin token"; };
  label();
  button.addEventListener("click", () => { input.value = ""; dialog.showModal(); });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "save" && input.value.trim()) {
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      notice("Admin token kept for this browser tab.", "ok");
    } else if (dialog.returnValue === "clear") {
      sessionStorage.removeItem(TOKEN_KEY);
      notice("Admin token forgotten.", "ok");
    }
    input.value = "";
    label();
    onChange();
  });
}

// Shows a line under the header: kind is "ok", "error" or "" (information).
export function notice(text, kind = "") {
  const box = document.getElementById("notice");
  box.textContent = text;
  box.className = `notice ${kind}`;
  box.hidden = false;
}

// Asks before a change; resolves to true when confirmed.
function confirmChange(title, text, danger = true) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-yes").className = danger ? "danger" : "";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

async function post(path, body) {
  const headers = { "Content-Type": "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  try {
    const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body || {}) });
    const answer = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, answer };
  } catch (error) {
    return { ok: false, status: 0, answer: { error: String(error) } };
  }
}

function report(result, success) {
  if (result.ok) {
    notice(success(result.answer), "ok");
    return;
  }
  let why = (result.answer && result.answer.error) || `HTTP ${result.status}`;
  if (result.status === 401) why += " — set the admin token (top right) and try again";
  if (result.status === 0) why = `the server did not answer (${why})`;
  notice(`Refused: ${why}`, "error");
}

export async function drain(datacenter, drained, after) {
  const verb = drained ? "Drain" : "Undrain";
  const text = drained
    ? `Drain datacenter ${datacenter}? Its clients go to their next datacenter at once.`
    : `Undrain datacenter ${datacenter}? It gets its clients back at once.`;
  if (!(await confirmChange(`${verb} ${datacenter}`, text, drained))) return;
  const path = `/datacenters/${encodeURIComponent(datacenter)}/${drained ? "drain" : "undrain"}`;
  const result = await post(path);
  report(result, (a) => `${verb}ed ${datacenter}${a.changed ? "" : " (no change: it already was)"}.`);
  after();
}

export async function force(address, state, after) {
  const text = state === "auto"
    ? `Give target ${address} back to its health probes?`
    : `Force target ${address} ${state}, whatever its probes say?`;
  if (!(await confirmChange(`Force ${address} ${state}`, text, state !== "auto"))) return;
  const result = await post(`/targets/${encodeURIComponent(address)}/force`, { state });
  report(result, (a) => `Target ${address}: ${state}${a.changed ? "" : " (no change)"}.`);
  after();
}

export async function reload(after) {
  if (!(await confirmChange("Reload", "Re-read the configuration and every file it names?", false))) return;
  const result = await post("/reload");
  if (!result.ok && result.answer && Array.isArray(result.answer.errors)) {
    notice(`Reload rejected, still serving generation ${result.answer.generation}: ${result.answer.errors.join("; ")}`, "error");
  } else {
    report(result, (a) => `Reloaded: generation ${a.generation}.`);
  }
  after();
}
