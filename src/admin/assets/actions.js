// Write actions (reload, scale), the admin token field and toasts.
// The admin server says what is allowed in the `x-corral-write` header of GET /status:
//   allowed → buttons; token → buttons + token field (kept in sessionStorage); denied → nothing.

const TOKEN_KEY = "corral-admin-token";
const $ = (id) => document.getElementById(id);

export function toast(message, level = "info") {
  const box = $("toasts");
  const el = document.createElement("div");
  el.className = "toast";
  el.dataset.level = level;
  el.setAttribute("role", level === "error" ? "alert" : "status");
  const p = document.createElement("p");
  p.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.onclick = () => el.remove();
  el.append(p, close);
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => el.remove(), level === "error" ? 10000 : 5000);
}

export function setupActions() {
  const controls = $("controls");
  const tokenInput = $("token-input");
  const reloadBtn = $("reload-button");
  const scaleInput = $("scale-input");
  const scaleBtn = $("scale-button");
  let mode = "denied";
  let reloadTimer = null;
  let scaleDirty = false;

  try { tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? ""; } catch { /* storage disabled */ }
  tokenInput.addEventListener("input", () => {
    tokenInput.classList.remove("invalid");
    try { sessionStorage.setItem(TOKEN_KEY, tokenInput.value); } catch { /* storage disabled */ }
  });

  async function post(path, body, what) {
    const headers = { accept: "application/json" };
    if (body) headers["content-type"] = "application/json";
    const token = tokenInput.value.trim();
    if (mode === "token" && !token) {
      tokenInput.classList.add("invalid");
      tokenInput.focus();
      toast(`${what}: enter the admin token first`, "error");
      return null;
    }
    if (token && mode === "token") headers.authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(path, { method: "POST", headers, body: body ? JSON.stringify(body) : undefined });
    } catch {
      toast(`${what} failed: cannot reach the supervisor`, "error");
      return null;
    }
    let json = null;
    try { json = await res.json(); } catch { /* not JSON */ }
    if (!res.ok || !json || json.ok === false) {
      toast(`${what} failed: ${json?.error || `HTTP ${res.status} ${res.statusText}`}`, "error");
      if (res.status === 401 || res.status === 403) tokenInput.classList.add("invalid");
      return null;
    }
    return { status: res.status, json };
  }

  function setReloading(on) {
    clearTimeout(reloadTimer);
    reloadBtn.disabled = on;
    reloadBtn.classList.toggle("busy", on);
    reloadBtn.querySelector("span").textContent = on ? "Reloading…" : "Reload";
    // Safety net if the reload-done/failed event is missed (e.g. during a reconnect).
    if (on) reloadTimer = setTimeout(() => setReloading(false), 120000);
  }

  reloadBtn.addEventListener("click", async () => {
    setReloading(true);
    const r = await post("/reload", null, "Reload");
    // 202: accepted, the reload-done/reload-failed event ends it (and toasts). 200: already finished.
    if (!r || r.status !== 202) setReloading(false);
  });

  async function scale() {
    const n = Number(scaleInput.value);
    if (!Number.isInteger(n) || n < 1) {
      scaleInput.classList.add("invalid");
      toast("Scale: enter a whole number of workers, 1 or more", "error");
      return;
    }
    scaleBtn.disabled = true;
    const r = await post("/scale", { workers: n }, "Scale");
    scaleBtn.disabled = false;
    if (r) {
      scaleDirty = false;
      toast(`Scaling to ${n} worker${n === 1 ? "" : "s"}`, "ok");
    }
  }
  scaleBtn.addEventListener("click", scale);
  scaleInput.addEventListener("keydown", (e) => e.key === "Enter" && scale());
  scaleInput.addEventListener("input", () => {
    scaleDirty = true;
    scaleInput.classList.remove("invalid");
  });

  return {
    /** mode: value of the x-corral-write header ("allowed" | "token" | "denied"). */
    setMode(value) {
      mode = value === "allowed" || value === "token" ? value : "denied";
      controls.hidden = mode === "denied";
      tokenInput.hidden = mode !== "token";
    },
    /** Keeps the scale field at the desired count unless the user is editing it. */
    setDesired(n) {
      if (!scaleDirty && document.activeElement !== scaleInput) scaleInput.value = String(n);
    },
    onEvent(kind, text) {
      if (kind === "reload-start") setReloading(true);
      if (kind === "reload-done" || kind === "reload-failed") {
        setReloading(false);
        toast(text, kind === "reload-done" ? "ok" : "error");
      }
    },
  };
}
