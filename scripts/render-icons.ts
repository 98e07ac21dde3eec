// Renders public/icon.svg into the PNG sizes browsers and phones ask for, and
// favicon.ico, with the system Chromium. Run after changing the SVG:
//   node --import tsx scripts/render-icons.ts
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../lib/server/config';
import { launchChromium } from '../tests/support/browser';

const publicDir = path.join(projectRoot(), 'public');
/** The icon's own background, filling the corners where a platform applies its own mask. */
const background = '#4338ca';

interface Rendering {
  file: string;
  size: number;
  /** Square, corners filled: iOS and Android mask the icon themselves. */
  fullBleed?: boolean;
  /** Share of the square the artwork takes (maskable icons keep it inside the 80% safe zone). */
  scale?: number;
}

const renderings: Rendering[] = [
  { file: 'icon-32.png', size: 32 },
  { file: 'icon-192.png', size: 192 },
  { file: 'icon-512.png', size: 512 },
  { file: 'icon-maskable-512.png', size: 512, fullBleed: true, scale: 0.8 },
  { file: 'apple-touch-icon.png', size: 180, fullBleed: true },
];
const faviconSizes = [16, 32, 48];

const svg = await readFile(path.join(publicDir, 'icon.svg'), 'utf8');
const source = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const render = async ({ size, fullBleed = false, scale = 1 }: Rendering): Promise<Buffer> => {
    await page.setViewportSize({ width: size, height: size });
    const artwork = Math.round(size * scale);
    await page.setContent(
      `<body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${fullBleed ? background : 'transparent'}">` +
        `<img src="${source}" width="${artwork}" height="${artwork}"></body>`,
    );
    return page.screenshot({ omitBackground: !fullBleed, type: 'png' });
  };
  for (const rendering of renderings) {
    await writeFile(path.join(publicDir, rendering.file), await render(rendering));
    console.log(`public/${rendering.file}`);
  }
  const favicons: { size: number; png: Buffer }[] = [];
  // One page renders one size at a time.
  for (const size of faviconSizes) favicons.push({ size, png: await render({ file: 'favicon.ico', size }) });
  await writeFile(path.join(publicDir, 'favicon.ico'), icoOf(favicons));
  console.log(`public/favicon.ico (${faviconSizes.join(', ')} px)`);
} finally {
  await browser.close();
}

/** An ICO file whose images are PNGs, which every current browser reads. */
function icoOf(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length + 16 * images.length;
  const entries = images.map(({ size, png }) => {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size % 256, 0); // width (0 means 256)
    entry.writeUInt8(size % 256, 1);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((image) => image.png)]);
}
