import { imageSize } from 'image-size';

/**
 * An image's declared width and height, read from its header (image-size: png, jpeg, gif, webp, bmp…), without
 * decoding a pixel; undefined when the header holds none. The header is what a browser allocates for, so a
 * 103-byte PNG that declares 50,000 × 50,000 pixels is a 10 GB decode.
 */
export function imageDimensions(bytes: Uint8Array): { width: number; height: number } | undefined {
  try {
    const { width, height } = imageSize(bytes);
    const w = Math.abs(width);
    const h = Math.abs(height);
    return Number.isFinite(w) && Number.isFinite(h) && w > 0 && h > 0 ? { width: w, height: h } : undefined;
  } catch {
    return undefined;
  }
}
