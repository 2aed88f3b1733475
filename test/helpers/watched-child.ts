/**
 * A child process watched for progress: killed when its output stops for too long, so that a frozen
 * event loop (which no timer inside it could catch) fails a test instead of hanging it.
 */
import { spawn } from 'node:child_process';

/**
 * Spawns `command args`, hands each line of its standard output to `onLine`, and kills it when no
 * output arrives for `stallMs`. Resolves once it exits, saying whether it was killed for stalling.
 *
 * @example
 * ```ts
 * const { stalled } = await watchChild(process.execPath, ['--import', 'tsx', script], 20_000, (line) => lines.push(line));
 * ```
 */
export function watchChild(
  command: string,
  args: string[],
  stallMs: number,
  onLine: (line: string) => void,
): Promise<{ stalled: boolean }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stalled = false;
  let buffered = '';
  const stall = (): void => {
    stalled = true;
    child.kill('SIGKILL');
  };
  let watchdog = setTimeout(stall, stallMs);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    clearTimeout(watchdog);
    watchdog = setTimeout(stall, stallMs);
    buffered += text;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  return new Promise((resolve) => {
    child.on('exit', () => {
      clearTimeout(watchdog);
      resolve({ stalled });
    });
  });
}
