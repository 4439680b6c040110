/**
 * Plain words for the synthesis parameters' fixed kinds (a defect's shape, where its content comes from), shown
 * next to the name the preset file uses: "perlin" means nothing to someone who has not met Perlin noise.
 */
export const SYNTHESIS_KIND_WORDS: Readonly<Record<string, string>> = {
  perlin: 'an irregular blob: Perlin noise (a smooth random pattern) cut at one level, so the outline is organic like a stain',
  box: 'a rectangle, turned at a random angle',
  spot: 'a small round or oval spot',
  scratch: 'a thin line that curves along its length',
  crack: 'a jagged line that branches',
  union: 'several shapes drawn together as one defect',
  cutpaste: 'a patch cut from elsewhere in the image (or another image) and pasted here',
  texture: 'texture images from a folder',
  noise: 'a foreign, noisy material',
  shift: 'the same surface, brighter, darker or tinted',
  blur: 'the same surface, blurred',
  warp: 'the same surface, locally distorted',
  displace: 'the same content moved sideways (a misregistered print, a displaced part)',
  hole: 'a pit: darkened inside, with a lit rim',
};
