// Colour theme: follows prefers-color-scheme until the user picks one with the
// toggle (system → light → dark → system); the choice is kept in localStorage.
// Loaded as a blocking classic script in <head> so the saved theme applies before first paint.
(() => {
  const KEY = "corral-theme";
  const root = document.documentElement;
  const read = () => { try { return localStorage.getItem(KEY); } catch { return null; } };
  const write = (v) => { try { v ? localStorage.setItem(KEY, v) : localStorage.removeItem(KEY); } catch { /* private mode */ } };
  const systemDark = matchMedia("(prefers-color-scheme: dark)");
  // The page always carries a concrete theme, so the stylesheet defines each palette once.
  const apply = (v) => {
    root.dataset.theme = v === "light" || v === "dark" ? v : systemDark.matches ? "dark" : "light";
    const btn = document.getElementById("theme-toggle");
    if (btn) btn.title = `Theme: ${v || "system"} (click to change)`;
    window.dispatchEvent(new Event("corral-themechange"));
  };
  apply(read());
  const next = { null: "light", light: "dark", dark: null };
  document.addEventListener("DOMContentLoaded", () => {
    apply(read());
    document.getElementById("theme-toggle")?.addEventListener("click", () => {
      const v = next[read()] ?? null;
      write(v);
      apply(v);
    });
  });
  systemDark.addEventListener("change", () => apply(read()));
})();
