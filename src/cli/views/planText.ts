import type { PlanView } from '../../domain/progress.js';
import { type Estimate, describeEstimate } from '../../runs/estimate.js';

/**
 * A plan waiting for approval, as `make --approve` shows it: scene by scene what is said, what the
 * image shows and its mood, whole (a person approves what they read), then what it will cost.
 */
export function describePlan(id: string, plan: PlanView, estimate: Estimate | undefined): string[] {
  const title = plan.title ? ` “${plan.title}”` : '';
  const lines = [`Plan for ${id}:${title} · ${plan.structure ?? 'scenes'} · ${plan.planner}`];
  if (plan.fallbackReason)
    lines.push(`  planned offline because the LLM could not: ${plan.fallbackReason.split('\n')[0]}`);
  plan.scenes.forEach((scene, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}  ${[scene.mood, scene.act].filter(Boolean).join(' · ') || 'scene'}`);
    lines.push(`      narration     ${scene.narration ?? ''}`);
    lines.push(`      image prompt  ${scene.imagePrompt ?? ''}`);
  });
  lines.push(
    ...(estimate
      ? ['Estimated cost once approved:', ...describeEstimate(estimate)]
      : ['No estimate came with the plan.']),
  );
  return lines;
}
