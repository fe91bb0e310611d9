import QRCode from 'qrcode';

// QR codes of page addresses, rendered once per address and kept (the set of public URLs is bounded
// by the content; the cap stops a crawler of made-up query strings from growing it without limit).
const cache = new Map<string, string>();
const MAX = 5000;

/** An SVG (markup string) of the QR code for the absolute URL. */
export async function qrSvg(url: string): Promise<string> {
  const hit = cache.get(url);
  if (hit) return hit;
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  const labelled = svg.replace('<svg ', '<svg role="img" aria-label="当前页面二维码" focusable="false" ');
  if (cache.size >= MAX) cache.delete(cache.keys().next().value as string);
  cache.set(url, labelled);
  return labelled;
}
