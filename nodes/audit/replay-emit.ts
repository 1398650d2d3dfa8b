/**
 * Replay from the editor (the audit admin route and the operator console): replays the entries
 * a filter selects and emits each on the audit-sink that recorded it (or the explicit target, or
 * the first sink), one send per sink. The exactly-once rules are replay.ts's.
 */
import type { AuditConfigApi, ReplayTarget } from './config-api';
import { replayEntries, type ReplayFilter, type ReplaySkip } from './replay';

export interface EmittedReplay {
  id: string;
  replayEntryId: string;
  target: string;
}

export class NoReplayTargetError extends Error {
  constructor() {
    super('no audit-sink uses this audit-config: add one to emit replays');
    this.name = 'NoReplayTargetError';
  }
}

export async function replayAndEmit(
  cfg: AuditConfigApi,
  filter: ReplayFilter,
  explicit?: ReplayTarget,
): Promise<{ replayed: EmittedReplay[]; skipped: ReplaySkip[] }> {
  const targets = cfg.replayTargets();
  if (targets.length === 0) throw new NoReplayTargetError();
  // the sink that recorded an entry re-emits it; otherwise the first sink (ordered by id)
  const targetFor = (nodeId: string | undefined): ReplayTarget =>
    explicit ?? targets.find((t) => t.id === nodeId) ?? targets[0];
  const result = await replayEntries(cfg.getStore(), filter, {
    owner: cfg.instanceId,
    nodeId: (entry) => targetFor(entry.nodeId).id,
  });
  const byTarget = new Map<ReplayTarget, Array<Record<string, unknown>>>();
  const replayed = result.replayed.map((item) => {
    const target = targetFor(item.entry.nodeId);
    byTarget.set(target, [...(byTarget.get(target) ?? []), item.msg]);
    return { id: item.entry.id, replayEntryId: item.replayEntry.id, target: target.id };
  });
  for (const [target, msgs] of byTarget) target.emitReplays(msgs);
  return { replayed, skipped: result.skipped };
}
