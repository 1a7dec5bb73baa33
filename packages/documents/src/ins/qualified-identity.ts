import {
  type IdentityStatus,
  INS_OIDS,
  type Ins,
  type InsOid,
  insSchema,
  type Sex,
  type StrictTraits,
  strictTraitsSchema,
} from '@dui-pds/domain';

declare const qualified: unique symbol;

/**
 * The INS and strict traits of a qualified identity (QUAL): the only identity whose INS may leave
 * the software (documents, DMP, MSSanté). Only `qualifiedIdentity` makes one, so that a document
 * cannot print the INS of a provisional, retrieved or validated identity by mistake: the types
 * refuse it before any test does.
 */
export type QualifiedIdentity = {
  readonly ins: Ins;
  readonly traits: StrictTraits;
  readonly [qualified]: true;
};

/** What a read model holds of an identity (the service users' summary, the summary sheet's identity). */
export interface IdentityAsRecorded {
  identityStatus: IdentityStatus | null | undefined;
  ins: { value: string; oid: InsOid } | null | undefined;
  birthName: string | null | undefined;
  birthFirstNames: readonly string[];
  birthDate: string | null | undefined;
  sex: Sex | null | undefined;
  birthplaceCode: string | null | undefined;
}

/**
 * The identity as qualified, or undefined for any other status (PROV, RECUP, VALI), for an
 * anonymous usager (no status, no INS), for a forgotten one (no traits), or for a record whose INS
 * or traits do not read as such.
 */
export function qualifiedIdentity(identity: IdentityAsRecorded): QualifiedIdentity | undefined {
  if (identity.identityStatus !== 'QUAL' || !identity.ins) return undefined;
  const ins = insSchema.safeParse(identity.ins);
  const traits = strictTraitsSchema.safeParse({
    birthName: identity.birthName,
    birthFirstNames: identity.birthFirstNames,
    birthDate: identity.birthDate,
    sex: identity.sex,
    birthplaceCode: identity.birthplaceCode,
  });
  if (!ins.success || !traits.success) return undefined;
  return { ins: ins.data, traits: traits.data } as QualifiedIdentity;
}

/** The kind of INS its OID says, as documents name it. */
export function insKindLabel(oid: string): string {
  if (oid === INS_OIDS.nia) return 'NIA';
  if (oid === INS_OIDS.nirTest) return 'NIR de test';
  if (oid === INS_OIDS.nirDemo) return 'NIR de démonstration';
  return 'NIR';
}
