import type { PlanView } from '../../domain/progress.js';
import { type PlanApproval, type SceneEdit, planApprovalSchema } from '../../domain/planApproval.js';
import { describeIssues } from '../../util/describeIssues.js';

/**
 * The plan as the file a person edits: one object per scene, in order, with exactly the fields an
 * approval may change, so what they save is what POST …/approve would take as `scenes`.
 */
export function editableScenes(plan: PlanView): SceneEdit[] {
  return plan.scenes.map((scene) => {
    const edit: SceneEdit = {};
    if (scene.narration !== undefined) edit.narration = scene.narration;
    if (scene.imagePrompt !== undefined) edit.imagePrompt = scene.imagePrompt;
    if (scene.motionPrompt !== undefined) edit.motionPrompt = scene.motionPrompt;
    return edit;
  });
}

export type EditOutcome = { approval: PlanApproval } | { problem: string } | { unchanged: true };

/**
 * The saved file as an approval, checked with the API's own schema. Only fields that differ from
 * the plan are sent, so the run records what really changed. The scene count is left to the
 * workflow's validator (the one judge of it, for the API too): a list of another length is sent.
 */
export function approvalFromFile(text: string, plan: PlanView): EditOutcome {
  let scenes: unknown;
  try {
    scenes = JSON.parse(text);
  } catch (err) {
    return { problem: `The file is not valid JSON (${(err as Error).message})` };
  }
  const parsed = planApprovalSchema.safeParse({ scenes });
  if (!parsed.success) return { problem: `The edit is not valid: ${describeIssues(parsed.error, { label }).message}` };
  const edits = (parsed.data.scenes ?? []).map((edit, i) => changedFields(edit, plan.scenes[i]));
  if (edits.length === plan.scenes.length && edits.every((e) => Object.keys(e).length === 0)) {
    return { unchanged: true };
  }
  return { approval: { scenes: edits } };
}

function changedFields(edit: SceneEdit, planned: PlanView['scenes'][number] | undefined): SceneEdit {
  const changed: SceneEdit = {};
  for (const key of ['narration', 'imagePrompt', 'motionPrompt'] as const) {
    const value = edit[key];
    if (value !== undefined && value !== planned?.[key]) changed[key] = value;
  }
  return changed;
}

/** `scenes.1.mood` → `scene 2 mood`: the file is the list, so its paths are named as a person counts. */
function label(path: string): string {
  const match = /^scenes(?:\.(\d+)(?:\.(.+))?)?$/.exec(path);
  if (!match) return path || 'the file';
  if (match[1] === undefined) return 'the file';
  return `scene ${Number(match[1]) + 1}${match[2] ? ` ${match[2]}` : ''}`;
}
