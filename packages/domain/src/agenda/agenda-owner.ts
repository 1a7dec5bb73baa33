import { z } from 'zod';

const id = z.string().min(1).max(200);

/**
 * Whose agenda (or inbox) it is: a professional's, or a usager's. The same two kinds of person
 * receive information and hold an ICS feed.
 */
export const agendaOwnerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('professional'), professionalId: id }),
  z.object({ kind: z.literal('usager'), serviceUserId: id }),
]);
export type AgendaOwner = z.infer<typeof agendaOwnerSchema>;
export type AgendaOwnerKind = AgendaOwner['kind'];

/** The owner's id, whatever their kind. */
export function agendaOwnerId(owner: AgendaOwner): string {
  return owner.kind === 'professional' ? owner.professionalId : owner.serviceUserId;
}

export function sameAgendaOwner(a: AgendaOwner, b: AgendaOwner): boolean {
  return a.kind === b.kind && agendaOwnerId(a) === agendaOwnerId(b);
}

/** A usager's agenda items, information and feed are theirs: encrypted with their key. */
export function agendaOwnerSubject(owner: AgendaOwner): string | undefined {
  return owner.kind === 'usager' ? owner.serviceUserId : undefined;
}
