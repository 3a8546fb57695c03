// The console's loop: every two seconds it reads /status, new /events and the steering
// counters of /metrics; it asks /map again when health, drains or the configuration changed
// (and every ten seconds anyway). It only ever reads; actions.js does the changing.

import { el, getJson, getText, clock, steeringCounts } from "./util.js";
import { renderServer, renderDatacenters, renderRates } from "./health.js";
import * as map from "./map.js";
import * as actions from "./actions.js";
import { setupExplain } from "./explain.js";

const POLL_MS = 2000;
const MAP_EVERY_MS = 10000;

const state = {
  names: [],
  latestEvent: 0,
  mapKey: "",
  mapAt: 0,
  sample: null, // {at, byDatacenter}
  timer: null,
};

function mapKey(status) {
  const targets = (status.targets || []).map((t) => `${t.address}/${t.datacenter}/${t.state}`);
  return JSON.stringify([status.generation, status.datacenters, targets,
    selectValue("map-service"), selectValue("map-type")]);
}

function selectValue(id) {
  return document.getElementById(id).value;
}

async function refreshMap() {
  const query = new URLSearchParams({ type: selectValue("map-type") });
  if (selectValue("map-service")) query.set("service", selectValue("map-service"));
  const answer = await getJson(`/map?${query}`);
  if (!answer.ok || !answer.body) return;
  const services = answer.body.services || [];
  const select = document.getElementById("map-service");
  if (select.options.length !== services.length) {
    select.replaceChildren(...services.map((s) => el("option", { value: s, text: s })));
    if (answer.body.service) select.value = answer.body.service;
    const name = document.getElementById("explain-name");
    if (!name.value && services.length) name.value = services[0];
  }
  map.paint(answer.body, state.names);
}

function renderEvents(events) {
  const list = document.getElementById("events");
  if (!events.length && !list.children.length) {
    list.replaceChildren(el("li", { class: "empty", text: "No events yet." }));
    return;
  }
  const empty = list.querySelector(".empty");
  if (empty && events.length) empty.remove();
  for (const event of events) {
    list.prepend(el("li", { data: { seq: event.seq, kind: event.kind } },
      el("time", { datetime: event.time, text: clock(event.unix_ms) }),
      el("span", { class: `badge kind ${badgeClass(event)}`, text: event.kind }),
      el("span", { text: event.message })));
  }
  while (list.children.length > 200) list.lastChild.remove();
}

function badgeClass(event) {
  if (["down", "drained", "rejected"].includes(event.state)) return "down";
  if (["up", "undrained", "applied"].includes(event.state)) return "up";
  return "forced";
}

function rates(exposition) {
  if (exposition === null) return;
  const now = performance.now();
  const { byDatacenter } = steeringCounts(exposition);
  const previous = state.sample;
  state.sample = { at: now, byDatacenter };
  if (!previous) return;
  const seconds = (now - previous.at) / 1000;
  const perSecond = new Map();
  for (const [name, count] of byDatacenter) {
    perSecond.set(name, Math.max(0, count - (previous.byDatacenter.get(name) || 0)) / seconds);
  }
  renderRates(perSecond);
}

async function tick() {
  const [status, events, exposition] = await Promise.all([
    getJson("/status"),
    getJson(`/events?after=${state.latestEvent}`),
    getText("/metrics"),
  ]);
  const live = document.getElementById("live");
  if (!status.ok) {
    live.textContent = `no answer from the server (${status.status || "offline"})`;
    live.classList.add("stale");
    return;
  }
  live.textContent = `live · ${clock(Date.now()).slice(11)}`;
  live.classList.remove("stale");
  state.names = (status.body.datacenters || []).map((d) => d.name);
  renderServer(status.body);
  renderDatacenters(status.body, refresh);
  if (events.ok) {
    renderEvents(events.body.events || []);
    state.latestEvent = events.body.latest;
  }
  rates(exposition);
  const key = mapKey(status.body);
  if (key !== state.mapKey || Date.now() - state.mapAt > MAP_EVERY_MS) {
    state.mapKey = key;
    state.mapAt = Date.now();
    await refreshMap();
  }
}

// Runs a tick now and reschedules the loop (after an action, or a change of selection).
async function refresh() {
  clearTimeout(state.timer);
  try {
    await tick();
  } finally {
    state.timer = setTimeout(refresh, POLL_MS);
  }
}

async function start() {
  actions.setupToken(refresh);
  setupExplain();
  document.addEventListener("refresh", refresh);
  for (const id of ["map-service", "map-type"]) {
    document.getElementById(id).addEventListener("change", () => { state.mapKey = ""; refresh(); });
  }
  try {
    await map.loadWorld((code) => map.showCountry(code, selectValue("map-service"), selectValue("map-type")));
  } catch (error) {
    actions.notice(String(error), "error");
  }
  await refresh();
}

start();
