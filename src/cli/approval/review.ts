import type { Client } from '@temporalio/client';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PlanApproval } from '../../domain/planApproval.js';
import type { PlanView } from '../../domain/progress.js';
import { approvePlan, rejectPlan } from '../../runs/approval.js';
import { NotAwaitingApprovalError, PlanEditRefusedError } from '../../runs/errors.js';
import type { ShortState } from '../../runs/kinds/short.js';
import type { RunService } from '../../runs/service.js';
import { CliError } from '../errors.js';
import { type Delivery, deliverShort, followShort, watchShort } from '../followShort.js';
import type { LocalStack } from '../localStack.js';
import { describePlan } from '../views/planText.js';
import { type Answers, stdinAnswers } from './answers.js';
import { editorCommand, openInEditor } from './editor.js';
import { approvalFromFile, editableScenes } from './edits.js';

/**
 * `make --approve`: waits until the plan waits for its approval, shows it with its estimate, asks
 * yes / no / edit, and then follows the run as `make` does. The answers go through the same
 * functions as POST …/approve and …/reject (runs/approval.ts), so the workflow's validator judges
 * an edit here exactly as it does there: a refused edit changes nothing and is asked again.
 */
export async function followWithApproval(
  runs: RunService,
  stack: LocalStack,
  id: string,
  delivery: Delivery,
): Promise<number> {
  const waiting = await watchShort(runs, stack, id, (s) => s.progress?.stage === 'awaiting-approval');
  if (waiting.cancelRequested || waiting.status.status !== 'running') return deliverShort(waiting, stack, delivery);
  const decision = await reviewPlan(stack.client, runs, waiting.status, stack.interrupt);
  if (decision === 'approved' || decision === 'gone' || decision === 'interrupted') {
    // Interrupted: the wait sees Ctrl-C and cancels the run. Gone: it reports how the run ended.
    return followShort(runs, stack, id, delivery);
  }
  if (decision === 'no-answer') {
    await rejectPlan(runs, id).catch((err: unknown) => {
      if (!(err instanceof NotAwaitingApprovalError)) throw err;
    });
  }
  const ended = await watchShort(runs, stack, id);
  if (ended.status.status !== 'cancelled') return deliverShort(ended, stack, delivery);
  const why =
    decision === 'rejected' ? 'The plan was rejected' : 'No answer came before stdin closed, so the plan was rejected';
  throw new CliError(
    `${why}: ${id} was cancelled before anything was paid for`,
    decision === 'rejected'
      ? 'Change the story or the flags and run `reelflow make` again.'
      : 'Answer yes, no or edit on stdin (for scripts: `echo yes | reelflow make --approve …`).',
  );
}

type Decision = 'approved' | 'rejected' | 'no-answer' | 'interrupted' | 'gone';

const QUESTION = 'Make this short? [y]es, [n]o (cancel it), [e]dit the scenes: ';

async function reviewPlan(client: Client, runs: RunService, state: ShortState, signal: AbortSignal): Promise<Decision> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const plan = state.progress?.plan;
  if (!plan) throw new CliError(`${state.id} waits for approval but shows no plan`, 'Check it in the Web UI.');
  say(describePlan(state.id, plan, state.progress?.estimate).join('\n'));
  const answers = stdinAnswers(signal);
  const draft = await writeDraft(state.id, plan);
  try {
    for (;;) {
      const answer = await answers.ask(QUESTION);
      if (signal.aborted) return 'interrupted';
      if (answer === undefined) return 'no-answer';
      const choice = choiceOf(answer);
      if (!choice) {
        say('Answer yes, no or edit.');
        continue;
      }
      if (choice === 'no') {
        await rejectPlan(runs, state.id);
        return 'rejected';
      }
      const approval = choice === 'yes' ? {} : await editedApproval(draft, plan, answers, say);
      if (signal.aborted) return 'interrupted';
      if (!approval) continue;
      try {
        const approved = await approvePlan(client, runs, state.id, approval);
        say(approved.edited ? 'Approved with your edits.' : 'Approved as planned.');
        return 'approved';
      } catch (err) {
        if (!(err instanceof PlanEditRefusedError)) throw err;
        say(`The run refused the edit: ${err.message} Nothing changed; the plan still waits.`);
      }
    }
  } catch (err) {
    // Its timeout ran out, or someone else answered or cancelled it meanwhile.
    if (!(err instanceof NotAwaitingApprovalError)) throw err;
    say(err.message);
    return 'gone';
  } finally {
    answers.close();
    await rm(path.dirname(draft), { recursive: true, force: true });
  }
}

function choiceOf(answer: string): 'yes' | 'no' | 'edit' | undefined {
  const a = answer.toLowerCase();
  if (a === 'y' || a === 'yes') return 'yes';
  if (a === 'n' || a === 'no') return 'no';
  if (a === 'e' || a === 'edit') return 'edit';
  return undefined;
}

/** The scenes as JSON in a private temp folder; a refused edit stays in it, for the next try to fix. */
async function writeDraft(id: string, plan: PlanView): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-plan-'));
  const file = path.join(dir, `${id}.scenes.json`);
  await writeFile(file, `${JSON.stringify(editableScenes(plan), null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** Opens the draft in the editor; the approval it makes, or undefined (said why) to ask again. */
async function editedApproval(
  draft: string,
  plan: PlanView,
  answers: Answers,
  say: (line: string) => void,
): Promise<PlanApproval | undefined> {
  say(`Opening ${draft} in ${editorCommand()}: one entry per scene, in order; fields left out stay as planned.`);
  answers.release();
  try {
    await openInEditor(draft, { terminal: Boolean(process.stdin.isTTY) });
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    say(`${err.message}; nothing was sent.${err.hint ? ` ${err.hint}` : ''}`);
    return undefined;
  }
  const outcome = approvalFromFile(await readFile(draft, 'utf8'), plan);
  if ('problem' in outcome) {
    say(`${outcome.problem}. Nothing was sent; the plan still waits.`);
    return undefined;
  }
  if ('unchanged' in outcome) {
    say('The scenes are as planned; answer yes to make them so, or edit again.');
    return undefined;
  }
  return outcome.approval;
}
