// justicegap dashboard: small progressive enhancements. Every page works without this file:
// charts are drawn from the specs embedded in the page (their figures are in the tables),
// and the content note can be hidden (remembered in this browser only).
const NOTE_KEY = "justicegap.contentNoteHidden";

function contentNote() {
  const note = document.querySelector("[data-content-note]");
  if (!note) return;
  let hidden = false;
  try { hidden = window.localStorage.getItem(NOTE_KEY) === "1"; } catch (e) { /* storage blocked: show it */ }
  if (hidden) { note.classList.add("dismissed"); return; }
  const button = note.querySelector("[data-dismiss-note]");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    try { window.localStorage.setItem(NOTE_KEY, "1"); } catch (e) { /* not remembered */ }
    note.classList.add("dismissed");
    const main = document.getElementById("main");
    if (main) main.focus();
  });
}

async function drawCharts() {
  const figures = document.querySelectorAll("[data-vega-spec]");
  const jobs = [];
  for (const fig of figures) {
    const specEl = document.getElementById(fig.dataset.vegaSpec);
    const target = fig.querySelector(".chart-canvas");
    if (!specEl || !target || typeof window.vegaEmbed !== "function") continue;
    const spec = JSON.parse(specEl.textContent);
    // The container is the image (role="img", the text alternative as its label); the drawing
    // goes in an inner element hidden from assistive technology.
    const drawing = document.createElement("div");
    drawing.className = "chart-drawing";
    drawing.setAttribute("aria-hidden", "true");
    target.replaceChildren(drawing);
    jobs.push(window.vegaEmbed(drawing, spec, { actions: false, renderer: "svg" })
      .then(() => {
        drawing.setAttribute("aria-hidden", "true");
        for (const svg of drawing.querySelectorAll("svg")) svg.setAttribute("focusable", "false");
        fig.classList.add("rendered");
      })
      .catch((err) => {
        fig.classList.add("failed");
        const p = document.createElement("p");
        p.className = "notice";
        p.textContent = "The chart could not be drawn (" + err.message + "); its figures are in the table.";
        target.replaceChildren(p);
      }));
  }
  await Promise.all(jobs);
  // A comparison still being prepared on the server: look again shortly (the notice is a live status).
  if (document.querySelector("[data-preparing]")) {
    window.setTimeout(() => window.location.reload(), 1500);
    return;
  }
  document.documentElement.dataset.chartsReady = "1";
}

// Phones: a table shows its key columns; a button shows the rest (and hides them again).
function collapsibleTables() {
  document.documentElement.classList.add("js");
  for (const table of document.querySelectorAll("table.collapsible")) {
    if (!table.querySelector(".more")) continue;
    const wrap = table.closest(".table-wrap") || table;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary columns-toggle";
    button.setAttribute("aria-expanded", "false");
    button.textContent = "Show all columns";
    button.addEventListener("click", () => {
      const all = table.classList.toggle("show-all");
      button.setAttribute("aria-expanded", all ? "true" : "false");
      button.textContent = all ? "Show fewer columns" : "Show all columns";
    });
    wrap.parentNode.insertBefore(button, wrap);
  }
}

contentNote();
collapsibleTables();
drawCharts();
