/**
 * PDF through headless Chromium (playwright-core drives the system's /usr/bin/chromium; no
 * browser is downloaded). The HTML is self-contained, so the page loads no network resource;
 * requests are refused anyway. One browser per rendering (reports are rare), and one rendering
 * at a time per process, so a burst of downloads cannot start a browser each.
 */
import { existsSync } from 'node:fs';
import { FlowLinkError } from '../../lib/errors.ts';

export interface PdfEngine {
  render(html: string): Promise<Buffer>;
}

export const CHROMIUM_PATH = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function createChromiumPdf(opts: { executablePath?: string; timeoutMs?: number } = {}): PdfEngine {
  const executablePath = opts.executablePath ?? process.env.FLOWLINK_CHROMIUM ?? CHROMIUM_PATH;
  const timeout = opts.timeoutMs ?? 60_000;
  let tail: Promise<unknown> = Promise.resolve();
  async function renderOne(html: string): Promise<Buffer> {
    if (!existsSync(executablePath)) {
      throw new FlowLinkError('not_acceptable', `PDF reports need Chromium at ${executablePath} (Debian: apt-get install -y chromium; or set FLOWLINK_CHROMIUM); ask for html or json instead`);
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, args: FLAGS, timeout });
    try {
      const page = await browser.newPage();
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(html, { waitUntil: 'load', timeout });
      await page.emulateMedia({ media: 'print' });
      return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, displayHeaderFooter: false });
    } finally {
      await browser.close();
    }
  }
  return {
    render(html) {
      const run = tail.then(() => renderOne(html));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}
