#!/usr/bin/env bash
# Regenerates the example PNGs of docs/synthesis.md with the CLI: one generated 256² textured source,
# then `flowspect synth` once per built-in preset (seed 7). Run from the repository root.
set -euo pipefail
out=docs/synthesis
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npx tsx -e "import('./app/synthesis/index.ts').then(async (m) => require('node:fs').writeFileSync('$out/source.png', await m.encodePng(m.demoImage(256, 256))))"
for preset in scratch crack stain hole foreign-particle missing-material cutpaste mixed; do
  npx flowspect synth --preset "$preset" --image "$out/source.png" --seed 7 --out "$tmp/$preset" --json | tail -1
  cp "$tmp/$preset/image.png" "$out/$preset.png"
  cp "$tmp/$preset/mask.png" "$out/$preset-mask.png"
done
