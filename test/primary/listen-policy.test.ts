// listenPolicy (src/primary/listen-policy.ts): which listens a worker may have the primary make.
import assert from "node:assert/strict";
import { constants } from "node:os";
import { describe, it } from "node:test";
import { parsePortList } from "../../src/config/ports.js";
import { listenPolicy } from "../../src/primary/listen-policy.js";

const query = (fields: Record<string, unknown>) => ({ cmd: "NODE_CLUSTER", act: "queryServer", seq: 7, data: null, index: 0, ...fields });
const EACCES = { cmd: "NODE_CLUSTER", ack: 7, errno: -constants.errno.EACCES };

describe("listenPolicy", () => {
  it("without --allow-ports or --user, everything goes through", () => {
    const policy = listenPolicy(null, false);
    assert.equal(policy.tcp({ port: 80 }), null);
    assert.equal(policy.internal(query({ address: "/tmp/x.sock", port: -1, addressType: -1, fd: -1 })), null);
    assert.equal(policy.internal(query({ address: null, port: 53, addressType: "udp4", fd: -1 })), null);
  });
  it("--allow-ports: listed ports and ranges only, TCP and UDP alike", () => {
    const policy = listenPolicy(parsePortList("--allow-ports", "0,443,3000-3010"), false);
    for (const port of [0, 443, 3000, 3005, 3010]) assert.equal(policy.tcp({ port }), null, String(port));
    assert.equal(policy.tcp({ port: 80 }), "port 80 is not in --allow-ports 0,443,3000-3010");
    assert.equal(policy.tcp({ port: 3011 }), "port 3011 is not in --allow-ports 0,443,3000-3010");
    assert.deepEqual(policy.internal(query({ port: 53, addressType: "udp4", fd: -1 })), {
      reason: "refused a listen on udp4 port 53 is not in --allow-ports 0,443,3000-3010", reply: EACCES,
    });
    assert.equal(policy.internal(query({ port: 3001, addressType: "udp6", fd: -1 })), null);
  });
  it("under --user: no unix paths, no fds, answered with EACCES for node's child to match", () => {
    const policy = listenPolicy(null, true);
    const path = policy.internal(query({ address: "/run/trusted.sock", port: -1, addressType: -1, fd: -1 }));
    assert.deepEqual(path?.reply, EACCES);
    assert.match(path!.reason, /^refused a listen on "\/run\/trusted\.sock": under --user/);
    assert.match(policy.internal(query({ address: null, port: 0, addressType: 4, fd: 3 }))!.reason, /^refused a listen on fd 3/);
    assert.equal(policy.internal(query({ address: null, port: 5353, addressType: "udp4", fd: -1 })), null, "UDP by port is allowed");
  });
  it("ignores everything that is not a queryServer", () => {
    const policy = listenPolicy(null, true);
    for (const message of [null, "ready", { cmd: "NODE_CLUSTER", act: "online" }, { cmd: "NODE_CORRAL", act: "listen" }]) {
      assert.equal(policy.internal(message), null);
    }
  });
});
