// Builds the plotly.js the book serves: plotly.js core plus only the trace types the book's
// figures use (package.json "config.traces"), from the plotly.js npm package pinned in
// package-lock.json. Run `npm ci && npm run build` here; the result is committed, so building
// the book needs no node.
//
// The esbuild settings follow plotly.js's own (its esbuild-config.js and dist bundles): an IIFE
// named Plotly inside the same UMD wrapper, `global` as window, ES2016. Its CSS and GLSL plugins
// are left out: plotly.js core ships its CSS prebuilt (build/plotcss.js), the one CSS import
// left is map traces' (not bundled), and no SVG trace has shaders. The output depends only on the locked packages and this file (no date, no path), so
// a rebuild is byte-identical: tests/test_plotly_bundle.py reads the header written here.
import { build } from "esbuild";
import { readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ours = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const plotly = JSON.parse(readFileSync(require.resolve("plotly.js/package.json"), "utf8"));
const traces = [...ours.config.traces].sort();
// Where the bundle goes: the book's vendor folder, or a folder named on the command line (the
// test that a rebuild is byte-identical writes elsewhere and compares).
const vendor = process.argv[2] || join(here, "..", "livingreview", "assets", "vendor");
const output = join(vendor, ours.config.output);

// The entry: what plotly.js's lib/index-*.js files do, with our trace list.
const entry = [
  '"use strict";',
  'var Plotly = require("plotly.js/lib/core");',
  `Plotly.register([${traces.map((name) => `require("plotly.js/lib/${name}")`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

// The same header as plotly.js's dist files, naming what this bundle holds; tests read it.
const header = [
  "/**",
  `* plotly.js (partial - minified) v${plotly.version}`,
  `* traces: ${traces.join(", ")}`,
  "* built by plotly-bundle/build.mjs from the plotly.js npm package (plotly-bundle/package-lock.json)",
  "* Copyright 2012-2026, Plotly, Inc.",
  "* All rights reserved.",
  "* Licensed under the MIT license",
  "*/",
].join("\n");

const result = await build({
  stdin: { contents: entry, resolveDir: here, sourcefile: "plotly-partial-entry.js" },
  format: "iife",
  globalName: "Plotly",
  bundle: true,
  minify: true,
  target: "es2016",
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  alias: { stream: "stream-browserify" },
  // The only CSS plotly.js imports is maplibre-gl's, in a branch for map traces (src/registry.js);
  // their CSS has no use without them, and plotly.js's own CSS comes from build/plotcss.js.
  loader: { ".css": "empty" },
  write: false,
  logLevel: "warning",
});
const body = result.outputFiles[0].text;
const umd = [
  header,
  "(",
  " function(root, factory) {",
  '  if (typeof module === "object" && module.exports) {',
  "   module.exports = factory();",
  "  } else {",
  "   root.moduleName = factory();",
  "  }",
  '} (typeof self !== "undefined" ? self : this, () => {',
  '"use strict";' + body,
  "window.Plotly = Plotly;",
  "return Plotly;",
  "}));",
  "",
].join("\n");
writeFileSync(output, umd);
copyFileSync(require.resolve("plotly.js/LICENSE"), join(vendor, "LICENSE-plotly.js.txt"));
console.log(`${output}: plotly.js ${plotly.version}, traces ${traces.join(", ")}, ${Buffer.byteLength(umd)} bytes`);
