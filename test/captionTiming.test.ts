import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Language } from '../src/domain/shortRequest.js';
import type { WordTiming } from '../src/domain/words.js';
import { buildAss, sceneCues, speechClock, wrapText } from '../src/media/captions.js';
import { createEspeakProvider } from '../src/providers/espeak.js';
import { alignmentUnits } from '../src/providers/espeakAlignment.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { prepareRender } from './support/renderFixture.js';
import { offlineDeps, tempDataDir } from './support/temporal.js';

const run = promisify(execFile);
const layout = { width: 1080, height: 1920 };

/** Words every `step` seconds from `from`, each `step * 0.8` long. */
function evenly(texts: string[], from = 0, step = 0.5): WordTiming[] {
  return texts.map((text, i) => ({ text, startSec: from + i * step, endSec: from + i * step + step * 0.8 }));
}

describe('captions timed by the voice', () => {
  const text =
    'The fox woke up early in the morning. It ran down to the river to look for fish, but the water was far too cold for swimming.';
  const words = evenly(text.split(' '), 0.2, 0.4);

  it('starts each page when its first word is spoken and keeps it until the next page starts', () => {
    const cues = sceneCues(text, 10, 12, { ...layout, language: 'en' }, { words });
    expect(cues.length).toBeGreaterThan(1);
    let spoken = 0;
    for (const [i, cue] of cues.entries()) {
      const first = cue.text.split(/\s+/u)[0]!;
      const word = words.findIndex((w, k) => k >= spoken && w.text === first);
      expect(word).toBeGreaterThanOrEqual(0);
      expect(cue.startSec).toBeCloseTo(10 + words[word]!.startSec, 6);
      expect(cue.endSec).toBeCloseTo(cues[i + 1]?.startSec ?? 22, 6);
      expect(cue.text.split('\n').length).toBeLessThanOrEqual(2);
      spoken = word + cue.text.split(/\s+/u).length;
    }
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(text);
  });

  it('keeps the same lines as the length-timed pages, only the times change', () => {
    const timed = sceneCues(text, 0, 12, { ...layout, language: 'en' }, { words });
    const byLength = sceneCues(text, 0, 12, { ...layout, language: 'en' });
    expect(timed.map((c) => c.text)).toEqual(byLength.map((c) => c.text));
    expect(timed.map((c) => c.startSec)).not.toEqual(byLength.map((c) => c.startSec));
  });

  it('maps Chinese words that are character groups, not the caption tokens, by characters', () => {
    const zh = '一只小狐狸在森林里醒来了。它又饿又好奇，于是跑到河边去抓鱼。河水很冷，它就回家了。小狐狸睡得很香。';
    // A provider's segmentation: words of 1 to 3 characters, punctuation dropped.
    const groups = [
      '一只',
      '小狐狸',
      '在',
      '森林里',
      '醒来了',
      '它',
      '又饿',
      '又好奇',
      '于是',
      '跑到',
      '河边',
      '去',
      '抓鱼',
    ];
    const rest = ['河水', '很冷', '它', '就', '回家了', '小狐狸', '睡得', '很香'];
    const zhWords = evenly([...groups, ...rest], 0, 0.6);
    const clock = speechClock(zh, zhWords)!;
    // 狐 is the second letter of 小狐狸 (word 1, 0.6 s to 1.08 s): a third of the way in.
    const fox = zh.indexOf('狐');
    expect(clock.startOf(fox, fox + 1)).toBeCloseTo(0.6 + 0.48 / 3, 6);
    expect(clock.startOf(zh.indexOf('它'), zh.length)).toBeCloseTo(5 * 0.6, 6);
    const cues = sceneCues(zh, 0, 14, { width: 540, height: 960, language: 'zh' }, { words: zhWords });
    expect(cues.length).toBeGreaterThan(1);
    for (const cue of cues) {
      const first = cue.text[0]!;
      const at = zh.indexOf(cue.text.replace(/\n/g, '').slice(0, 4));
      expect(at, `page "${cue.text}"`).toBeGreaterThanOrEqual(0);
      expect(cue.startSec).toBeCloseTo(clock.startOf(at, at + 1)!, 6);
      expect(first).not.toMatch(/^[。，！？]/u);
    }
    expect(cues.map((c) => c.text.replace(/\n/g, '')).join('')).toBe(zh);
  });

  it('maps words that differ from the text in case, punctuation, width and a spelled-out number', () => {
    const narration = 'Mira counted 3 boats, then ＯＮＥ more—and smiled.';
    const spoken = evenly(['mira', 'counted', 'three', 'boats', 'then', 'one', 'more', 'and', 'smiled'], 0, 0.5);
    const clock = speechClock(narration, spoken)!;
    const at = (word: string) => narration.indexOf(word);
    expect(clock.startOf(at('boats'), at('boats') + 5)).toBeCloseTo(1.5, 1);
    expect(clock.startOf(at('ＯＮＥ'), at('ＯＮＥ') + 3)).toBeCloseTo(2.5, 6);
    expect(clock.startOf(at('smiled'), narration.length)).toBeCloseTo(4, 6);
    // "3" matches no spoken letter: it takes the time between "counted" and "boats".
    const three = clock.startOf(at('3'), at('3') + 1)!;
    expect(three).toBeGreaterThanOrEqual(0.5 + 0.4);
    expect(three).toBeLessThanOrEqual(1.5);
  });

  it('ignores timings that belong to another text and times the pages by length', () => {
    const other = evenly(['совсем', 'другой', 'текст', 'здесь'], 0, 0.5);
    expect(sceneCues(text, 0, 12, { ...layout, language: 'en' }, { words: other, style: 'karaoke' })).toEqual(
      sceneCues(text, 0, 12, { ...layout, language: 'en' }),
    );
  });

  it('never lets a cue or a karaoke piece leave the narration window', () => {
    // Timings that run 3 s past the clip and start before it (a provider's rounding gone wrong).
    const late = words.map((w) => ({ ...w, startSec: w.startSec * 1.5 - 0.5, endSec: w.endSec * 1.5 + 3 }));
    for (const style of ['pages', 'karaoke'] as const) {
      const cues = sceneCues(text, 4, 8, { width: 540, height: 960, language: 'en' }, { words: late, style });
      expect(cues[0]!.startSec).toBeGreaterThanOrEqual(4);
      expect(cues.at(-1)!.endSec).toBeLessThanOrEqual(12 + 1e-9);
      for (const cue of cues) {
        expect(cue.endSec - cue.startSec).toBeGreaterThanOrEqual(0.3 - 1e-9);
        for (const piece of cue.karaoke ?? []) {
          expect(piece.startSec).toBeGreaterThanOrEqual(cue.startSec);
          expect(piece.endSec).toBeLessThanOrEqual(cue.endSec);
        }
      }
    }
  });

  it('karaoke: every page is cut into timed pieces that are exactly its text', () => {
    const cues = sceneCues(text, 1, 12, { ...layout, language: 'en' }, { words, style: 'karaoke' });
    for (const cue of cues) {
      expect(cue.karaoke!.map((p) => p.text).join('')).toBe(cue.text);
      const starts = cue.karaoke!.map((p) => p.startSec);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
    const fox = cues[0]!.karaoke!.find((p) => p.text.startsWith('fox'))!;
    expect(fox.startSec).toBeCloseTo(1 + words[1]!.startSec, 6);
    expect(fox.endSec).toBeCloseTo(1 + words[1]!.endSec, 6);
    const dialogue = buildAss(cues, { ...layout, language: 'en' })
      .split('\n')
      .find((l) => l.startsWith('Dialogue'))!;
    // 0.2 s of silence before "The", then each word filled over its 0.32 s, 0.08 s gaps between.
    expect(dialogue).toMatch(/,Karaoke,,0,0,0,,\{\\kf32\}The \{\\k8\}\{\\kf32\}fox /u);
  });

  it('karaoke without timings is plain pages timed by length, as before', () => {
    expect(sceneCues(text, 0, 12, { ...layout, language: 'en' }, { style: 'karaoke' })).toEqual(
      sceneCues(text, 0, 12, { ...layout, language: 'en' }),
    );
  });
});

describe('karaoke on screen', () => {
  it('highlights the words as they are said, readable on a dark and on a light picture', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-karaoke-'));
    const text = 'One two three four five six';
    const timed = evenly(text.split(' '), 0.3, 0.5); // word k from 0.3 + k·0.5 s, 0.4 s long
    const small = { width: 360, height: 640, language: 'en' as const };
    const cues = sceneCues(text, 0, 4, small, { words: timed, style: 'karaoke' });
    expect(cues).toHaveLength(1);
    await writeFile(path.join(dir, 'k.ass'), buildAss(cues, small));
    const frameAt = async (sec: number, background: string) =>
      (
        await run(
          'ffmpeg',
          ['-v', 'error', '-f', 'lavfi', '-i', `color=${background}:s=360x640:d=5:r=25`, '-vf', 'ass=k.ass']
            // Output seeking: the filter sees the real timestamps.
            .concat(['-ss', String(sec), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']),
          { cwd: dir, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
        )
      ).stdout;
    const count = (rgb: Buffer, test: (r: number, g: number, b: number) => boolean) => {
      let n = 0;
      for (let i = 0; i < rgb.length; i += 3) if (test(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!)) n++;
      return n;
    };
    const yellow = (r: number, g: number, b: number) => r > 200 && g > 170 && b < 110;
    const white = (r: number, g: number, b: number) => r > 220 && g > 220 && b > 220;
    const dark = (r: number, g: number, b: number) => r < 60 && g < 60 && b < 60;
    // On black: nothing highlighted before the first word, then more and more, all of it at the end.
    const highlighted = [];
    for (const sec of [0.1, 0.9, 1.9, 3.5]) highlighted.push(count(await frameAt(sec, 'black'), yellow));
    expect(highlighted[0]).toBe(0);
    expect(highlighted[1]).toBeGreaterThan(0);
    expect(highlighted[2]).toBeGreaterThan(highlighted[1]! * 2);
    expect(highlighted[3]).toBeGreaterThan(highlighted[2]!);
    const end = await frameAt(3.5, 'black');
    expect(count(end, white)).toBeLessThan(count(end, yellow) * 0.05);
    // On white: the dark outline carries the words (the fill alone would vanish in the white).
    const light = await frameAt(1.9, 'white');
    expect(count(light, dark)).toBeGreaterThan(count(light, yellow) * 0.5);
    expect(count(light, yellow)).toBeGreaterThan(0);
  });
});

describe('espeak alignment units and levels', () => {
  it('times words, CJK characters (kana with their small kana) and Latin runs; punctuation rides along', () => {
    const texts = (text: string, language: Language) => alignmentUnits(text, language).map((u) => u.text);
    expect(texts('— Hello, world! 3 cats…', 'en')).toEqual(['— Hello,', 'world!', '3', 'cats…']);
    expect(texts('我们去 Hello World 看看。', 'zh')).toEqual(['我', '们', '去', 'Hello', 'World', '看', '看。']);
    expect(texts('きょうは、ラーメン！', 'ja')).toEqual(['きょ', 'う', 'は、', 'ラー', 'メ', 'ン！']);
    expect(texts('작은 여우가 깼다.', 'ko')).toEqual(['작은', '여우가', '깼다.']);
    const units = alignmentUnits('Hi there. Bye', 'en');
    expect(units.map((u) => [u.start, u.end, u.clauseEnd])).toEqual([
      [0, 2, false],
      [3, 9, true],
      [10, 13, false],
    ]);
  });

  it('measures a streamed WAV with placeholder sizes in any chunking the same', async () => {
    const { LevelMeter } = await import('../src/providers/espeakAlignment.js');
    // ffmpeg on a pipe, like espeak-ng on a pipe, leaves the sizes at 0xffffffff (and adds a LIST chunk).
    const { stdout: wav } = await run(
      'ffmpeg',
      ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=0.25:sample_rate=22050', '-af', 'apad=pad_dur=0.25'].concat([
        '-ac',
        '1',
        '-c:a',
        'pcm_s16le',
        '-f',
        'wav',
        '-',
      ]),
      { encoding: 'buffer' },
    );
    expect(wav.readUInt32LE(4)).toBe(0xffffffff);
    const measure = async (chunk: number) => {
      const meter = new LevelMeter();
      for (let at = 0; at < wav.length; at += chunk) {
        await new Promise<void>((resolve, reject) =>
          meter.write(wav.subarray(at, at + chunk), (e) => (e ? reject(e) : resolve())),
        );
      }
      return meter.result();
    };
    const whole = await measure(wav.length);
    expect(await measure(7)).toEqual(whole);
    // lavfi's sine has amplitude 1/8: an RMS of 1/8/√2.
    expect(whole.db[10]!).toBeCloseTo(10 * Math.log10(0.5 / 64), 0);
    expect(whole.db.at(-2)).toBe(-120);
    expect(whole.frameSec).toBeCloseTo(0.005, 3);
  });
});

/** Where speech resumes after a pause in `file`, by ffmpeg's silencedetect: an independent measure. */
async function pauseOnsets(file: string): Promise<{ pauses: [number, number][]; durationSec: number }> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner',
    '-nostats',
    '-i',
    file,
    '-af',
    'silencedetect=n=-50dB:d=0.15',
    '-f',
    'null',
    '-',
  ]);
  const starts = [...stderr.matchAll(/silence_start: ([\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...stderr.matchAll(/silence_end: ([\d.]+)/g)].map((m) => Number(m[1]));
  const duration = /Duration: (\d+):(\d+):([\d.]+)/.exec(stderr)!;
  const durationSec = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
  return { pauses: ends.map((end, i) => [starts[i]!, end]), durationSec };
}

const SPOKEN: [Language, string, string][] = [
  [
    'en',
    'en-us',
    'A small boat drifted near the shore. The wind was calm, and the gulls were quiet. Nobody saw it arrive.',
  ],
  ['ru', 'ru', 'Старый дом стоял у дороги. Окна были тёмными, а дверь скрипела. Никто не жил там много лет.'],
  ['zh', 'cmn', '小船在岸边漂着。风很平静，海鸥也很安静。没有人看见它来。'],
  ['ko', 'ko', '작은 배가 해안 근처에 떠 있었다. 바람은 잔잔했고, 갈매기들도 조용했다. 아무도 보지 못했다.'],
  ['ja', 'ja', '小さな船が岸の近くに浮かんでいた。風は静かで、カモメも黙っていた。誰も気づかなかった。'],
];

/**
 * Measured on these clips (15 pauses): every pause onset is matched by a word start at most 5 ms away
 * (5 ms frames against silencedetect's samples); 30 ms leaves room for another espeak-ng build.
 */
const ONSET_TOLERANCE_SEC = 0.03;

describe('espeak-ng word timings', () => {
  const espeak = createEspeakProvider({ espeakPath: 'espeak-ng' });

  it.each(SPOKEN)('%s: words start where the speech resumes after each pause', async (language, voice, text) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-words-'));
    const outPath = path.join(dir, 'narration.wav');
    const result = await espeak.synthesize({ text, voice, language, outPath, signal: new AbortController().signal });
    expect(result).toMatchObject({ wordsSource: 'estimated' });
    const words = result!.words!;
    const units = alignmentUnits(text, language);
    expect(words.map((w) => w.text)).toEqual(units.map((u) => u.text));
    const { pauses, durationSec } = await pauseOnsets(outPath);
    const inner = pauses.filter(([, end]) => end < durationSec - 0.05);
    expect(inner.length).toBeGreaterThanOrEqual(2);
    for (const [, onset] of inner) {
      const next = words.findIndex((w) => w.startSec > onset - ONSET_TOLERANCE_SEC);
      expect(Math.abs(words[next]!.startSec - onset), `onset ${onset} s`).toBeLessThanOrEqual(ONSET_TOLERANCE_SEC);
      // The right word: the one after punctuation, not a neighbour.
      expect(units[next - 1]!.clauseEnd, `${words[next - 1]!.text} | ${words[next]!.text}`).toBe(true);
    }
    // No word starts inside a pause, and all of them are in order within the clip.
    for (const w of words) {
      for (const [from, to] of inner) expect(w.startSec <= from || w.startSec >= to - ONSET_TOLERANCE_SEC).toBe(true);
    }
    words.forEach((w, i) => {
      expect(w.endSec).toBeGreaterThanOrEqual(w.startSec);
      if (i > 0) expect(w.startSec).toBeGreaterThanOrEqual(words[i - 1]!.endSec - 1e-9);
    });
    expect(words.at(-1)!.endSec).toBeLessThanOrEqual(durationSec);
    // And the captions built from them change pages on those words.
    const cues = sceneCues(text, 0, durationSec, { width: 540, height: 960, language }, { words });
    const sep = language === 'zh' || language === 'ja' ? '' : ' ';
    expect(cues.map((c) => c.text.replace(/\n/g, sep)).join(sep)).toBe(wrapText(text, language, 1e9)[0]);
    expect(cues[0]!.startSec).toBeCloseTo(words[0]!.startSec, 6);
  });

  /**
   * Inside a run of speech there is no silence to check against, so this compares with espeak-ng's
   * own word events (libespeak-ng through python3's ctypes: the engine the CLI uses, same audio).
   * Measured on these texts (98 words; none of them among the texts the model was fitted on): mean
   * |error| 37 ms, 90th percentile 88 ms, worst 129 ms. Kanji are read as "Chinese letter" and get no
   * word events of their own, so the Japanese text here is kana. Needs python3 (on every machine
   * this project runs on) and libespeak-ng (installed with espeak-ng by the bootstrap).
   */
  it('word starts agree with espeak-ng’s own word events', async () => {
    const texts: [Language, string, string][] = [
      ...SPOKEN.filter(([l]) => l !== 'ja'),
      ['en', 'en-us', 'When the storm finally passed, the old lighthouse keeper climbed the stairs to check the lamp.'],
      ['ja', 'ja', 'ちいさな ふねが きしの ちかくに うかんでいた。 かぜは しずかで、 だれも きづかなかった。'],
    ];
    const errors: number[] = [];
    for (const [language, voice, text] of texts) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-truth-'));
      const result = await espeak.synthesize({
        text,
        voice,
        language,
        outPath: path.join(dir, 'n.wav'),
        signal: new AbortController().signal,
      });
      const units = alignmentUnits(text, language);
      for (const event of espeakWordEvents(text, voice)) {
        const unit = units.findIndex((u) => u.start === event.offset);
        if (unit >= 0) errors.push(Math.abs(result!.words![unit]!.startSec - event.startSec));
      }
    }
    errors.sort((a, b) => a - b);
    expect(errors.length).toBeGreaterThan(60);
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(0.07);
    expect(errors[Math.floor(errors.length * 0.9)]).toBeLessThan(0.15);
    expect(errors.at(-1)).toBeLessThan(0.3);
  });
});

const WORD_EVENTS_PY = `
import ctypes, json, sys
lib = ctypes.CDLL('libespeak-ng.so.1')
class Event(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('uid', ctypes.c_uint), ('text_position', ctypes.c_int),
                ('length', ctypes.c_int), ('audio_position', ctypes.c_int), ('sample', ctypes.c_int),
                ('user_data', ctypes.c_void_p), ('id', ctypes.c_char * 8)]
Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(Event))
words = []
def on_audio(wav, n, events):
    i = 0
    while events[i].type != 0:
        if events[i].type == 1 and events[i].length > 0:
            words.append([events[i].text_position - 1, events[i].audio_position / 1000])
        i += 1
    return 0
keep = Callback(on_audio)
lib.espeak_Initialize(2, 0, None, 0)  # synchronous
lib.espeak_SetSynthCallback(keep)
lib.espeak_SetVoiceByName(sys.argv[1].encode())
lib.espeak_SetParameter(1, 160, 0)  # rate, as the provider's -s 160
text = sys.stdin.read().encode('utf-8')
lib.espeak_Synth(ctypes.c_char_p(text), len(text) + 1, 0, 1, 0, 1, None, None)  # UTF-8
lib.espeak_Synchronize()
print(json.dumps(words))
`;

/** espeak-ng's WORD events: where each word starts in the text (UTF-16 offset) and in the audio. */
function espeakWordEvents(text: string, voice: string): { offset: number; startSec: number }[] {
  const events = JSON.parse(execFileSync('python3', ['-c', WORD_EVENTS_PY, voice], { input: text, encoding: 'utf8' }));
  return (events as [number, number][]).map(([chars, startSec]) => ({
    offset: [...text].slice(0, chars).join('').length,
    startSec,
  }));
}

describe('renderShort with word timings', () => {
  it("burns karaoke captions timed by each scene's words, and length-timed pages where a scene has none", async () => {
    const dataDir = await tempDataDir();
    const run = typedRunner(new MockActivityEnvironment());
    const story = 'The fox woke up early. It ran to the river. The water was cold. It slept in the warm sun.';
    const { render, input } = await prepareRender(run, offlineDeps(dataDir), { runKey: 'run-k', story, sceneCount: 2 });
    const storage = new LocalStorage(dataDir);
    const plan = JSON.parse((await storage.read(input.planRef)).toString()) as { scenes: { narration: string }[] };
    // Scene 1 gets the timings espeak-ng gives for its clip; scene 2 has none.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-words-'));
    const spoken = await createEspeakProvider({ espeakPath: 'espeak-ng' }).synthesize({
      text: plan.scenes[0]!.narration,
      voice: 'en-us',
      language: 'en',
      outPath: path.join(dir, 'n.wav'),
      signal: new AbortController().signal,
    });
    const words = spoken!.words!;
    const wordsRef = 'runs/run-k/scene-01/narration.words.json';
    await storage.write(wordsRef, Buffer.from(JSON.stringify({ source: 'estimated', words })));
    const scenes = [{ ...input.scenes[0]!, wordsRef }, input.scenes[1]!];
    const video = await run(render, { ...input, scenes, captionStyle: 'karaoke' });
    expect(Math.abs(video.durationSec - input.timeline.totalSec)).toBeLessThan(0.1);

    const ass = (await storage.read('runs/run-k/captions.ass')).toString();
    const events = ass
      .split('\n')
      .filter((l) => l.startsWith('Dialogue'))
      .map((l) => {
        const [, start, end, style, text] = /^Dialogue: 0,([^,]+),([^,]+),(\w+),,0,0,0,,(.*)$/.exec(l)!;
        const sec = (t: string) => t.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
        return { start: sec(start!), end: sec(end!), style, text: text! };
      });
    const [first, second] = input.timeline.scenes;
    const inScene = (e: { start: number }, t: typeof first) =>
      e.start >= t!.narrationStartSec - 0.01 && e.start < t!.narrationStartSec + t!.narrationDurationSec;
    const karaoke = events.filter((e) => inScene(e, first));
    const plain = events.filter((e) => inScene(e, second));
    expect(karaoke.length + plain.length).toBe(events.length);
    expect(karaoke.every((e) => e.style === 'Karaoke' && e.text.includes('{\\kf'))).toBe(true);
    expect(karaoke[0]!.start).toBeCloseTo(first!.narrationStartSec + words[0]!.startSec, 1);
    expect(plain.every((e) => e.style === 'Caption' && !e.text.includes('{'))).toBe(true);
    expect(plain[0]!.start).toBeCloseTo(second!.narrationStartSec, 1);
    for (const [events, t] of [
      [karaoke, first],
      [plain, second],
    ] as const) {
      expect(events.at(-1)!.end).toBeLessThanOrEqual(t!.narrationStartSec + t!.narrationDurationSec + 0.01);
    }
  });
});
