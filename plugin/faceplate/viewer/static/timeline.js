// The timeline strip: keyframe ticks of the selected knob, then one QC row per track (found / predicted /
// outlier, with jitter as bar height), and the playhead. Clicking or dragging on it scrubs; dragging a
// key's tick moves the key.

const STATUS_COLOURS = { found: "#3f9e5a", predicted: "#d9b23c", outlier: "#e04848" };
const ROW = 12, KEY_ROW = 14;

export class Strip {
  constructor(canvas, onFrame, onMoveKey) {
    this.canvas = canvas; this.onFrame = onFrame; this.onMoveKey = onMoveKey;
    this.first = 1; this.last = 1; this.frame = 1; this.keys = []; this.tracks = [];
    let dragging = false;
    canvas.addEventListener("pointerdown", (e) => {
      dragging = true; canvas.setPointerCapture(e.pointerId);
      const f = this.frameAt(e);
      this.moving = e.offsetY < KEY_ROW && this.keys.some((k) => k.frame === f) ? { from: f, to: f } : null;
      if (!this.moving) this.pick(e);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!dragging) this.hover(e);
      else if (this.moving) { this.moving.to = this.frameAt(e); this.draw(); }
      else this.pick(e);
    });
    canvas.addEventListener("pointerup", () => {
      dragging = false;
      const m = this.moving;
      this.moving = null;
      if (m && m.to !== m.from) this.onMoveKey(m.from, m.to);
      this.draw();
    });
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  set({ first, last, frame, keys, tracks }) {
    if (first !== undefined) { this.first = first; this.last = last; }
    if (frame !== undefined) this.frame = frame;
    if (keys !== undefined) this.keys = keys;
    if (tracks !== undefined) this.tracks = tracks;
    this.draw();
  }

  x(frame) {
    const w = this.canvas.width, n = this.last - this.first + 1;
    return ((frame - this.first) / n) * w;
  }

  frameAt(e) {
    const n = this.last - this.first + 1;
    return Math.max(this.first, Math.min(this.last, this.first + Math.floor((e.offsetX / this.canvas.clientWidth) * n)));
  }

  pick(e) { this.onFrame(this.frameAt(e)); }

  hover(e) {
    const f = this.frameAt(e), row = Math.floor((e.offsetY - KEY_ROW) / ROW);
    const t = this.tracks[row];
    const cell = t && t.frames[String(f)];
    this.canvas.title = t ? `frame ${f}, track ${t.id} (${t.identity}): ${cell ? cell.status : "absent"}` +
      (cell && cell.jitter != null ? `, jitter ${cell.jitter}% of the eye distance` : "") : `frame ${f}`;
  }

  draw() {
    const c = this.canvas;
    c.width = c.clientWidth;
    c.height = KEY_ROW + Math.max(1, this.tracks.length) * ROW + 2;
    const ctx = c.getContext("2d");
    ctx.fillStyle = "#1a1c1e"; ctx.fillRect(0, 0, c.width, c.height);
    const cw = Math.max(1, this.x(this.first + 1) - this.x(this.first));
    ctx.fillStyle = "#e8903a";
    for (const k of this.keys) {
      const frame = this.moving && this.moving.from === k.frame ? this.moving.to : k.frame;
      const x = this.x(frame) + cw / 2;
      ctx.beginPath(); ctx.moveTo(x, 2); ctx.lineTo(x + 5, 7); ctx.lineTo(x, 12); ctx.lineTo(x - 5, 7); ctx.fill();
    }
    this.tracks.forEach((t, row) => {
      const y = KEY_ROW + row * ROW;
      for (const [f, cell] of Object.entries(t.frames)) {
        const x = this.x(Number(f));
        ctx.fillStyle = STATUS_COLOURS[cell.status] || "#888";
        const jitter = cell.jitter == null ? 0 : Math.min(1, cell.jitter / 10);
        ctx.globalAlpha = 0.55; ctx.fillRect(x, y, Math.max(1, cw - 0.5), ROW - 2);
        ctx.globalAlpha = 1; ctx.fillRect(x, y + (ROW - 2) * (1 - jitter), Math.max(1, cw - 0.5), (ROW - 2) * jitter);
      }
      ctx.fillStyle = "#ddd"; ctx.font = "10px system-ui"; ctx.fillText(`${t.id} ${t.identity}`, 3, y + ROW - 3);
    });
    ctx.fillStyle = "#fff";
    ctx.globalAlpha = 0.18; ctx.fillRect(this.x(this.frame), 0, cw, c.height); ctx.globalAlpha = 1;
    ctx.fillRect(this.x(this.frame) + cw / 2 - 1, 0, 2, c.height);
  }
}
