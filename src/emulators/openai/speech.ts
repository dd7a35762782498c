/**
 * POST /v1/audio/speech: real audio, so what a client saves can be probed, decoded and muxed.
 * espeak-ng speaks the input with the voice of its script; ffmpeg turns that WAV into the format
 * asked for, at 24 kHz mono like OpenAI's own output.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Language } from '../../domain/shortRequest.js';
import { detectLanguage } from '../../text/language.js';
import { badRequest, OpenAiError } from './errors.js';

/** OpenAI's voices; each gets its own espeak-ng pitch so they are told apart. */
export const VOICES = [
  'alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar',
] as const; // prettier-ignore

export const SPEECH_FORMATS = {
  mp3: { contentType: 'audio/mpeg', args: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'] },
  opus: { contentType: 'audio/opus', args: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'] },
  aac: { contentType: 'audio/aac', args: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'] },
  flac: { contentType: 'audio/flac', args: ['-c:a', 'flac', '-f', 'flac'] },
  wav: { contentType: 'audio/wav', args: ['-c:a', 'pcm_s16le', '-f', 'wav'] },
  // Raw 16-bit little-endian samples, no header: what OpenAI's `pcm` is.
  pcm: { contentType: 'audio/pcm', args: ['-c:a', 'pcm_s16le', '-f', 's16le'] },
} as const;
export type SpeechFormat = keyof typeof SPEECH_FORMATS;

const ESPEAK_VOICE: Record<Language, string> = { en: 'en-us', ru: 'ru', zh: 'cmn', ko: 'ko', ja: 'ja' };
const MAX_INPUT = 4096;
/** espeak-ng's own default rate; `speed` scales it, within what espeak-ng can say. */
const BASE_WPM = 175;

const speechBodySchema = z.looseObject({
  model: z.string(),
  input: z.string(),
  voice: z.string(),
  response_format: z.string().default('mp3'),
  speed: z.number().default(1),
});

export interface SpeechRequest {
  model: string;
  input: string;
  voice: (typeof VOICES)[number];
  format: SpeechFormat;
  speed: number;
}

/** The body, or the 400 the real API gives for the same mistake. */
export function parseSpeechBody(raw: unknown): SpeechRequest {
  const b = (raw ?? {}) as Record<string, unknown>;
  for (const field of ['model', 'input', 'voice'])
    if (b[field] === undefined)
      throw badRequest(`Missing required parameter: '${field}'.`, field, 'missing_required_parameter');
  const parsed = speechBodySchema.safeParse(raw);
  if (!parsed.success) {
    const param = parsed.error.issues[0]!.path.join('.');
    throw badRequest(`Invalid type for '${param}'.`, param, 'invalid_type');
  }
  const { model, input, voice, response_format: format, speed } = parsed.data;
  if (input.trim() === '') throw badRequest("Invalid 'input': empty string.", 'input', 'empty_string');
  if (input.length > MAX_INPUT)
    throw badRequest(
      `Invalid 'input': string too long. Expected a string with maximum length ${MAX_INPUT}, but got a string with length ${input.length} instead.`,
      'input',
      'string_above_max_length',
    );
  if (!(VOICES as readonly string[]).includes(voice))
    throw badRequest(`Invalid value: '${voice}'. Supported values are: ${list(VOICES)}.`, 'voice', 'invalid_value');
  if (!Object.hasOwn(SPEECH_FORMATS, format))
    throw badRequest(
      `Invalid value: '${format}'. Supported values are: ${list(Object.keys(SPEECH_FORMATS))}.`,
      'response_format',
      'invalid_value',
    );
  if (!(speed >= 0.25 && speed <= 4))
    throw badRequest(`Invalid 'speed': expected a number between 0.25 and 4, got ${speed}.`, 'speed', 'invalid_value');
  return { model, input, voice: voice as SpeechRequest['voice'], format: format as SpeechFormat, speed };
}

function list(values: readonly string[]): string {
  return `${values
    .slice(0, -1)
    .map((v) => `'${v}'`)
    .join(', ')}, and '${values.at(-1)}'`;
}

export interface Tools {
  espeakPath: string;
  ffmpegPath: string;
}

export async function synthesize(tools: Tools, req: SpeechRequest, signal: AbortSignal): Promise<Buffer> {
  const voice = ESPEAK_VOICE[detectLanguage(req.input)];
  const wpm = Math.round(Math.min(450, Math.max(80, BASE_WPM * req.speed)));
  const pitch = 30 + VOICES.indexOf(req.voice) * 3;
  // Text on stdin, never argv: no option injection from the input, no length limit.
  const wav = await run(
    tools.espeakPath,
    ['-v', voice, '-s', String(wpm), '-p', String(pitch), '-b', '1', '--stdout', '--stdin'],
    req.input,
    signal,
  );
  // A file, not a pipe, for the output: muxers (WAV sizes, MP3 Xing header) finish their headers by seeking.
  const dir = await mkdtemp(join(tmpdir(), 'openai-emulator-'));
  try {
    const out = join(dir, `speech.${req.format}`);
    const args = ['-hide_banner', '-loglevel', 'error', '-f', 'wav', '-i', 'pipe:0', '-map_metadata', '-1'];
    await run(
      tools.ffmpegPath,
      [...args, '-ar', '24000', '-ac', '1', ...SPEECH_FORMATS[req.format].args, out],
      wav,
      signal,
    );
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a tool with `input` on stdin; resolves with its stdout, or fails with its stderr. */
function run(command: string, args: string[], input: string | Buffer, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { signal, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdin.on('error', () => {}); // an early exit is reported by 'close'
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new OpenAiError(
          500,
          e.code === 'ENOENT' ? `emulator: ${command} was not found` : `emulator: ${command}: ${e.message}`,
          'server_error',
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new OpenAiError(500, `emulator: ${command} exited with ${code}: ${err.trim()}`, 'server_error'));
    });
    child.stdin.end(input);
  });
}
