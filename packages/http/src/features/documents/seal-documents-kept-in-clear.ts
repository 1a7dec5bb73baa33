import type { SealedBlobStore, SealingOutcome } from '@dui-pds/documents';
import { contentOwners } from '@dui-pds/projections';
import type { Knex } from 'knex';

/** What sealing the contents kept in clear did, content by content and usager by usager. */
export interface SealingReport {
  /** Contents the documents reference. */
  contents: number;
  /** Per usager referencing a content: */
  outcomes: Record<SealingOutcome, number>;
  /** Clear copies deleted, every usager referencing them having their sealed copy. */
  clearCopiesDeleted: number;
  /** Clear copies no document references (a document whose event was never written, a restored database…), deleted. */
  unreferencedClearCopiesDeleted: number;
}

export interface SealingDependencies {
  knex: Knex;
  documentsSchema: string;
  blobs: SealedBlobStore;
}

export interface SealingOptions {
  /** Contents per page of the documents model; 500 by default. */
  pageSize?: number;
  /** After each page, with the report so far. */
  onPage?: (report: SealingReport) => void;
}

const SEALED_FOR_THEM: readonly SealingOutcome[] = ['sealed', 'alreadySealed', 'forgotten'];

/**
 * Seals with their usagers' keys the contents an earlier version kept in clear (ADR 0026), then
 * deletes each clear copy once every usager whose documents reference it has their own sealed
 * copy (or was forgotten). A copy missing or altered is left as it is, and counted. Then deletes
 * the clear copies no document references: no version that seals writes any, so none can be a
 * document on its way. Idempotent and interruptible: a second run seals nothing twice and
 * finishes what the first left. Run it once every server runs a version that seals: an older one
 * would still write and need the clear copies.
 */
export async function sealDocumentsKeptInClear(
  deps: SealingDependencies,
  options: SealingOptions = {},
): Promise<SealingReport> {
  const report: SealingReport = {
    contents: 0,
    outcomes: { sealed: 0, alreadySealed: 0, forgotten: 0, missing: 0, altered: 0 },
    clearCopiesDeleted: 0,
    unreferencedClearCopiesDeleted: 0,
  };
  const referenced = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await contentOwners(deps.knex, deps.documentsSchema, { after, limit: options.pageSize ?? 500 });
    if (page.length === 0) break;
    for (const { sha256, owners } of page) {
      report.contents += 1;
      referenced.add(sha256);
      let everyOwnerSealed = true;
      for (const owner of owners) {
        const outcome = await deps.blobs.sealKeptInClear(owner, sha256);
        report.outcomes[outcome] += 1;
        if (!SEALED_FOR_THEM.includes(outcome)) everyOwnerSealed = false;
      }
      if (everyOwnerSealed && (await deps.blobs.deleteClearCopy(sha256))) report.clearCopiesDeleted += 1;
    }
    after = page.at(-1)?.sha256;
    options.onPage?.(report);
  }
  // read after the pass: an address listed here and referenced by none is referenced by nothing
  for await (const address of deps.blobs.keptInClear()) {
    if (!referenced.has(address) && (await deps.blobs.deleteClearCopy(address))) {
      report.unreferencedClearCopiesDeleted += 1;
    }
  }
  return report;
}
