/**
 * Speech outputs: espeak-ng speaks the input `text` with the voice of its script, at `speed`, and
 * ffmpeg encodes it the way the model's schema asks (MiniMax: audio_format, sample_rate, channel,
 * bitrate; Kokoro: a 24 kHz WAV). MiniMax's pause markers (`<#0.5#>`) become real pauses.
 */
import type { Language } from '../../domain/shortRequest.js';
import { detectLanguage } from '../../text/language.js';
import type { AudioFormat, SpeechProfile } from './models.js';
import type { Workspace } from './tools.js';

const ESPEAK_VOICE: Record<Language, string> = { en: 'en-us', ru: 'ru', zh: 'cmn', ko: 'ko', ja: 'ja' };
/** espeak-ng's own default rate; `speed` scales it within what espeak-ng can say. */
const BASE_WPM = 175;
const PAUSE = /<#(\d+(?:\.\d+)?)#>/g;
const HAS_PAUSE = /<#\d+(?:\.\d+)?#>/;

const ENCODERS: Record<AudioFormat, (bitrate: number) => string[]> = {
  mp3: (bitrate) => ['-c:a', 'libmp3lame', '-b:a', `${Math.round(bitrate / 1000)}k`, '-f', 'mp3'],
  wav: () => ['-c:a', 'pcm_s16le', '-f', 'wav'],
  flac: () => ['-c:a', 'flac', '-f', 'flac'],
  // Raw 16-bit little-endian samples, no header.
  pcm: () => ['-c:a', 'pcm_s16le', '-f', 's16le'],
};

function setting<T>(input: Record<string, unknown>, s: { field?: string; default: T }, ok: (v: unknown) => boolean): T {
  const v = s.field === undefined ? undefined : input[s.field];
  return v !== undefined && v !== null && ok(v) ? (v as T) : s.default;
}

export function speechFormat(profile: SpeechProfile, input: Record<string, unknown>): AudioFormat {
  return setting(input, profile.format, (v) => typeof v === 'string' && Object.hasOwn(ENCODERS, v));
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A small pitch offset per voice name, so two voices of one model are told apart. */
function voiceOffset(voice: unknown): number {
  if (typeof voice !== 'string') return 0;
  let h = 0;
  for (const ch of voice) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (h % 21) - 10;
}

export async function renderSpeech(
  ws: Workspace,
  profile: SpeechProfile,
  input: Record<string, unknown>,
): Promise<Buffer> {
  const text = typeof input.text === 'string' ? input.text : '';
  const voice = ESPEAK_VOICE[detectLanguage(text.replace(PAUSE, ' '))];
  const speed = typeof input.speed === 'number' && input.speed > 0 ? input.speed : 1;
  const wpm = Math.round(Math.min(500, Math.max(80, BASE_WPM * speed)));
  const semitones =
    profile.pitchField && typeof input[profile.pitchField] === 'number' ? (input[profile.pitchField] as number) : 0;
  const pitch = Math.round(Math.min(99, Math.max(0, 50 + 3 * semitones + voiceOffset(input.voice_id ?? input.voice))));
  const args = ['-v', voice, '-s', String(wpm), '-p', String(pitch), '-b', '1'];
  let script = text;
  if (HAS_PAUSE.test(text)) {
    // SSML, so each marker is a break of its length: "a<#0.5#>b" → "a<break time="500ms"/>b".
    const parts = text.split(PAUSE);
    script = `<speak>${parts.map((p, i) => (i % 2 ? `<break time="${Math.round(Number(p) * 1000)}ms"/>` : escapeXml(p))).join('')}</speak>`;
    args.push('-m');
  }
  await ws.write('text.txt', script.trim() === '' ? ' ' : script);
  await ws.espeak(args, 'text.txt', 'voice.wav');

  const format = speechFormat(profile, input);
  const rate = setting(input, profile.sampleRate, (v) => typeof v === 'number' && v >= 8000 && v <= 48_000);
  const channels =
    profile.channel && setting(input, profile.channel, (v) => v === 'stereo' || v === 'mono') === 'stereo' ? 2 : 1;
  const bitrate = profile.bitrate ? setting(input, profile.bitrate, (v) => typeof v === 'number' && v > 0) : 128_000;
  const out = `speech.${format}`;
  await ws.ffmpeg({
    inputs: [{ path: 'voice.wav' }],
    outputOptions: ['-map_metadata', '-1', '-ar', String(rate), '-ac', String(channels), ...ENCODERS[format](bitrate)],
    output: out,
  });
  return ws.read(out);
}
