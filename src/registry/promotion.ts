/** The promotion gate: does a candidate model beat the one in service? Pure, so it reads like the rule. */

export interface PromotionRule {
  metric: string;
  direction: 'max' | 'min';
  min_delta: number;
}

export interface PromotionDecision {
  promoted: boolean;
  /** Why, in a sentence a person reads in the announcement (with both numbers when there are two). */
  reason: string;
  metric?: string;
  candidate?: number;
  current?: number;
  currentRevision?: string;
}

export function decidePromotion(
  rule: PromotionRule | undefined,
  candidate: Record<string, number>,
  current: { revision: string; metrics: Record<string, number> } | undefined,
): PromotionDecision {
  if (!rule) return { promoted: true, reason: 'no promotion gate: the newest model is promoted' };
  const value = candidate[rule.metric];
  if (value === undefined) {
    return { promoted: false, metric: rule.metric, reason: `not promoted: the run reported no "${rule.metric}"` };
  }
  const base = { metric: rule.metric, candidate: value };
  const held = current?.metrics[rule.metric];
  if (!current || held === undefined) {
    return { ...base, promoted: true, reason: `promoted: first model with ${rule.metric} = ${fmt(value)}` };
  }
  const gain = rule.direction === 'max' ? value - held : held - value;
  const promoted = gain > rule.min_delta; // "beats": strictly better by more than min_delta
  const comparison = `${rule.metric} ${fmt(value)} vs ${fmt(held)} for the model in service (${current.revision.slice(0, 7)})`;
  return {
    ...base,
    current: held,
    currentRevision: current.revision,
    promoted,
    reason: promoted
      ? `promoted: ${comparison}`
      : `not promoted: ${comparison}; needs to be ${rule.direction === 'max' ? 'higher' : 'lower'} by more than ${rule.min_delta}`,
  };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4);
}
