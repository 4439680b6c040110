/** RGBA pixels of an image URL, drawn at its natural size or scaled to `size` (masks are edited at image size). */
export async function imagePixels(
  url: string,
  size?: { width: number; height: number },
): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const width = size?.width ?? img.naturalWidth;
  const height = size?.height ?? img.naturalHeight;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no canvas 2D context');
  ctx.drawImage(img, 0, 0, width, height);
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}
