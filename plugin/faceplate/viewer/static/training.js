// The training page: polls the folder's listing every few seconds and reloads what changed.

import * as api from "./api.js";

const $ = (id) => document.getElementById(id);
const seen = new Map();  // file -> mtime shown

function show(img, name, mtime) {
  if (seen.get(name) === mtime) return;
  seen.set(name, mtime);
  img.src = api.url("/api/file", { name, t: mtime });
}

async function refresh() {
  try {
    const s = await api.get("/api/training");
    $("folder").textContent = s.folder;
    if (s.loss_curve) show($("loss"), "loss_curve.png", s.loss_curve);
    const box = $("previews");
    const names = s.previews.map((p) => p.name);
    for (const img of [...box.querySelectorAll("figure")]) if (!names.includes(img.dataset.name)) img.remove();
    for (const p of s.previews) {  // oldest to newest, each put first: the newest shows first
      let fig = box.querySelector(`figure[data-name="${p.name}"]`);
      if (!fig) {
        fig = document.createElement("figure");
        fig.dataset.name = p.name;
        fig.append(document.createElement("img"), Object.assign(document.createElement("figcaption"), { textContent: p.name }));
        box.prepend(fig);
      }
      show(fig.querySelector("img"), p.name, p.mtime);
    }
    $("summary").textContent = s.training ? JSON.stringify(s.training, null, 1) : "running (training.json appears when it finishes)";
    $("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.ready = "1";
    api.clearError();
  } catch (e) { api.showError(e.message); }
}

refresh();
setInterval(refresh, 3000);
