/**
 * Where the real-browser dashboard tests find Chromium (Debian's `chromium`, or `CHROMIUM_PATH`), and why they
 * skip when it is missing (CI sets SWITCHYARD_REQUIRE_CHROMIUM=1, which makes them required).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Chromium executable. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests skip, or false when they run. */
export const CHROMIUM_SKIP: string | false =
  existsSync(CHROMIUM_PATH) || process.env.SWITCHYARD_REQUIRE_CHROMIUM === '1'
    ? false
    : `no Chromium at ${CHROMIUM_PATH}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH; SWITCHYARD_REQUIRE_CHROMIUM=1 makes these tests required`;

/** Launches headless Chromium (without its sandbox: CI runs as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}
