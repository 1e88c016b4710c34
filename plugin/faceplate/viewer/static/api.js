// The viewer's HTTP API: every request carries the access token from the page's address, errors become
// exceptions whose message is the server's (and are shown in the page's error banner).

const token = new URLSearchParams(location.search).get("token") || "";
const banner = () => document.getElementById("error");

export function showError(message) {
  const el = banner();
  el.textContent = message;
  el.hidden = false;
  console.error("faceplate view:", message);
}

export function clearError() {
  banner().hidden = true;
}

async function check(response) {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`, kind = "";
  try {
    const body = await response.json();
    if (body.error) message = body.error;
    kind = body.kind || "";
  } catch (_) { /* not JSON */ }
  const error = new Error(message);
  error.status = response.status;
  error.kind = kind;
  throw error;
}

export function url(path, params = {}) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, v);
  return u.toString();
}

export async function get(path, params = {}, signal = undefined) {
  const r = await check(await fetch(url(path, params), { headers: { "X-Faceplate-Token": token }, signal }));
  return r.json();
}

export async function post(path, body = {}) {
  const r = await check(await fetch(url(path), {
    method: "POST", body: JSON.stringify(body),
    headers: { "X-Faceplate-Token": token, "Content-Type": "application/json" },
  }));
  return r.json();
}

// An image: a PNG, or raw 8-bit RGB rows (frame.rgb, X-Width x X-Height) made into ImageData as they are.
export async function image(path, params, signal) {
  const r = await check(await fetch(url(path, params), { headers: { "X-Faceplate-Token": token }, signal }));
  const timing = { render: r.headers.get("X-Render-Ms"), display: r.headers.get("X-Display-Ms") };
  let source;
  if (r.headers.get("Content-Type") === "application/octet-stream") {
    const w = Number(r.headers.get("X-Width")), h = Number(r.headers.get("X-Height"));
    const rgb = new Uint8Array(await r.arrayBuffer());
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgba[j] = rgb[i]; rgba[j + 1] = rgb[i + 1]; rgba[j + 2] = rgb[i + 2]; rgba[j + 3] = 255;
    }
    source = new ImageData(rgba, w, h);
  } else {
    source = await r.blob();
  }
  const bitmap = await createImageBitmap(source, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  return { bitmap, timing };
}
