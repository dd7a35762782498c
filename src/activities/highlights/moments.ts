/**
 * The activities of shorts cut from a long video, on the main queue: the moments picked from the
 * transcript (by the LLM when one is configured, by the offline picker otherwise or when the LLM
 * fails for good), and each moment cut out as a one-scene short that the ordinary soundtrack and
 * render activities finish: its picture (a clip), its sound (the narration), the words said in it
 * (caption timings) and a plan whose narration is what is said. Idempotent: everything is kept in
 * storage, checked whole, and a retry finds it.
 */
import { Context } from '@temporalio/activity';
import type OpenAI from 'openai';
import type { LlmConfig } from '../../config/providers.js';
import { ErrorTypes, failure } from '../../domain/errors.js';
import { type Moment, type PickedMoments, momentsRefOf } from '../../domain/highlights.js';
import { checkMoments, densestStretches, momentWordTimings, wordsOf } from '../../domain/moments.js';
import type { StoryPlan } from '../../domain/plan.js';
import type { Language } from '../../domain/shortRequest.js';
import type { Transcript } from '../../domain/transcript.js';
import type { NarrationWords } from '../../domain/words.js';
import { verifyWav } from '../../media/audio/verifyAudio.js';
import { samplesFor } from '../../media/audio/format.js';
import { cutMomentPicture, cutMomentSound } from '../../media/chunks/moment.js';
import { type MediaTools, probeMedia } from '../../media/ffmpeg.js';
import { CENTRE, type Framing, findFraming } from '../../media/reframe.js';
import { verifyClip } from '../../media/verify.js';
import { pickMomentsWithLlm } from '../../planner/momentPicker.js';
import { type Storage, runKeys } from '../../storage/index.js';
import { ffmpegFailure } from '../failures.js';
import { withHeartbeat } from '../heartbeat.js';

export interface PickMomentsInput {
  runKey: string;
  transcriptRef: string;
  durationSec: number;
  count: number;
  lengthSec: number;
  /** Set when the LLM could not pick: the offline picker picks, and says why. */
  fallbackReason?: string;
}

export interface CutMomentInput {
  /** The short's own run key (its files live under runs/<shortKey>/). */
  shortKey: string;
  sourceRef: string;
  transcriptRef: string;
  moment: Moment;
  /** Exactly this long (whole frames at the short's rate). */
  durationSec: number;
  language: Language;
  picker: string;
  /** `auto`: crop over what moves when it is off centre; `centre`: always the centre. */
  reframe?: 'auto' | 'centre';
}

export interface CutMoment {
  planRef: string;
  clipRef: string;
  narrationRef: string;
  wordsRef: string;
  framing: Framing;
}

export interface HighlightDeps {
  storage: Storage;
  tools: MediaTools;
  llm?: { client: OpenAI; config: LlmConfig };
}

export function createHighlightActivities({ storage, tools, llm }: HighlightDeps) {
  async function readTranscript(ref: string): Promise<Transcript> {
    if (!(await storage.exists(ref))) {
      throw failure(ErrorTypes.AssetMissing, "The video's transcript is missing from storage; transcribe it again.");
    }
    return JSON.parse((await storage.read(ref)).toString('utf8')) as Transcript;
  }

  async function pickMoments(input: PickMomentsInput): Promise<PickedMoments> {
    const ref = momentsRefOf(input.runKey);
    if (await storage.exists(ref)) return JSON.parse((await storage.read(ref)).toString('utf8')) as PickedMoments;
    const transcript = await readTranscript(input.transcriptRef);
    const words = wordsOf(transcript);
    if (words.length === 0) {
      throw failure(
        ErrorTypes.InvalidInput,
        'Nothing is said in this video, so there is no moment to cut a short from.',
      );
    }
    const rules = { count: input.count, lengthSec: input.lengthSec, durationSec: input.durationSec };
    let picked: PickedMoments;
    if (llm && input.fallbackReason === undefined) {
      const moments = await withHeartbeat(() =>
        pickMomentsWithLlm(
          llm.client,
          llm.config,
          { ...rules, transcript, words },
          Context.current().cancellationSignal,
        ),
      );
      picked = { moments: numbered(moments), picker: `llm:${llm.config.model}` };
    } else {
      const offline = checkMoments({ moments: densestStretches(words, rules) }, words, rules);
      if (!('moments' in offline)) throw new Error(`the offline picker broke its own rules: ${offline.problems[0]}`);
      picked = {
        moments: numbered(offline.moments),
        picker: 'offline',
        fallbackReason: input.fallbackReason ?? 'no LLM is configured (LLM_BASE_URL): the densest talk was picked',
      };
    }
    await storage.write(ref, JSON.stringify(picked, null, 1));
    return picked;
  }

  async function cutMoment(input: CutMomentInput): Promise<CutMoment> {
    const ctx = Context.current();
    const key = input.shortKey;
    const out: Omit<CutMoment, 'framing'> = {
      planRef: runKeys.plan(key),
      clipRef: runKeys.clip(key, 0),
      narrationRef: runKeys.narration(key, 0),
      wordsRef: runKeys.narrationWords(key, 0),
    };
    const cut = { startSec: input.moment.startSec, durationSec: input.durationSec, signal: ctx.cancellationSignal };
    const source = storage.localPath(input.sourceRef);
    if (!(await storage.exists(input.sourceRef))) {
      throw failure(ErrorTypes.AssetMissing, 'The long video itself is missing from storage; send it again.');
    }
    const framingRef = `runs/${key}/framing.json`;
    let framing = CENTRE;
    try {
      await withHeartbeat(async (progress) => {
        if (!(await storage.exists(out.clipRef))) {
          const size = input.reframe === 'centre' ? undefined : await pictureSize(source);
          framing = size ? await findFraming(tools, source, { ...cut, ...size }) : CENTRE;
          const crop = size && framing.mode === 'subject' ? cropOf(size, framing) : undefined;
          // Kept first: a clip in storage always has the framing it was cut with beside it.
          await storage.write(framingRef, JSON.stringify(framing));
          await storage.put(
            out.clipRef,
            (tmp) => cutMomentPicture(tools, source, tmp, { ...cut, ...(crop ? { crop } : {}) }),
            verifyClip(tools),
          );
        } else if (await storage.exists(framingRef)) {
          framing = JSON.parse((await storage.read(framingRef)).toString('utf8')) as Framing;
        }
        progress(0.7);
        if (!(await storage.exists(out.narrationRef))) {
          const samples = samplesFor(input.durationSec);
          await storage.put(
            out.narrationRef,
            (tmp) => cutMomentSound(tools, source, tmp, cut),
            verifyWav(tools, { samples }),
          );
        }
      });
      const words = wordsOf(await readTranscript(input.transcriptRef));
      const timings: NarrationWords = {
        source: 'provider',
        words: momentWordTimings(words, input.moment.startSec, input.moment.startSec + input.durationSec),
      };
      await storage.write(out.wordsRef, JSON.stringify(timings));
      const plan: StoryPlan = {
        title: input.moment.title,
        language: input.language,
        structure: 'scenes',
        planner: input.picker,
        characters: [],
        scenes: [{ index: 0, narration: input.moment.text, imagePrompt: '', motionPrompt: '', mood: 'calm' }],
      };
      await storage.write(out.planRef, JSON.stringify(plan));
      return { ...out, framing };
    } catch (err) {
      throw ffmpegFailure(
        err,
        ctx,
        ErrorTypes.InvalidInput,
        out.clipRef,
        `Cutting moment ${input.moment.index} failed`,
      );
    }
  }

  async function pictureSize(source: string): Promise<{ width: number; height: number }> {
    const video = (await probeMedia(tools, source)).streams.find((s) => s.type === 'video');
    if (!video?.width || !video.height) {
      throw failure(ErrorTypes.InvalidInput, 'The long video has no picture to cut a short from.');
    }
    return { width: video.width, height: video.height };
  }

  return { pickMoments, cutMoment };
}

/** The 9:16 window of a picture of `size`, its left edge where the framing puts it (even pixels). */
function cropOf(size: { width: number; height: number }, framing: Framing): { width: number; left: number } {
  const width = Math.min(size.width, Math.round((size.height * 9) / 16 / 2) * 2);
  return { width, left: Math.round((framing.x * (size.width - width)) / 2) * 2 };
}

function numbered(moments: Omit<Moment, 'index'>[]): Moment[] {
  return moments.map((m, i) => ({ ...m, index: i + 1 }));
}
