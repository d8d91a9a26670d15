// A latency histogram with log-spaced buckets (1 % apart, from 1 µs): cheap to record in a
// client's hot loop, mergeable across client processes, percentiles within 1 %.
const LOG_BASE = Math.log(1.01);

export class Histogram {
  /** counts[i]: samples in [1.01^i, 1.01^(i+1)) µs. */
  counts = [];
  total = 0;

  recordMs(ms) {
    const us = Math.max(1, ms * 1000);
    const index = Math.floor(Math.log(us) / LOG_BASE);
    while (this.counts.length <= index) this.counts.push(0);
    this.counts[index]++;
    this.total++;
  }

  merge(counts) {
    for (let i = 0; i < counts.length; i++) {
      while (this.counts.length <= i) this.counts.push(0);
      this.counts[i] += counts[i];
      this.total += counts[i];
    }
    return this;
  }

  /** The p-th percentile (0..100) in ms, the middle of its bucket; NaN when empty. */
  percentileMs(p) {
    if (this.total === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.exp((i + 0.5) * LOG_BASE) / 1000;
    }
    return NaN;
  }
}
