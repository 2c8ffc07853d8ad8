/**
 * FLOW_CONSENT_MISMATCH: the consent a flow asks for must name what its submissions carry
 * (docs/privacy.md, "What a submission carries"). What a consent step agrees to is the union of the
 * identity fields of the submits reachable from it (`consentScope`); its generated text names exactly
 * those. Refused:
 * - a submit that sends identity on consent (the default legal basis) with a path from `start` to it
 *   that passes no consent step;
 * - a consent step with no submit after it that sends identity (it asks for nothing);
 * - a hand-written consent text (a consent step's own `text`, or a show step whose text names
 *   identity fields in both languages) that, in either language, leaves out a field that is sent, names one that is not,
 *   or says only "your ID data".
 * Pure.
 */
import { consentDifference, fieldsNamedIn } from './consent.js'
import type { Diagnostic } from './diagnostic.js'
import type { DraftFlow, DraftStep } from './flow-read.js'
import { reachableIds } from './flow-graph.js'
import type { LocalizedText } from './flow-types.js'
import { IDENTITY_FIELDS, type IdentityField } from './identity-fields.js'

/** What a consent (or a text asking for it) at `stepId` covers: the identity fields of the submits after it. */
export interface ConsentScope {
  fields: IdentityField[]
  /** The submits that send identity, reachable from the step. */
  submits: string[]
  /** Whether any of them sends answers too. */
  withAnswers: boolean
  /** A submit reachable from the step has problems of its own: what it sends is not known. */
  unsure: boolean
}

export function consentScope(steps: ReadonlyMap<string, DraftStep>, stepId: string): ConsentScope {
  const targetsOf = (id: string): string[] => steps.get(id)?.transitions.map((transition) => transition.target) ?? []
  const fields = new Set<IdentityField>()
  const submits: string[] = []
  let withAnswers = false
  let unsure = false
  for (const id of reachableIds(targetsOf(stepId), targetsOf)) {
    const step = steps.get(id)
    if (step?.kind === 'submit' && step.step === null) unsure = true
    if (!step?.identity) continue
    submits.push(id)
    for (const field of step.identity.fields) fields.add(field)
    if (step.needs.some((need) => need.name !== 'identity')) withAnswers = true
  }
  return { fields: IDENTITY_FIELDS.filter((field) => fields.has(field)), submits, withAnswers, unsure }
}

export function checkConsent(draft: DraftFlow, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const steps = draft.steps
  if (!draft.start || !steps.has(draft.start.target)) return diagnostics
  const report = (message: string, line: number, step: string): void => {
    diagnostics.push({ code: 'FLOW_CONSENT_MISMATCH', severity: 'error', message, file, line, step })
  }
  const targetsOf = (id: string): string[] => steps.get(id)?.transitions.map((transition) => transition.target) ?? []
  const reachable = reachableIds([draft.start.target], targetsOf)

  // Paths from start that pass no consent step: a submit on one sends identity nobody agreed to.
  const beforeConsent = reachableIds([draft.start.target], (id) => (steps.get(id)?.kind === 'consent' ? [] : targetsOf(id)))
  for (const step of steps.values()) {
    const identity = step.identity
    if (!identity || identity.basis !== 'consent' || !reachable.has(step.id) || !beforeConsent.has(step.id)) continue
    report(
      `steps.${step.id}: sends ${identity.fields.join(', ')} on a path from '${draft.start.target}' with no consent step before it ` +
        '(add a consent step, or give the legal_basis: contract or public_task)',
      identity.line,
      step.id,
    )
  }

  for (const step of steps.values()) {
    if (!reachable.has(step.id)) continue
    if (step.kind === 'consent') {
      const scope = consentScope(steps, step.id)
      // A submit with problems of its own is reported as such; what it would send is not known.
      if (scope.unsure) continue
      if (scope.submits.length === 0) {
        report(`steps.${step.id}: asks for consent, but no submit after it sends identity fields`, step.line, step.id)
        continue
      }
      if (step.consentText) checkText(step.id, step.consentText, scope, report)
    } else if (step.kind === 'show' && step.consentText && asksAboutIdentity(step.consentText.text)) {
      const scope = consentScope(steps, step.id)
      if (!scope.unsure && scope.submits.length > 0) checkText(step.id, step.consentText, scope, report)
    }
  }
  return diagnostics
}

/**
 * A show step's text that names identity fields (or says "your ID data") in both languages is a consent
 * in its own words. Both: a screen showing one reply field called "Name" in English only is not asking.
 */
function asksAboutIdentity(text: LocalizedText): boolean {
  return (['vi', 'en'] as const).every((language) => {
    const named = fieldsNamedIn(text[language], language)
    return named.fields.length > 0 || named.vague
  })
}

function checkText(
  stepId: string,
  written: { text: LocalizedText; line: number },
  scope: ConsentScope,
  report: (message: string, line: number, step: string) => void,
): void {
  for (const language of ['vi', 'en'] as const) {
    const { missing, extra, vague } = consentDifference(written.text[language], language, scope.fields)
    if (missing.length === 0 && extra.length === 0) continue
    const problems = [
      ...(missing.length > 0 ? [`does not name ${missing.join(', ')}${vague ? ' (saying "ID data" does not say which)' : ''}`] : []),
      ...(extra.length > 0 ? [`names ${extra.join(', ')}, which no submission after it sends`] : []),
    ]
    report(
      `steps.${stepId}.text.${language}: ${problems.join('; ')}; ${scope.submits.map((id) => `steps.${id}`).join(', ')} send${scope.submits.length === 1 ? 's' : ''} ${scope.fields.join(', ')} ` +
        '(drop the text to have it made from the declaration)',
      written.line,
      stepId,
    )
    return
  }
}
