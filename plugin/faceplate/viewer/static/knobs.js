// The knob panel, generated from the nodes' own knob metadata (what Node.describe() returns, the same
// source as the Nuke gizmos): a control per knob by type, with its range and tooltip, and for animatable
// knobs buttons to set or delete the key at the current frame and the key's interpolation.

const INTERPOLATIONS = ["linear", "smooth", "constant"];

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k in e && typeof v !== "string") e[k] = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function numberInput(knob, value, onChange) {
  const step = knob.type === "int" ? 1 : (knob.max !== null && knob.min !== null ? (knob.max - knob.min) / 500 : 0.01);
  const box = el("input", { type: "number", step: String(step), value: String(value) });
  if (knob.min !== null) box.min = knob.min;
  if (knob.max !== null) box.max = knob.max;
  box.addEventListener("change", () => onChange(Number(box.value), true));
  const parts = [box];
  if (knob.min !== null && knob.max !== null && knob.components === 1) {
    const slider = el("input", { type: "range", min: String(knob.min), max: String(knob.max), step: String(step), value: String(value) });
    slider.addEventListener("input", () => { box.value = slider.value; onChange(Number(slider.value), false); });
    slider.addEventListener("change", () => onChange(Number(slider.value), true));
    box.addEventListener("change", () => { slider.value = box.value; });
    parts.unshift(slider);
  }
  return parts;
}

export function buildPanel(container, script, state, actions) {
  const open = new Set([...container.querySelectorAll("details[open]")].map((d) => d.dataset.node));
  const scrollTop = container.scrollTop;
  container.replaceChildren();
  for (const node of script.nodes) {
    const details = el("details", {}, el("summary", {}, node.name, el("span", { class: "type" }, node.type)));
    details.dataset.node = node.name;
    if (open.has(node.name) || (!open.size && node.type === "JawBlend")) details.open = true;
    for (const knob of node.knobs) details.append(knobRow(node, knob, state, actions));
    container.append(details);
  }
  container.scrollTop = scrollTop;
}

function knobRow(node, knob, state, actions) {
  const id = `knob-${node.name}-${knob.name}`;
  const animated = knob.keys.length > 0;
  const keyHere = knob.keys.find((k) => k.frame === state.frame);
  const row = el("div", { class: "knob" + (animated ? " animated" : ""), id });
  row.dataset.node = node.name; row.dataset.knob = knob.name;
  if (state.selected && state.selected.node === node.name && state.selected.knob === knob.name) row.classList.add("selected");
  const label = el("label", { title: `${knob.name} (${knob.type}${knob.min !== undefined && knob.min !== null ? `, ${knob.min} to ${knob.max}` : ""})\n${knob.tooltip}` }, knob.name);
  label.addEventListener("click", () => actions.select(node.name, knob.name));
  const control = el("div", { class: "control" });
  const value = knob.at_frame;
  const send = (v, final) => actions.change(node.name, knob, v, final, keyHere ? keyHere.interpolation : "linear");
  if (knob.type === "bool") {
    const box = el("input", { type: "checkbox" }); box.checked = value;
    box.addEventListener("change", () => send(box.checked, true));
    control.append(box);
  } else if (knob.type === "enum") {
    const sel = el("select");
    for (const o of knob.options) sel.append(el("option", { value: o }, o));
    sel.value = value;
    sel.addEventListener("change", () => send(sel.value, true));
    control.append(sel);
  } else if (knob.type === "string" || knob.type === "path") {
    const box = el("input", { type: "text", value });
    box.addEventListener("change", () => send(box.value, true));
    control.append(box);
  } else if (knob.components === 1) {
    control.append(...numberInput(knob, value, send));
  } else {
    const current = [...value];
    value.forEach((v, i) => control.append(...numberInput({ ...knob, components: 2 }, v, (x, final) => {
      current[i] = x; send([...current], final);
    })));
  }
  control.addEventListener("focusin", () => actions.select(node.name, knob.name, false));
  const keys = el("div", { class: "keys" });
  if (knob.animatable) {
    const set = el("button", { title: `set a key at frame ${state.frame}`, class: keyHere ? "on" : "" }, "◆");
    set.dataset.action = "key";
    set.addEventListener("click", () => actions.setKey(node.name, knob, knob.at_frame, keyHere ? keyHere.interpolation : "linear"));
    keys.append(set);
    if (keyHere) {
      const del = el("button", { title: `delete the key at frame ${state.frame}` }, "✕");
      del.dataset.action = "delete-key";
      del.addEventListener("click", () => actions.deleteKey(node.name, knob.name));
      const interp = el("select", { title: "interpolation of the segment after this key" });
      for (const i of INTERPOLATIONS) interp.append(el("option", { value: i }, i));
      interp.value = keyHere.interpolation;
      interp.addEventListener("change", () => actions.setKey(node.name, knob, knob.at_frame, interp.value));
      keys.append(del, interp);
    }
  }
  row.append(label, control, keys);
  return row;
}
