/**
 * Checks on the errors corral throws, for assert.throws / assert.rejects.
 */
import assert from "node:assert/strict";
import { CorralError } from "../../src/errors.js";

/**
 * A validator: the error is a CorralError with this `code`, and its message is
 * exactly `message` (a string) or matches it (a RegExp); with `exitCode`, the
 * CLI would exit with that code.
 *
 *   assert.throws(() => parse("x"), corralError("CORRAL_ERR_BAD_OPTION", 'x: "x" is not valid', 2));
 */
export function corralError(code: string, message: string | RegExp, exitCode?: 1 | 2): (error: unknown) => true {
  return (error: unknown) => {
    assert.ok(error instanceof CorralError, `expected a CorralError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (exitCode !== undefined) assert.equal(error.exitCode, exitCode);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}
