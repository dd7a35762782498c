/**
 * The files a recorded scenario needs in storage before it runs, made with ffmpeg and sharp as
 * the API's intake would have stored them (see Scenario in historyScenarios.ts).
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { LocalStorage } from '../src/storage/index.js';
import type { Scenario } from './historyScenarios.js';

const run = promisify(execFile);
/** A "word" every 7 s: a 0.6 s tone the emulated speech model hears as one. */
const BURSTS = ['-af', "volume='if(lt(mod(t,7),0.6),1,0)':eval=frame"];

export async function storeFixtures(scenario: Scenario, storage: LocalStorage): Promise<void> {
  const fileFor = async (ref: string) => {
    const file = storage.localPath(ref);
    await mkdir(path.dirname(file), { recursive: true });
    return file;
  };
  for (const [ref, colour] of Object.entries(scenario.uploads ?? {})) {
    const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: colour } })
      .png()
      .toBuffer();
    await storage.write(ref, png);
  }
  for (const [ref, seconds] of Object.entries(scenario.recordings ?? {})) {
    await run('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=f=440:d=${seconds}`],
      ...[...BURSTS, '-c:a', 'aac', '-ar', '16000', await fileFor(ref)],
    ]);
  }
  for (const [ref, seconds] of Object.entries(scenario.videos ?? {})) {
    const half = seconds / 2;
    await run('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x202020:s=64x36:r=2:d=${half}`],
      ...['-f', 'lavfi', '-i', `color=c=0xf0f0f0:s=64x36:r=2:d=${half}`],
      ...[
        '-filter_complex',
        '[0][1]concat=n=2:v=1[v]',
        '-map',
        '[v]',
        '-c:v',
        'libx264',
        '-g',
        '20',
        await fileFor(ref),
      ],
    ]);
  }
  for (const [ref, seconds] of Object.entries(scenario.talkingVideos ?? {})) {
    await run('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x336699:s=64x36:r=4:d=${seconds}`],
      ...['-f', 'lavfi', '-i', `sine=f=440:d=${seconds}`],
      ...[...BURSTS, '-c:v', 'libx264', '-g', '8', '-c:a', 'aac', '-ar', '16000', '-shortest', await fileFor(ref)],
    ]);
  }
}
