// The header's server facts and the datacenter cards: each datacenter's state, answers per
// second, and its targets' state, last probe, latency and since when, with the buttons that
// drain or force them. Cards are rebuilt only when what they show changes; times and rates
// are updated in place between rebuilds.

import { el, ago, clock, rate, colourOf } from "./util.js";
import * as actions from "./actions.js";

let shownKey = "";

export function renderServer(status) {
  const box = document.getElementById("server");
  const reload = status.last_reload;
  const reloadText = reload
    ? `${reload.ok ? "applied" : "REJECTED"} ${reload.time ? reload.time.replace("T", " ").slice(0, 19) : ""}`
    : "none yet";
  box.replaceChildren(
    el("span", {}, "version ", el("b", { text: status.version })),
    el("span", {}, "generation ", el("b", { text: status.generation })),
    el("span", {}, "DNS ", el("b", { text: (status.listen || []).join(", ") || "—" })),
    el("span", {}, "loaded ", el("b", { text: clock(status.loaded_at_unix_ms) })),
    el("span", {}, "last reload ", el("b", { text: reloadText })),
    el("button", { type: "button", class: "small", text: "Reload", id: "reload-button",
      onclick: () => actions.reload(() => document.dispatchEvent(new Event("refresh"))) }),
  );
}

// One datacenter's state: drained, up (every target up), degraded (some), down (none).
export function datacenterState(datacenter, targets) {
  if (datacenter.drained) return "drained";
  const up = targets.filter((t) => t.state === "up").length;
  if (targets.length && up === targets.length) return "up";
  return up ? "degraded" : "down";
}

function targetBadges(target) {
  const badges = [el("span", { class: `badge ${target.state}`, text: target.state })];
  if (target.changing) badges.push(el("span", { class: "badge changing", text: "changing" }));
  if (target.forced) badges.push(el("span", { class: "badge forced", text: `forced ${target.forced}` }));
  return badges;
}

function lastProbe(target) {
  if (!target.check) return el("span", { class: "muted", text: "not probed" });
  if (target.last_result === "none") return el("span", { class: "muted", text: "no result yet" });
  const cell = [el("span", { class: target.last_result === "ok" ? "" : "badge down", text: target.last_result })];
  if (target.last_error) cell.push(el("span", { class: "error", text: target.last_error }));
  return cell;
}

function targetRow(target, refresh) {
  const address = String(target.address);
  const button = (state) => el("button", {
    type: "button", class: "small", text: state, title: `force ${address} ${state}`,
    data: { action: "force", target: address, state },
    onclick: () => actions.force(address, state, refresh),
  });
  return el("tr", { data: { target: address } },
    el("td", { class: "mono", text: address }),
    el("td", {}, targetBadges(target)),
    el("td", {}, lastProbe(target)),
    el("td", { class: "mono nowrap", data: { latency: address },
      text: target.last_latency_ms == null ? "—" : `${target.last_latency_ms.toFixed(1)} ms` }),
    el("td", { class: "nowrap", data: { since: target.since_unix_ms }, title: target.since || "",
      text: ago(target.since_unix_ms) }),
    el("td", {}, el("div", { class: "actions" }, button("up"), button("down"), button("auto"))),
  );
}

function card(datacenter, targets, names, refresh) {
  const state = datacenterState(datacenter, targets);
  const changing = targets.some((t) => t.changing);
  const head = el("div", { class: "dc-head" },
    el("span", { class: "swatch", data: { colour: datacenter.name } }),
    el("span", { class: "dc-name", text: datacenter.name }),
    el("span", { class: `badge ${state} dc-state`, text: state }),
    changing ? el("span", { class: "badge changing", text: "changing" }) : null,
    el("span", { class: "dc-rate", data: { rate: datacenter.name }, text: rate(null) }),
  );
  const table = el("table", {},
    el("thead", {}, el("tr", {}, ["target", "state", "last probe", "latency", "since", "force"]
      .map((h) => el("th", { text: h })))),
    el("tbody", {}, targets.map((t) => targetRow(t, refresh))),
  );
  const drained = datacenter.drained;
  const toggle = el("button", {
    type: "button", class: drained ? "small" : "small", text: drained ? "Undrain" : "Drain",
    data: { action: drained ? "undrain" : "drain", datacenter: datacenter.name },
    onclick: () => actions.drain(datacenter.name, !drained, refresh),
  });
  const node = el("div", { class: "dc", data: { datacenter: datacenter.name, state } },
    head, targets.length ? table : el("p", { class: "muted", text: "no targets" }),
    el("div", { class: "dc-actions" }, toggle));
  const colour = colourOf(datacenter.name, names);
  node.style.borderLeftColor = colour;
  node.querySelector(".swatch").style.backgroundColor = colour;
  return node;
}

// What the cards show, without the values updated in place.
function keyOf(status) {
  const targets = (status.targets || []).map((t) => [t.address, t.datacenter, t.state, t.changing,
    t.forced, t.check, t.last_result, t.last_error, t.since_unix_ms]);
  return JSON.stringify([status.datacenters, targets]);
}

export function renderDatacenters(status, refresh) {
  const datacenters = status.datacenters || [];
  const names = datacenters.map((d) => d.name);
  const key = keyOf(status);
  if (key !== shownKey) {
    shownKey = key;
    const targets = status.targets || [];
    document.getElementById("datacenters").replaceChildren(...datacenters.map((d) =>
      card(d, targets.filter((t) => t.datacenter === d.name), names, refresh)));
    const up = targets.filter((t) => t.state === "up").length;
    document.getElementById("totals").textContent =
      `${datacenters.length} datacenters, ${up} of ${targets.length} targets up`;
  }
  for (const t of status.targets || []) {
    const cell = document.querySelector(`[data-latency="${CSS.escape(String(t.address))}"]`);
    if (cell && t.last_latency_ms != null) cell.textContent = `${t.last_latency_ms.toFixed(1)} ms`;
  }
  refreshTimes();
}

export function refreshTimes() {
  for (const cell of document.querySelectorAll("[data-since]")) {
    cell.textContent = ago(Number(cell.dataset.since));
  }
}

// Answers per second per datacenter, from two samples of the steering counters.
export function renderRates(rates) {
  for (const cell of document.querySelectorAll("[data-rate]")) {
    cell.textContent = rate(rates ? rates.get(cell.dataset.rate) || 0 : null);
  }
}
