// The viewer page: wires the toolbar, the viewer canvas, the knob panel, the timeline and render range
// to the HTTP API. Image requests are "latest wins": a newer request aborts the one in flight and a late
// answer to an old request is never drawn; they carry this page's lane, so the server drops the work of
// a request a newer one superseded (answered "Superseded", not shown). Frames already fetched for the current settings are kept, so
// cached frames play at speed.

import * as api from "./api.js";
import { buildPanel } from "./knobs.js";
import { Strip } from "./timeline.js";
import { Viewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const state = {
  script: null, frame: 0, nodeA: "", nodeB: "", wipe: false, layer: "rgba", channel: "rgb", overlay: "",
  exposure: 0, gamma: 1, display: "", view: "", exact: false, size: null, selected: null, edits: 0, playing: false,
};
const frames = new Map();  // image URL -> ImageBitmap, for the current script state
let serial = 0, drawn = 0, controller = null, qc = [];
const viewer = new Viewer($("stage"), (knob, value, final) => handleDragged(knob, value, final));
const strip = new Strip($("strip"), (f) => setFrame(f), (from, to) => {
  if (state.selected) edited(api.post("/api/key/move", { ...state.selected, frame: from, to }));
});

const PROXY = 2;  // the quick first look after an edit or a scrub: half the size (the full render, reduced)
const LANE = Math.random().toString(36).slice(2);  // this page's image requests (see the header)
const MAX_FRAMES = 240;  // images kept in the page (a 1080p frame is 8 MB decoded)

function imageParams(node, proxy = 1) {
  return { node, frame: state.frame, layer: state.layer, channel: state.channel, exposure: state.exposure,
    gamma: state.gamma, display: state.display, view: state.view, overlay: state.overlay, v: state.edits,
    exact: state.exact ? 1 : "", proxy: proxy > 1 ? proxy : "" };
}

async function fetchImage(node, signal, proxy = 1) {
  const key = api.url("/api/frame.rgb", imageParams(node, proxy));
  if (frames.has(key)) return { bitmap: frames.get(key), timing: null };
  const result = await api.image("/api/frame.rgb", { ...imageParams(node, proxy), lane: LANE }, signal);
  frames.set(key, result.bitmap);
  while (frames.size > MAX_FRAMES) frames.delete(frames.keys().next().value);
  return result;
}

function cached(node) {
  return frames.has(api.url("/api/frame.rgb", imageParams(node)));
}

async function refreshImage() {
  const mine = ++serial;
  if (controller) controller.abort();
  controller = new AbortController();
  const signal = controller.signal;
  const started = performance.now();
  try {
    const wipe = state.wipe && state.nodeB;
    if (!cached(state.nodeA) && !state.playing) {  // a proxy first (cheap to transform and send)
      const pa = await fetchImage(state.nodeA, signal, PROXY);
      const pb = wipe ? await fetchImage(state.nodeB, signal, PROXY) : null;
      if (mine >= drawn) { viewer.wipe = state.wipe; viewer.setImages(pa.bitmap, pb && pb.bitmap, state.size); }
    }
    const a = await fetchImage(state.nodeA, signal);
    const b = wipe ? await fetchImage(state.nodeB, signal) : null;
    if (mine < drawn) return;  // a newer image is already up
    drawn = mine;
    viewer.wipe = state.wipe;
    viewer.setImages(a.bitmap, b && b.bitmap, state.size);
    const t = a.timing;
    $("timing").textContent = t ? `render ${t.render} ms, display ${t.display} ms, total ${(performance.now() - started).toFixed(0)} ms`
      : "cached";
    document.body.dataset.shown = `${state.nodeA}@${state.frame}#${state.edits}/${state.layer}`;
    api.clearError();
  } catch (e) {
    if (e.name !== "AbortError" && e.kind !== "Superseded") api.showError(e.message);
  }
}

async function refreshFaces() {
  try {
    const { faces } = await api.get("/api/faces", { node: state.nodeA, frame: state.frame });
    viewer.faces = faces;
  } catch (e) { viewer.faces = []; api.showError(e.message); }
  viewer.offsets = handleOffsets();
  viewer.drawMarks();
}

function handleNode() {
  // Handles edit the segment offsets of the viewed node when it has them, else the script's JawBlend.
  const nodes = state.script.nodes;
  const has = (n) => n.knobs.some((k) => k.name === "jaw_left_offset");
  return nodes.find((n) => n.name === state.nodeA && has(n)) || nodes.find((n) => n.type === "JawBlend" && has(n));
}

function handleOffsets() {
  const node = handleNode();
  if (!node) return null;
  const out = {};
  for (const k of node.knobs) if (k.name.endsWith("_offset")) out[k.name] = k.at_frame;
  return out;
}

// A handle's value is sent when it is let go (one edit, one undo step); dragging moves the handle only.
let pendingHandle = null, handleBusy = false;
async function handleDragged(knob, value, final) {
  const node = handleNode();
  if (!node || !final) return;
  pendingHandle = { knob: node.knobs.find((k) => k.name === knob), value };
  if (handleBusy) return;
  handleBusy = true;
  while (pendingHandle) {
    const { knob: k, value: v } = pendingHandle;
    pendingHandle = null;
    await change(node.name, k, v, true, "linear");
  }
  handleBusy = false;
}

async function loadScript() {
  state.script = await api.get("/api/script", { frame: state.frame });
  const s = state.script;
  $("status").textContent = `${s.script.split("/").pop()}${s.dirty ? " (unsaved)" : ""}`;
  $("status").className = s.dirty ? "dirty" : "";
  $("undo").disabled = !s.can_undo; $("redo").disabled = !s.can_redo;
  buildPanel($("knobs"), s, state, actions);
  const sel = state.selected && s.nodes.find((n) => n.name === state.selected.node);
  const knob = sel && sel.knobs.find((k) => k.name === state.selected.knob);
  strip.set({ keys: knob ? knob.keys : [] });
  viewer.offsets = handleOffsets();
  viewer.drawMarks();
}

async function refreshLayers() {
  const plate = await api.get("/api/plate", { node: state.nodeA, frame: state.frame });
  state.size = { width: plate.width, height: plate.height };
  const layer = $("layer"), overlay = $("overlay");
  const keep = state.layer, keepOverlay = state.overlay;
  layer.replaceChildren(...plate.views.map((v) => new Option(v, v)));
  overlay.replaceChildren(new Option("none", ""), ...plate.views.filter((v) => v !== "rgba" && v !== "fp_swap").map((v) => new Option(v, v)));
  state.layer = plate.views.includes(keep) ? keep : plate.views[0];
  state.overlay = plate.views.includes(keepOverlay) ? keepOverlay : "";
  layer.value = state.layer; overlay.value = state.overlay;
}

async function everything() {
  await loadScript();
  await refreshLayers();
  await Promise.all([refreshImage(), refreshFaces()]);
}

async function setFrame(f) {
  const [first, last] = state.script.frame_range || [f, f];
  state.frame = Math.max(first, Math.min(last, Math.round(f)));
  $("frame").value = state.frame; $("scrub").value = state.frame;
  strip.set({ frame: state.frame });
  await Promise.all([refreshImage(), refreshFaces(), loadScript()]);
}

async function edited(promise) {
  try {
    await promise;
    state.edits += 1;
    frames.clear();
    await everything();
  } catch (e) {
    api.showError(e.message);
    await loadScript();  // put the panel back to what the script holds
  }
}

async function change(node, knob, value, final, interpolation) {
  if (!final) return;
  const body = { node, knob: knob.name, value };
  if (knob.keys.length) await edited(api.post("/api/key", { ...body, frame: state.frame, interpolation }));
  else await edited(api.post("/api/knob", body));
}

const actions = {
  change,
  select(node, knob, redraw = true) {
    state.selected = { node, knob };
    const n = state.script.nodes.find((x) => x.name === node);
    strip.set({ keys: n.knobs.find((k) => k.name === knob).keys });
    if (redraw) buildPanel($("knobs"), state.script, state, actions);
  },
  async setKey(node, knob, value, interpolation) {
    actions.select(node, knob.name, false);
    await edited(api.post("/api/key", { node, knob: knob.name, frame: state.frame, value, interpolation }));
  },
  async deleteKey(node, knob) {
    await edited(api.post("/api/key/delete", { node, knob, frame: state.frame }));
  },
};

async function play() {
  state.playing = !state.playing;
  $("play").textContent = state.playing ? "stop" : "play";
  const [first, last] = state.script.frame_range;
  while (state.playing) {
    const t0 = performance.now();
    await setFrame(state.frame >= last ? first : state.frame + 1);
    const wait = 1000 / 24 - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

async function renderRange() {
  try {
    let job = await api.post("/api/render", { frames: $("render-frames").value });
    const bar = $("render-progress");
    while (job.state === "running") {
      bar.max = job.total; bar.value = job.done;
      $("render-report").textContent = `rendering ${job.done} / ${job.total}`;
      await new Promise((r) => setTimeout(r, 300));
      job = await api.get(`/api/render/${job.id}`);
    }
    bar.max = job.total; bar.value = job.done;
    const failed = job.report ? Object.values(job.report.frames).filter((f) => f.status === "failed") : [];
    $("render-report").textContent = job.error ? `failed: ${job.error}` :
      `${job.state}: ${job.done} frames in ${job.seconds} s${failed.length ? `, ${failed.length} failed (frame ${failed[0].frame}: ${failed[0].error})` : ""}`;
  } catch (e) { api.showError(e.message); }
}

function bind() {
  const onSelect = (id, key, then = refreshImage) => $(id).addEventListener("change", async () => {
    state[key] = $(id).value; await then();
  });
  onSelect("node-a", "nodeA", async () => { await refreshLayers(); await Promise.all([refreshImage(), refreshFaces()]); });
  onSelect("node-b", "nodeB");
  onSelect("layer", "layer");
  onSelect("channel", "channel");
  onSelect("overlay", "overlay");
  onSelect("view", "view");
  $("display").addEventListener("change", () => { state.display = $("display").value; fillViews(); refreshImage(); });
  $("exposure").addEventListener("change", () => { state.exposure = Number($("exposure").value); refreshImage(); });
  $("gamma").addEventListener("change", () => { state.gamma = Number($("gamma").value); refreshImage(); });
  $("exact").addEventListener("change", () => { state.exact = $("exact").checked; refreshImage(); });
  $("wipe").addEventListener("change", () => { state.wipe = $("wipe").checked; refreshImage(); });
  $("faces").addEventListener("change", () => { viewer.showFaces = $("faces").checked; viewer.drawMarks(); });
  $("fit").addEventListener("click", () => viewer.fit());
  $("one").addEventListener("click", () => viewer.oneToOne());
  $("frame").addEventListener("change", () => setFrame(Number($("frame").value)));
  $("scrub").addEventListener("input", () => setFrame(Number($("scrub").value)));
  $("play").addEventListener("click", play);
  $("undo").addEventListener("click", () => edited(api.post("/api/undo")));
  $("redo").addEventListener("click", () => edited(api.post("/api/redo")));
  $("save").addEventListener("click", async () => { try { await api.post("/api/save"); await loadScript(); } catch (e) { api.showError(e.message); } });
  $("reload").addEventListener("click", () => edited(api.post("/api/reload")));
  $("render").addEventListener("click", renderRange);
  $("error").addEventListener("click", api.clearError);
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (e.key === " ") { e.preventDefault(); play(); }
    else if (e.key === "ArrowRight") setFrame(state.frame + 1);
    else if (e.key === "ArrowLeft") setFrame(state.frame - 1);
    else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") { e.preventDefault(); $(e.shiftKey ? "redo" : "undo").click(); }
    else if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); $("save").click(); }
  });
}

let displays = null;
function fillViews() {
  const views = displays.displays[state.display] || [];
  $("view").replaceChildren(...views.map((v) => new Option(v, v)));
  state.view = views.includes(state.view) ? state.view : displays.default_view && views.includes(displays.default_view) ? displays.default_view : views[0];
  $("view").value = state.view;
}

async function start() {
  bind();
  try {
    displays = await api.get("/api/display");
    $("display").replaceChildren(...Object.keys(displays.displays).map((d) => new Option(d, d)));
    state.display = displays.default_display; $("display").value = state.display;
    fillViews();
    state.script = await api.get("/api/script");
    const s = state.script;
    const [first, last] = s.frame_range || [1, 1];
    state.frame = first;
    for (const id of ["frame", "scrub"]) { $(id).min = first; $(id).max = last; $(id).value = first; }
    $("render-frames").value = `${first}-${last}`;
    const names = s.nodes.map((n) => n.name);
    $("node-a").replaceChildren(...names.map((n) => new Option(n, n)));
    $("node-b").replaceChildren(...names.map((n) => new Option(n, n)));
    const jaw = s.nodes.find((n) => n.type === "JawBlend");
    const read = s.nodes.find((n) => n.type === "Read");
    state.nodeA = jaw ? jaw.name : names[names.length - 1];
    state.nodeB = read ? read.name : names[0];
    $("node-a").value = state.nodeA; $("node-b").value = state.nodeB;
    qc = (await api.get("/api/qc")).nodes.flatMap((n) => n.tracks);
    strip.set({ first, last, frame: first, tracks: qc });
    await everything();
    document.body.dataset.ready = "1";
  } catch (e) { api.showError(e.message); }
}

window.faceplateViewer = { state, viewer, setFrame, refreshImage };
start();
