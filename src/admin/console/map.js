// The world map: country outlines from /console/world.json (Natural Earth, see NOTICE.md),
// each coloured by the datacenter its clients get now according to GET /map; striped when
// that is not the datacenter they prefer (a drain or a failure moved them); grey when no
// datacenter answers (the zone file's records, or no target of the type). A click shows the
// country's decision trace.

import { el, svg, getJson, colourOf } from "./util.js";

let world = null;
const shapes = new Map(); // code -> [SVG elements]
let selected = null;
let current = null; // the latest /map answer

export async function loadWorld(onPick) {
  const answer = await getJson("/console/world.json");
  if (!answer.ok) throw new Error("cannot load the world map");
  world = answer.body;
  const root = document.getElementById("map");
  root.setAttribute("viewBox", `0 0 ${world.width} ${world.height}`);
  const defs = svg("defs", { id: "map-patterns" });
  const land = svg("g", {});
  const dots = svg("g", {});
  for (const country of world.countries) {
    const shape = country.d
      ? svg("path", { d: country.d })
      : svg("circle", { cx: country.dot[0], cy: country.dot[1], r: 5 });
    shape.setAttribute("class", "none");
    shape.dataset.code = country.code;
    shape.append(svg("title", { text: country.name }));
    shape.addEventListener("click", () => onPick(country.code));
    (country.d ? land : dots).append(shape);
    if (!shapes.has(country.code)) shapes.set(country.code, []);
    shapes.get(country.code).push(shape);
  }
  root.replaceChildren(defs, land, dots);
}

export function countryName(code) {
  const country = world && world.countries.find((c) => c.code === code);
  return country ? country.name : code;
}

// Stripes in a datacenter's colour, for countries moved away from their first choice.
function patterns(names) {
  const defs = document.getElementById("map-patterns");
  defs.replaceChildren(...names.map((name, i) => svg("pattern", {
    id: `moved-${i}`, patternUnits: "userSpaceOnUse", width: 10, height: 10,
    patternTransform: "rotate(45)",
  }, svg("rect", { width: 10, height: 10, fill: colourOf(name, names) }),
  svg("rect", { width: 4, height: 10, fill: "rgba(255,255,255,0.65)" }))));
}

// Colours every country from a /map answer; `names` is the console's sorted datacenter list.
export function paint(map, names) {
  current = map;
  patterns(names);
  const counts = new Map();
  let moved = 0;
  for (const [code, list] of shapes) {
    const entry = map.countries ? map.countries[code] : null;
    const dc = entry && entry.datacenter;
    for (const shape of list) {
      const title = shape.querySelector("title");
      if (!dc) {
        shape.setAttribute("class", "none");
        shape.removeAttribute("fill");
        delete shape.dataset.datacenter;
        title.textContent = `${countryName(code)}: ${entry ? entry.reason : "no answer"}`;
        continue;
      }
      const away = entry.first_choice && entry.first_choice !== dc;
      shape.setAttribute("class", code === selected ? "selected" : "");
      shape.setAttribute("fill", away ? `url(#moved-${names.indexOf(dc)})` : colourOf(dc, names));
      shape.dataset.datacenter = dc;
      shape.dataset.reason = entry.reason;
      title.textContent = `${countryName(code)} → ${dc} (${entry.reason}` +
        `${away ? `, prefers ${entry.first_choice}` : ""})`;
    }
    if (dc) counts.set(dc, (counts.get(dc) || 0) + 1);
    if (dc && entry.first_choice && entry.first_choice !== dc) moved += 1;
  }
  legend(map, names, counts, moved);
}

function legend(map, names, counts, moved) {
  const items = (map.datacenters || []).map((d) => {
    const swatch = el("i", { class: "swatch" });
    swatch.style.backgroundColor = colourOf(d.name, names);
    return el("span", { data: { legend: d.name } }, swatch,
      `${d.name}${d.drained ? " (drained)" : ""}: ${counts.get(d.name) || 0}`);
  });
  const striped = el("i", { class: "swatch moved" });
  striped.style.backgroundColor = "#8a97a6";
  items.push(el("span", {}, striped, `moved from first choice: ${moved}`));
  const grey = el("i", { class: "swatch" });
  grey.style.backgroundColor = "#cfd6df";
  const nowhere = Object.values(map.countries || {}).filter((c) => !c.datacenter);
  const why = [...new Set(nowhere.map((c) => c.reason))].join(", ");
  items.push(el("span", { data: { legend: "" } }, grey,
    `no datacenter${why ? ` (${why})` : ""}: ${nowhere.length}`));
  document.getElementById("legend").replaceChildren(...items);
}

// Shows why one country's clients go where they go.
export async function showCountry(code, service, type) {
  selected = code;
  for (const [c, list] of shapes) {
    for (const shape of list) shape.classList.toggle("selected", c === code);
  }
  const box = document.getElementById("country");
  const query = new URLSearchParams({ service, type, country: code });
  const answer = await getJson(`/map?${query}`);
  if (!answer.ok) {
    box.replaceChildren(el("span", { class: "error", text: (answer.body && answer.body.error) || "no answer" }));
    return;
  }
  const entry = answer.body.countries[code] || {};
  box.replaceChildren(
    el("div", {}, el("b", { text: countryName(code) }), ` (${code}): `,
      el("b", { text: entry.datacenter || "no datacenter" }),
      ` — ${entry.reason || ""}`,
      entry.first_choice && entry.first_choice !== entry.datacenter
        ? `, first choice ${entry.first_choice}` : ""),
    el("ol", { class: "trace", id: "country-trace" },
      (answer.body.trace || []).map((line) => el("li", { text: line }))),
  );
}

export function latest() {
  return current;
}
