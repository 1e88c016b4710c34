// The viewer canvas: the image (or an A/B wipe of two images) with zoom and pan, and on a second canvas
// the faces and the segment-offset handles. The image canvas holds image pixels only, so what it shows
// can be read back exactly.

const SEGMENTS = [  // [knob prefix, landmark parameter of the handle, or "top"]
  ["cheek_left", 1.5], ["jaw_left", 4.5], ["chin", 8], ["jaw_right", 11.5], ["cheek_right", 14.5], ["hairline", "top"],
];
const FLAG_COLOURS = { outlier: "#ff4b4b", predicted: "#f2c94c", interpolated: "#f2c94c", locked: "#5aa9ff" };

function lerpPoint(points, t) {
  const i = Math.floor(t), f = t - i;
  const a = points[i], b = points[Math.min(i + 1, points.length - 1)];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

export function faceSize(points) {
  const w = Math.hypot(points[16][0] - points[0][0], points[16][1] - points[0][1]);
  const h = Math.hypot(points[27][0] - points[8][0], points[27][1] - points[8][1]);
  return 0.5 * (w + h);
}

export class Viewer {
  constructor(stage, onHandle) {
    this.stage = stage;
    this.view = stage.querySelector("#view");
    this.marks = stage.querySelector("#marks");
    this.info = stage.querySelector("#pixel-info");
    this.onHandle = onHandle;  // (knob, value, done) while a handle is dragged
    this.a = null; this.b = null; this.wipe = false; this.wipeX = 0.5;
    this.faces = []; this.showFaces = true; this.offsets = null;  // {segment: offset} or null: no handles
    this.scale = 1; this.tx = 0; this.ty = 0; this.fitted = false;
    this.drag = null;
    new ResizeObserver(() => this.resize()).observe(stage);
    this.marks.addEventListener("pointerdown", (e) => this.down(e));
    this.marks.addEventListener("pointermove", (e) => this.move(e));
    this.marks.addEventListener("pointerup", (e) => this.up(e));
    this.marks.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    this.resize();
  }

  resize() {
    for (const c of [this.view, this.marks]) {
      c.width = this.stage.clientWidth; c.height = this.stage.clientHeight;
    }
    if (!this.fitted && this.a) this.fit();
    this.draw();
  }

  // a, b: ImageBitmaps, a proxy or the full frame; size: the frame's size (what proxies are drawn at).
  setImages(a, b, size) {
    this.a = a; this.b = b;
    this.size = size || { width: a.width, height: a.height };
    if (!this.fitted && a) this.fit();
    this.draw();
  }

  fit() {
    if (!this.a) return;
    const w = this.size.width, h = this.size.height;
    this.scale = Math.min(this.view.width / w, this.view.height / h) * 0.95;
    this.tx = (this.view.width - w * this.scale) / 2;
    this.ty = (this.view.height - h * this.scale) / 2;
    this.fitted = true;
    this.draw();
  }

  oneToOne() {
    this.scale = 1; this.tx = 0; this.ty = 0; this.fitted = true;
    this.draw();
  }

  toImage(x, y) { return [(x - this.tx) / this.scale, (y - this.ty) / this.scale]; }
  toScreen(p) { return [p[0] * this.scale + this.tx, p[1] * this.scale + this.ty]; }

  draw() {
    const ctx = this.view.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.view.width, this.view.height);
    if (this.a) {
      ctx.imageSmoothingEnabled = this.scale < 1;
      ctx.setTransform(this.scale, 0, 0, this.scale, this.tx, this.ty);
      const { width, height } = this.size;
      ctx.drawImage(this.a, 0, 0, width, height);
      if (this.wipe && this.b) {
        const x = Math.round(this.wipeX * width);
        ctx.save();
        ctx.beginPath(); ctx.rect(x, 0, width - x, height); ctx.clip();
        ctx.drawImage(this.b, 0, 0, width, height);
        ctx.restore();
      }
    }
    this.drawMarks();
  }

  handles() {
    if (!this.offsets || !this.showFaces) return [];
    const out = [];
    for (const face of this.faces) {
      const p = face.landmarks, size = faceSize(p);
      const centre = [(p[0][0] + p[16][0] + p[8][0] + p[27][0]) / 4, (p[0][1] + p[16][1] + p[8][1] + p[27][1]) / 4];
      for (const [segment, t] of SEGMENTS) {
        const knob = `${segment}_offset`;
        if (!(knob in this.offsets)) continue;
        const base = t === "top" ? [(p[19][0] + p[24][0]) / 2, (p[19][1] + p[24][1]) / 2] : lerpPoint(p, t);
        let d = [base[0] - centre[0], base[1] - centre[1]];
        const n = Math.hypot(d[0], d[1]) || 1; d = [d[0] / n, d[1] / n];
        const value = this.drag && this.drag.handle && this.drag.handle.knob === knob ? this.drag.value : this.offsets[knob];
        const at = [base[0] + d[0] * value * size / 100, base[1] + d[1] * value * size / 100];
        out.push({ knob, base, dir: d, size, at, face: face.track_id });
      }
    }
    return out;
  }

  drawMarks() {
    const ctx = this.marks.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.marks.width, this.marks.height);
    if (!this.a) return;
    if (this.wipe && this.b) {
      const [x] = this.toScreen([this.wipeX * this.size.width, 0]);
      ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, this.marks.height); ctx.stroke();
      ctx.fillStyle = "#fff"; ctx.font = "12px system-ui";
      ctx.fillText("A", x - 16, 16); ctx.fillText("B", x + 8, 16);
    }
    if (!this.showFaces) return;
    for (const face of this.faces) {
      const flag = face.flags.find((f) => f in FLAG_COLOURS);
      const colour = flag ? FLAG_COLOURS[flag] : "#4cd964";
      const [x0, y0] = this.toScreen([face.box[0], face.box[1]]);
      const [x1, y1] = this.toScreen([face.box[2], face.box[3]]);
      ctx.strokeStyle = colour; ctx.lineWidth = 1.5;
      ctx.setLineDash(flag === "predicted" || flag === "interpolated" ? [6, 4] : []);
      ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      ctx.setLineDash([]);
      ctx.fillStyle = colour; ctx.font = "12px system-ui";
      ctx.fillText(`track ${face.track_id} · ${face.identity}${face.flags.length ? " · " + face.flags.join(", ") : ""}`,
        x0, y0 - 5);
      ctx.fillStyle = "rgba(255,255,255,0.8)";
      for (const p of face.landmarks) {
        const [x, y] = this.toScreen(p);
        ctx.fillRect(x - 1, y - 1, 2, 2);
      }
      ctx.strokeStyle = "rgba(255,255,255,0.35)"; ctx.beginPath();
      face.landmarks.slice(0, 17).forEach((p, i) => { const [x, y] = this.toScreen(p); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
      ctx.stroke();
    }
    for (const h of this.handles()) {
      const [bx, by] = this.toScreen(h.base), [x, y] = this.toScreen(h.at);
      ctx.strokeStyle = "#e8903a"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(bx, by); ctx.lineTo(x, y); ctx.stroke();
      ctx.fillStyle = this.drag && this.drag.handle && this.drag.handle.knob === h.knob ? "#fff" : "#e8903a";
      ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI); ctx.fill();
    }
  }

  hit(e) {
    const x = e.offsetX, y = e.offsetY;
    for (const h of this.handles()) {
      const [hx, hy] = this.toScreen(h.at);
      if (Math.hypot(hx - x, hy - y) < 8) return { handle: h };
    }
    if (this.wipe && this.b && this.a) {
      const [wx] = this.toScreen([this.wipeX * this.size.width, 0]);
      if (Math.abs(wx - x) < 6) return { wipe: true };
    }
    return { pan: true };
  }

  down(e) {
    this.drag = { ...this.hit(e), x: e.offsetX, y: e.offsetY, tx: this.tx, ty: this.ty };
    if (this.drag.handle) this.drag.value = this.offsets[this.drag.handle.knob];
    this.marks.setPointerCapture(e.pointerId);
  }

  move(e) {
    if (this.a) {
      const [ix, iy] = this.toImage(e.offsetX, e.offsetY);
      this.info.textContent = `x ${ix.toFixed(1)}  y ${iy.toFixed(1)}  zoom ${(this.scale * 100).toFixed(0)}%`;
    }
    const d = this.drag;
    if (!d) return;
    if (d.handle) {
      const p = this.toImage(e.offsetX, e.offsetY), h = d.handle;
      const along = (p[0] - h.base[0]) * h.dir[0] + (p[1] - h.base[1]) * h.dir[1];
      d.value = Math.max(-25, Math.min(25, Math.round(along / h.size * 1000) / 10));
      this.onHandle(h.knob, d.value, false);
      this.drawMarks();
    } else if (d.wipe) {
      this.wipeX = Math.max(0, Math.min(1, this.toImage(e.offsetX, 0)[0] / this.size.width));
      this.draw();
    } else {
      this.tx = d.tx + e.offsetX - d.x; this.ty = d.ty + e.offsetY - d.y;
      this.draw();
    }
  }

  up(e) {
    const d = this.drag;
    this.drag = null;
    if (d && d.handle && d.value !== this.offsets[d.handle.knob]) {
      this.offsets[d.handle.knob] = d.value;
      this.onHandle(d.handle.knob, d.value, true);
    }
    this.drawMarks();
  }

  wheel(e) {
    e.preventDefault();
    const k = Math.exp(-e.deltaY * 0.0015);
    const [ix, iy] = this.toImage(e.offsetX, e.offsetY);
    this.scale = Math.max(0.02, Math.min(64, this.scale * k));
    this.tx = e.offsetX - ix * this.scale; this.ty = e.offsetY - iy * this.scale;
    this.draw();
  }

  // The image pixels under the viewer, read back from the image canvas (for tests and the pixel readout).
  pixels() {
    const ctx = this.view.getContext("2d");
    return ctx.getImageData(0, 0, this.view.width, this.view.height);
  }
}
