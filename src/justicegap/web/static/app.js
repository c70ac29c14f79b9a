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
    const meta = spec.usermeta || {};
    // The container is the image (role="img", the text alternative as its label); the drawing
    // goes in an inner element hidden from assistive technology. A map's areas are the exception:
    // each is reached by keyboard and heard with its figures (keyboardMap).
    const drawing = document.createElement("div");
    drawing.className = "chart-drawing";
    if (!meta.keyboard) drawing.setAttribute("aria-hidden", "true");
    target.replaceChildren(drawing);
    jobs.push(window.vegaEmbed(drawing, spec, { actions: false, renderer: "svg" })
      .then((result) => {
        for (const svg of drawing.querySelectorAll("svg")) svg.setAttribute("focusable", "false");
        if (meta.keyboard === "areas") keyboardMap(fig, target, drawing, result.view);
        else drawing.setAttribute("aria-hidden", "true");
        if (meta.labels === "no-overlap") placeLabels(drawing, result.view);
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

// The scenegraph items of a drawn chart's own marks of one type (not its axes or legends), each
// with its datum and, drawn as SVG, its element (item._svg).
function markItems(view, marktype) {
  const out = [];
  (function walk(mark) {
    for (const item of mark.items || []) {
      if (mark.marktype === marktype && mark.role === "mark") out.push(item);
      for (const child of item.items || []) walk(child);
    }
  })(view.scenegraph().root);
  return out;
}

// Maps: every area is reachable by keyboard. The map is one stop in the Tab order; the arrow keys
// then go from area to area in name order (Home and End: the first and last; a letter: the next
// area starting with it). The focused area is ringed (black and yellow, as every focus on the site),
// heard with its figures, and shown them in a box beside it; the table below holds the same.
function keyboardMap(fig, canvas, drawing, view) {
  const svg = drawing.querySelector("svg");
  const byName = new Map();
  for (const item of markItems(view, "shape")) {
    const d = item.datum || {};
    if (!item.tooltip || d.name == null || !item._svg) continue;  // the grey base layer, or no figure
    if (!byName.has(d.name)) byName.set(d.name, { name: d.name, tip: item.tooltip, els: [] });
    byName.get(d.name).els.push(item._svg);  // a CPS Area is its forces, a partnership its districts
  }
  const areas = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name, "en"));
  if (!svg || !areas.length) { drawing.setAttribute("aria-hidden", "true"); return; }
  const keep = new Set();
  areas.forEach((a, i) => {
    a.lines = Object.entries(a.tip).filter(([k]) => k !== "Area").map(([k, v]) => `${k}: ${v}`);
    a.text = [a.name, ...a.lines].join("; ");
    const el = a.els[0];
    el.setAttribute("tabindex", i === 0 ? "0" : "-1");
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", a.text);
    el.classList.add("map-area");
    el.dataset.area = String(i);
    keep.add(el);
  });
  // Assistive technology hears the areas only: everything else in the drawing is hidden from it.
  const chain = new Set();
  for (const el of keep) for (let p = el.parentNode; p && p !== svg; p = p.parentNode) chain.add(p);
  for (const p of [svg, ...chain]) {
    if (p !== svg) for (const a of ["role", "aria-roledescription", "aria-label"]) p.removeAttribute(a);
    for (const c of p.children) if (!chain.has(c) && !keep.has(c)) c.setAttribute("aria-hidden", "true");
  }
  const hint = fig.querySelector(".keys-hint");
  if (hint) hint.hidden = false;
  const box = document.createElement("div");
  box.className = "map-focus";
  box.setAttribute("aria-hidden", "true");  // the area's label says the same to a screen reader
  box.hidden = true;
  canvas.appendChild(box);
  // The listeners are on the canvas, not the drawing: Chromium makes an SVG element with focus
  // listeners a Tab stop of its own.
  let rings = [];
  const clear = () => { for (const r of rings) r.remove(); rings = []; box.hidden = true; };
  canvas.addEventListener("focusin", (e) => {
    const i = e.target.dataset ? e.target.dataset.area : undefined;
    if (i === undefined) return;
    clear();
    const a = areas[Number(i)];
    for (const el of a.els) {
      for (const [width, colour] of [[5, "#0b0c0c"], [2.5, "#ffdd00"]]) {
        const ring = document.createElementNS("http://www.w3.org/2000/svg", "path");
        ring.setAttribute("d", el.getAttribute("d"));
        if (el.getAttribute("transform")) ring.setAttribute("transform", el.getAttribute("transform"));
        ring.setAttribute("fill", "none");
        ring.setAttribute("stroke", colour);
        ring.setAttribute("stroke-width", String(width));
        ring.setAttribute("stroke-linejoin", "round");
        ring.setAttribute("pointer-events", "none");
        ring.setAttribute("aria-hidden", "true");
        ring.setAttribute("class", "focus-ring");
        el.parentNode.appendChild(ring);
        rings.push(ring);
      }
    }
    const name = document.createElement("strong");
    name.textContent = a.name;
    box.replaceChildren(name, ...a.lines.map((line) => { const p = document.createElement("span"); p.textContent = line; return p; }));
    box.hidden = false;
    const c = canvas.getBoundingClientRect();
    const rects = a.els.map((el) => el.getBoundingClientRect());
    const top = Math.min(...rects.map((r) => r.top)), bottom = Math.max(...rects.map((r) => r.bottom));
    const left = Math.min(...rects.map((r) => r.left));
    let y = bottom - c.top + 8;
    if (y + box.offsetHeight > c.height) y = Math.max(0, top - c.top - box.offsetHeight - 8);
    box.style.top = `${y}px`;
    box.style.left = `${Math.max(0, Math.min(left - c.left, c.width - box.offsetWidth))}px`;
  });
  canvas.addEventListener("focusout", clear);
  canvas.addEventListener("keydown", (e) => {
    const cur = e.target.dataset ? e.target.dataset.area : undefined;
    if (cur === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
    const i = Number(cur), n = areas.length;
    let next = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: n - 1 }[e.key];
    if (next === undefined && e.key.length === 1 && /\p{L}/u.test(e.key)) {
      const letter = e.key.toLocaleLowerCase("en");
      for (let k = 1; k <= n && next === undefined; k++) {
        const name = areas[(i + k) % n].name.replace(/^CPS /, "");  // CPS Areas go by what follows "CPS"
        if (name.toLocaleLowerCase("en").startsWith(letter)) next = (i + k) % n;
      }
    }
    if (next === undefined) return;
    e.preventDefault();
    next = (next + n) % n;
    areas[i].els[0].setAttribute("tabindex", "-1");
    areas[next].els[0].setAttribute("tabindex", "0");
    areas[next].els[0].focus();
  });
}

// Funnel plots: the names beside the points never overlap. The page's own area is placed first,
// then the areas furthest outside the limits (their rank); a name that would touch one already
// placed is moved a line up or down, and left off when neither is free (further would part it from its point) (its point keeps its
// tooltip and the table lists every area). Placed again whenever the plot is redrawn (zoom, pan,
// a new width).
function placeLabels(drawing, view) {
  const svg = drawing.querySelector("svg");
  if (!svg) return;
  const rank = (item) => (item.datum && item.datum.rank != null ? item.datum.rank : -1);
  const layout = () => {
    const frame = svg.getBoundingClientRect();
    const placed = [];
    const items = markItems(view, "text").filter((i) => i._svg && i._svg.isConnected).sort((a, b) => rank(a) - rank(b));
    for (const item of items) {
      const el = item._svg;
      const drawn = el.getAttribute("transform") || "";
      if (drawn !== el.jgSet) el.jgBase = drawn;  // Vega drew it anew: its own place is the start
      const base = el.jgBase;
      el.setAttribute("transform", base);
      el.removeAttribute("visibility");
      const r = el.getBoundingClientRect();
      if (!el.textContent.trim() || r.width === 0) continue;
      let shown = false;
      for (const dy of [0, -13, 13]) {
        const box = { l: r.left - 1, r: r.right + 1, t: r.top + dy - 1, b: r.bottom + dy + 1 };
        if (dy && (box.t < frame.top || box.b > frame.bottom)) continue;
        if (placed.some((p) => p.l < box.r && box.l < p.r && p.t < box.b && box.t < p.b)) continue;
        placed.push(box);
        const t = dy ? `${base} translate(0,${dy})` : base;
        el.setAttribute("transform", t);
        el.jgSet = t;
        shown = true;
        break;
      }
      if (!shown) {
        el.setAttribute("visibility", "hidden");
        el.jgSet = base;
      }
    }
  };
  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(() => { queued = false; layout(); observer.takeRecords(); });
  });
  layout();
  observer.observe(svg, { subtree: true, childList: true, attributes: true, attributeFilter: ["transform"] });
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
