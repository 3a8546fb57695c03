// Helpers shared by the console's scripts: building elements (text only, never markup),
// fetching from the admin API, formatting times and rates, reading counters from /metrics.

const SVG = "http://www.w3.org/2000/svg";

// An element with properties and children; every string becomes a text node.
export function el(tag, props = {}, ...children) {
  return fill(document.createElement(tag), props, children);
}

// The same for SVG elements.
export function svg(tag, props = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), props, children);
}

function fill(node, props, children) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "data") for (const [k, v] of Object.entries(value)) node.dataset[k] = String(v);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// GET a JSON view: {ok, status, body}; a network failure gives status 0.
export async function getJson(path) {
  try {
    const response = await fetch(path, { cache: "no-store" });
    const body = await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, body };
  } catch (error) {
    return { ok: false, status: 0, body: { error: String(error) } };
  }
}

export async function getText(path) {
  try {
    const response = await fetch(path, { cache: "no-store" });
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

// Distinct colours for datacenters, by their position in the sorted list of names.
const PALETTE = ["#2f6fde", "#e8833a", "#1f9d8a", "#c2478f", "#8a63d2", "#c9a227",
  "#5b8c2a", "#d64545", "#3f8fb6", "#9c6b4e", "#6b7785", "#e06fb0"];

export function colourOf(name, names) {
  const index = names.indexOf(name);
  return index < 0 ? "#9aa5b1" : PALETTE[index % PALETTE.length];
}

// "5 s ago", "3 min ago", "2 h ago", "4 d ago".
export function ago(unixMs, now = Date.now()) {
  if (!unixMs) return "—";
  const s = Math.max(0, Math.round((now - unixMs) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function clock(unixMs) {
  const d = new Date(unixMs);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function rate(perSecond) {
  if (perSecond === null || perSecond === undefined) return "… answers/s";
  const digits = perSecond < 10 ? 1 : 0;
  return `${perSecond.toFixed(digits)} answers/s`;
}

// Sums of switchyard_steering_decisions_total by datacenter label, and by reason.
export function steeringCounts(exposition) {
  const byDatacenter = new Map();
  const byReason = new Map();
  const prefix = "switchyard_steering_decisions_total{";
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const close = line.lastIndexOf("}");
    const value = Number(line.slice(close + 1).trim());
    const labels = parseLabels(line.slice(prefix.length, close));
    const add = (map, key) => map.set(key, (map.get(key) || 0) + value);
    add(byDatacenter, labels.datacenter || "");
    add(byReason, labels.reason || "");
  }
  return { byDatacenter, byReason };
}

function parseLabels(text) {
  const labels = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const [, name, raw] of text.matchAll(pattern)) {
    labels[name] = raw.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  }
  return labels;
}
