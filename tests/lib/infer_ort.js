// infer_ort.js: the reference for libcxrinfer's model tests and benchmark:
// runs an ONNX model with ONNX Runtime (npm onnxruntime-node) on a raw
// float32 file of NHWC images, converting to the model's layout.
//
//   node infer_ort.js MODEL IN.f32 OUT.f32 N H W C NHWC|NCHW BATCH [THREADS] [RUNS]
//
// BATCH is the model's fixed batch (0: symbolic, all N images in one run).
// With RUNS, times single-image runs instead and prints the median ms.
// Finds onnxruntime-node through NODE_PATH.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const a = process.argv.slice(2);
  if (a.length < 9) {
    console.error('usage: infer_ort.js MODEL IN OUT N H W C LAYOUT BATCH [THREADS] [RUNS]');
    process.exit(2);
  }
  const [model, inPath, outPath] = a;
  const [n, h, w, c] = a.slice(3, 7).map(Number);
  const layout = a[7], fixed = Number(a[8]);
  const threads = a.length > 9 ? Number(a[9]) : 0, runs = a.length > 10 ? Number(a[10]) : 0;
  const opts = { graphOptimizationLevel: 'all', executionMode: 'sequential' };
  if (threads > 0) { opts.intraOpNumThreads = threads; opts.interOpNumThreads = 1; }
  const sess = await ort.InferenceSession.create(model, opts);
  const buf = fs.readFileSync(inPath);
  const all = new Float32Array(buf.buffer, buf.byteOffset, n * h * w * c);
  const per = h * w * c;
  const batch = fixed > 0 ? fixed : (runs ? 1 : n);
  function feed(start, k) {
    const data = new Float32Array(batch * per);
    for (let b = 0; b < k; b++)
      for (let i = 0; i < h * w; i++)
        for (let ch = 0; ch < c; ch++) {
          const v = all[(start + b) * per + i * c + ch];
          if (layout === 'NCHW') data[(b * c + ch) * h * w + i] = v;
          else data[b * per + i * c + ch] = v;
        }
    const dims = layout === 'NCHW' ? [batch, c, h, w] : [batch, h, w, c];
    return { [sess.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  }
  if (runs > 0) {
    const f = feed(0, 1);
    await sess.run(f);
    const t = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      await sess.run(f);
      t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    t.sort((x, y) => x - y);
    console.log(t[Math.floor(runs / 2)].toFixed(2));
    return;
  }
  const out = [];
  for (let s = 0; s < n; s += batch) {
    const k = Math.min(batch, n - s);
    const r = await sess.run(feed(s, k));
    const y = r[sess.outputNames[0]].data;
    const cls = y.length / batch;
    out.push(Float32Array.from(y.slice(0, k * cls)));
  }
  const total = out.reduce((acc, v) => acc + v.length, 0);
  const res = new Float32Array(total);
  let at = 0;
  for (const v of out) { res.set(v, at); at += v.length; }
  fs.writeFileSync(outPath, Buffer.from(res.buffer));
}
main().catch((e) => { console.error('infer_ort.js: ' + e.message); process.exit(1); });
