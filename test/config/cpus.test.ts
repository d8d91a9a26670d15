import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cgroupPaths,
  cpuQuota,
  quotaFromCfs,
  quotaFromCpuMax,
  resolveWorkerCount,
  usableCpus,
} from "../../src/config/cpus.js";
import { tempTree } from "../helpers/corral.js";

/** A fake filesystem root: `files` maps paths like "proc/self/cgroup" to contents. */
const fakeRoot = (files: Record<string, string>): string => tempTree(files, "corral-cgroup-");

describe("quotaFromCpuMax", () => {
  const cases: Array<[string, number | null]> = [
    ["max 100000\n", null],
    ["max", null],
    ["150000 100000\n", 1.5],
    ["200000 100000", 2],
    ["50000 100000", 0.5],
    ["", null],
    ["garbage here", null],
    ["0 100000", null],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(quotaFromCpuMax(text), expected));
  }
});

describe("quotaFromCfs", () => {
  const cases: Array<[string, string, number | null]> = [
    ["-1\n", "100000\n", null],
    ["150000\n", "100000\n", 1.5],
    ["400000", "100000", 4],
    ["abc", "100000", null],
    ["100000", "0", null],
  ];
  for (const [quota, period, expected] of cases) {
    it(`${JSON.stringify(quota)} / ${JSON.stringify(period)} → ${expected}`, () => {
      assert.equal(quotaFromCfs(quota, period), expected);
    });
  }
});

describe("cgroupPaths", () => {
  it("finds the v2 path and the v1 cpu controller", () => {
    const text = "12:cpu,cpuacct:/docker/abc\n11:memory:/docker/abc\n1:name=systemd:/init.scope\n0::/user.slice/app\n";
    assert.deepEqual(cgroupPaths(text), { v2: "/user.slice/app", v1: { mount: "cpu,cpuacct", path: "/docker/abc" } });
  });
  it("returns nulls for an empty file", () => assert.deepEqual(cgroupPaths(""), { v2: null, v1: null }));
});

describe("usableCpus with a fake cgroup tree", () => {
  const cases: Array<{ name: string; files: Record<string, string>; available: number; expected: number }> = [
    {
      name: "v2 quota 1.5 on a 4-CPU box gives 1",
      files: { "proc/self/cgroup": "0::/app\n", "sys/fs/cgroup/app/cpu.max": "150000 100000\n" },
      available: 4,
      expected: 1,
    },
    {
      name: "v2 quota 2.9 gives 2 (rounds down)",
      files: { "proc/self/cgroup": "0::/app\n", "sys/fs/cgroup/app/cpu.max": "290000 100000\n" },
      available: 4,
      expected: 2,
    },
    {
      name: "v2 quota 0.5 still gives 1 worker",
      files: { "proc/self/cgroup": "0::/app\n", "sys/fs/cgroup/app/cpu.max": "50000 100000\n" },
      available: 4,
      expected: 1,
    },
    {
      name: "a quota higher than the CPUs gives the CPUs",
      files: { "proc/self/cgroup": "0::/app\n", "sys/fs/cgroup/app/cpu.max": "800000 100000\n" },
      available: 4,
      expected: 4,
    },
    {
      name: "max (no quota) gives the CPUs",
      files: { "proc/self/cgroup": "0::/app\n", "sys/fs/cgroup/app/cpu.max": "max 100000\n" },
      available: 4,
      expected: 4,
    },
    {
      name: "nested path where the parent has the lower quota",
      files: {
        "proc/self/cgroup": "0::/kubepods/pod1/container\n",
        "sys/fs/cgroup/kubepods/pod1/container/cpu.max": "300000 100000\n",
        "sys/fs/cgroup/kubepods/pod1/cpu.max": "200000 100000\n",
        "sys/fs/cgroup/kubepods/cpu.max": "max 100000\n",
      },
      available: 8,
      expected: 2,
    },
    {
      name: "host path missing inside a container: the mount root's cpu.max applies",
      files: { "proc/self/cgroup": "0::/system.slice/docker-abc.scope\n", "sys/fs/cgroup/cpu.max": "300000 100000\n" },
      available: 8,
      expected: 3,
    },
    {
      name: "cgroup v1 cfs quota",
      files: {
        "proc/self/cgroup": "4:cpu,cpuacct:/docker/abc\n0::/\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "250000\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
      },
      available: 4,
      expected: 2,
    },
    {
      name: "cgroup v1 quota -1 (unlimited)",
      files: {
        "proc/self/cgroup": "4:cpu:/\n",
        "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
        "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
      },
      available: 4,
      expected: 4,
    },
    { name: "no cgroup files at all gives the CPUs", files: {}, available: 6, expected: 6 },
  ];
  for (const { name, files, available, expected } of cases) {
    it(name, () => assert.equal(usableCpus({ root: fakeRoot(files), available }), expected));
  }

  it("cpuQuota reports the lowest quota on the path", () => {
    const root = fakeRoot({
      "proc/self/cgroup": "0::/a/b\n",
      "sys/fs/cgroup/a/b/cpu.max": "max 100000\n",
      "sys/fs/cgroup/a/cpu.max": "150000 100000\n",
      "sys/fs/cgroup/cpu.max": "300000 100000\n",
    });
    assert.equal(cpuQuota(root), 1.5);
  });

  it("on this machine it is between 1 and availableParallelism()", async () => {
    const { availableParallelism } = await import("node:os");
    const cpus = usableCpus();
    assert.ok(cpus >= 1 && cpus <= availableParallelism(), `got ${cpus}`);
  });
});

describe("resolveWorkerCount", () => {
  const valid: Array<[unknown, number, number]> = [
    [undefined, 4, 4],
    ["max", 4, 4],
    [-1, 4, 3],
    ["-1", 4, 3],
    [-1, 1, 1],
    [2, 4, 2],
    ["8", 4, 8],
    [1024, 4, 1024],
  ];
  for (const [value, usable, expected] of valid) {
    it(`${JSON.stringify(value)} with ${usable} usable → ${expected}`, () => {
      assert.equal(resolveWorkerCount(value, usable), expected);
    });
  }
  for (const value of [0, "0", -2, 1.5, "abc", "MAX", 1025, "", null, true]) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => resolveWorkerCount(value, 4, "CORRAL_WORKERS"),
        (error: Error & { code?: string }) =>
          error.code === "CORRAL_ERR_BAD_OPTION" &&
          error.message === `CORRAL_WORKERS: ${typeof value === "string" ? JSON.stringify(value) : String(value)} is not valid; expected a positive integer (at most 1024), max or -1`,
      );
    });
  }
});
