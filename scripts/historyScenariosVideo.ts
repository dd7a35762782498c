/**
 * The recorded scenarios of long videos and of shorts cut from them (see historyScenarios.ts).
 */
import type { Scenario } from './historyScenarios.js';

const WHISPERX = 'victor-upmeet/whisperx:84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb';

export const VIDEO_SCENARIOS: Scenario[] = [
  {
    // A long recording in two chunks on the key pool, one merged transcript.
    workflowType: 'longVideo',
    name: 'transcribe-two-chunks',
    workflowId: 'video-transcribe-recorded',
    replicate: true,
    recordings: { 'uploads/44444444444444444444444444444444/source.m4a': 100 },
    input: {
      ref: 'uploads/44444444444444444444444444444444/source.m4a',
      task: 'transcribe',
      chunkMinutes: 1,
      strict: false,
      model: WHISPERX,
    },
  },
  {
    // The scenes of a video in two chunks (patched 'long-video-scenes'): found locally, nothing predicted.
    workflowType: 'longVideo',
    name: 'scenes-two-chunks',
    workflowId: 'video-scenes-recorded',
    videos: { 'uploads/55555555555555555555555555555555/source.mp4': 100 },
    input: {
      ref: 'uploads/55555555555555555555555555555555/source.mp4',
      task: 'scenes',
      chunkMinutes: 1,
      strict: false,
      model: WHISPERX,
    },
  },
  {
    // The scenes of a video in two chunks, each scene's still described by LLaVA on the key pool
    // (patched 'long-video-scene-descriptions').
    workflowType: 'longVideo',
    name: 'scenes-described',
    workflowId: 'video-scenes-described-recorded',
    replicate: true,
    videos: { 'uploads/66666666666666666666666666666666/source.mp4': 100 },
    input: {
      ref: 'uploads/66666666666666666666666666666666/source.mp4',
      task: 'scenes',
      chunkMinutes: 1,
      strict: false,
      describe: true,
      describeModel: 'yorickvp/llava-13b:b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb',
      model: WHISPERX,
    },
  },
  {
    // The caller's model (WhisperX by an input mapping) on a recording in two chunks, every
    // chunk's output in outputs.json (patched 'long-video-custom').
    workflowType: 'longVideo',
    name: 'custom-two-chunks',
    workflowId: 'video-custom-recorded',
    replicate: true,
    recordings: { 'uploads/77777777777777777777777777777777/source.m4a': 100 },
    input: {
      ref: 'uploads/77777777777777777777777777777777/source.m4a',
      task: 'custom',
      chunkMinutes: 1,
      strict: false,
      language: 'en',
      custom: {
        model: WHISPERX,
        input: { audio_file: '{{chunk.url}}', language: '{{language}}', align_output: true },
        media: 'audio',
      },
      model: WHISPERX,
    },
  },
  {
    // Two shorts cut from a transcribed talking video: moments picked by the LLM, cut, mixed, rendered.
    workflowType: 'videoHighlights',
    name: 'two-shorts',
    workflowId: 'highlights-2x14s-recorded',
    replicate: true,
    talkingVideos: { 'uploads/88888888888888888888888888888888/source.mp4': 90 },
    parent: {
      workflowType: 'longVideo',
      workflowId: 'video-transcribe-recorded-for-highlights',
      input: {
        ref: 'uploads/88888888888888888888888888888888/source.mp4',
        task: 'transcribe',
        chunkMinutes: 1,
        strict: false,
        model: WHISPERX,
      },
    },
    input: {
      videoId: 'video-transcribe-recorded-for-highlights',
      transcriptRef: 'videos/video-transcribe-recorded-for-highlights/transcript.json',
      sourceRef: 'uploads/88888888888888888888888888888888/source.mp4',
      durationSec: 90,
      language: 'en',
      count: 2,
      lengthSec: 14,
      captionStyle: 'pages',
      width: 360,
      height: 640,
      fps: 12,
      reframe: 'auto',
    },
  },
];
