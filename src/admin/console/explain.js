// "Where does this client go?": GET /explain with a name, a type and a client address or ECS
// prefix; shows the decision trace the server computes against its live state, the same
// lines as `switchyard explain` and `dig NAME CH TXT`.

import { el, getJson } from "./util.js";

export function setupExplain() {
  const form = document.getElementById("explain-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = document.getElementById("explain-output");
    const query = new URLSearchParams({
      name: document.getElementById("explain-name").value.trim(),
      type: document.getElementById("explain-type").value,
      client: document.getElementById("explain-client").value.trim(),
    });
    output.replaceChildren(el("li", { class: "muted", text: "asking…" }));
    const answer = await getJson(`/explain?${query}`);
    if (!answer.ok) {
      const why = (answer.body && answer.body.error) || `HTTP ${answer.status}`;
      output.replaceChildren(el("li", { class: "error", text: why }));
      output.dataset.done = "error";
      return;
    }
    output.replaceChildren(...answer.body.lines.map((line) =>
      el("li", { class: /^\s*answer |^branch /.test(line) ? "answer" : "", text: line })));
    output.dataset.done = "ok";
  });
}
