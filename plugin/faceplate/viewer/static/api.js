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
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body.error) message = body.error;
  } catch (_) { /* not JSON */ }
  const error = new Error(message);
  error.status = response.status;
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

export async function image(path, params, signal) {
  const r = await check(await fetch(url(path, params), { headers: { "X-Faceplate-Token": token }, signal }));
  const timing = { render: r.headers.get("X-Render-Ms"), display: r.headers.get("X-Display-Ms") };
  const bitmap = await createImageBitmap(await r.blob(), { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  return { bitmap, timing };
}
