/**
 * A config file's export as plain data, so it can leave the process that evaluated it
 * (evaluate-child.ts) as JSON. What JSON would drop or change silently (a function, a
 * symbol, a bigint, NaN, a Map, a Date, a cycle) is refused, naming where it is —
 * "apps[0].env.TOKEN is a function" — rather than reaching corral changed. Options are data: no
 * option takes a function, so nothing a config could do before is lost.
 */
export type DataResult = { ok: true; value: unknown } | { ok: false; reason: string };

const MAX_DEPTH = 64;

class NotData extends Error {}

/** `value` as JSON would carry it, or why not; `root` names the value itself in the reason. */
export function toData(value: unknown, root: string): DataResult {
  try {
    return { ok: true, value: copy(value, "", root, new Set(), 0) };
  } catch (error) {
    if (error instanceof NotData) return { ok: false, reason: error.message };
    throw error;
  }
}

function copy(value: unknown, at: string, root: string, seen: Set<object>, depth: number): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean" || value === undefined) return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    return refuse(at, root, String(value));
  }
  if (typeof value !== "object") return refuse(at, root, typeof value === "bigint" ? `a bigint (${value}n)` : `a ${typeof value}`);
  const kind = nonDataKind(value);
  if (kind) return refuse(at, root, kind);
  if (seen.has(value)) return refuse(at, root, "a reference to itself (a cycle)");
  if (depth >= MAX_DEPTH) return refuse(at, root, `nested deeper than ${MAX_DEPTH} levels`);
  seen.add(value);
  let result: unknown;
  if (Array.isArray(value)) {
    // As JSON.stringify does, a hole or an undefined in a list becomes null.
    result = Array.from(value, (item, index) => copy(item, `${at}[${index}]`, root, seen, depth + 1) ?? null);
  } else {
    const object: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const copied = copy(item, at === "" ? key : `${at}.${key}`, root, seen, depth + 1);
      if (copied !== undefined) object[key] = copied;
    }
    result = object;
  }
  seen.delete(value);
  return result;
}

/** Objects whose meaning is not in their own enumerable keys. */
function nonDataKind(value: object): string | null {
  if (typeof (value as { then?: unknown }).then === "function") return "a promise (await it in the exported function)";
  for (const type of [Map, Set, WeakMap, WeakSet, Date, RegExp, Error]) {
    if (value instanceof type) return `a ${type.name}`;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return "binary data";
  return null;
}

function refuse(at: string, root: string, what: string): never {
  throw new NotData(
    `${at === "" ? root : at} is ${what}; a config file's options must be data (strings, numbers, booleans, lists, ` +
      "objects): corral evaluates the file in a separate process and takes its result as JSON",
  );
}
