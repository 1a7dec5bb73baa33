import {
  accompanimentExitEventSchemas,
  actEventSchemas,
  admissionApplicationEventSchemas,
  documentEventSchemas,
  harmReductionSupplyCatalogueEventSchemas,
  pharmacyLedgerEventSchemas,
  portalAccountEventSchemas,
  prescriptionEventSchemas,
  sentSecureMessageEventSchemas,
  serviceUserDmpEventSchemas,
  serviceUserIdentityEventSchemas,
  syringeCollectionEventSchemas,
  usageProfileEventSchemas,
  visitEventSchemas,
} from '@dui-pds/domain';
import { eventMetadataSchema } from '@dui-pds/eventstore';
import { expect } from 'chai';
import { REPORTED_EVENT_TYPES } from '../reporting-events.js';
import { generateActivityYear } from './activity-year-generator.js';

/** The domain's zod schemas, as far as this test uses them (projections does not depend on zod). */
interface Schema {
  safeParse(data: unknown): { success: boolean; error?: { message: string } | undefined };
}

const SCHEMAS: Readonly<Record<string, Schema>> = {
  ...serviceUserIdentityEventSchemas,
  ...admissionApplicationEventSchemas,
  ...accompanimentExitEventSchemas,
  ...actEventSchemas,
  ...prescriptionEventSchemas,
  ...pharmacyLedgerEventSchemas,
  ...visitEventSchemas,
  ...syringeCollectionEventSchemas,
  ...harmReductionSupplyCatalogueEventSchemas,
  ...usageProfileEventSchemas,
  ...documentEventSchemas,
  ...portalAccountEventSchemas,
  ...serviceUserDmpEventSchemas,
  ...sentSecureMessageEventSchemas,
};

const options = {
  seed: 9,
  year: 2025,
  organisationId: 'og-generator',
  csapa: '750000001',
  caarud: '750000002',
  serviceUsers: 1_600,
  targetEvents: 200_000,
};

describe('The activity year generator', function () {
  this.timeout(60_000);
  const streams = generateActivityYear(options);
  const events = streams.flatMap((stream) => stream.events);

  it('gives at least the target number of events, over the asked usagers', () => {
    // individual acts fill up to the target: the last one's correction or cancellation may pass it
    expect(events.length).to.be.within(options.targetEvents, options.targetEvents + 2);
    const registered = events.filter((event) => event.type.endsWith('ServiceUserRegistered'));
    expect(registered).to.have.length(1_600);
    expect(registered.filter((event) => event.type === 'AnonymousServiceUserRegistered').length).to.be.above(100);
  });

  it('writes every event type the reports need, and each one as the domain’s schema reads it', () => {
    const byType = new Map<string, unknown[]>();
    for (const event of events) {
      expect(eventMetadataSchema.safeParse(event.metadata).success, `${event.type} metadata`).to.equal(true);
      byType.set(event.type, [...(byType.get(event.type) ?? []), event.data].slice(-400));
    }
    for (const [type, samples] of byType) {
      const schema = SCHEMAS[type];
      expect(schema, `a schema for ${type}`).to.not.equal(undefined);
      for (const data of samples) {
        const parsed = schema!.safeParse(data);
        expect(parsed.success, `${type}: ${parsed.error?.message}`).to.equal(true);
      }
    }
    const reported = REPORTED_EVENT_TYPES.filter(
      (type) => !['IdentityTraitsCorrected', 'AnonymityLifted', 'DocumentSharedWithServiceUser'].includes(type),
    );
    for (const type of [...reported, 'UsageProfileRecorded', 'LedgerMonthOpened']) {
      expect(byType.has(type), type).to.equal(true);
    }
  });

  it('sends to the DMP and by MSSanté only what the domain lets leave, answers after their requests', () => {
    // given the instants usagers were registered anonymously, qualified, and documents stored
    const anonymous = new Set<string>();
    const qualifiedAt = new Map<string, number>();
    const storedAt = new Map<string, number>();
    for (const { type, data, metadata } of events) {
      const fields = data as {
        serviceUserId: string;
        status: string;
        at: string;
        documentId: string;
        storedAt: string;
      };
      if (type === 'AnonymousServiceUserRegistered') anonymous.add(fields.serviceUserId);
      if (type === 'InsRetrieved' && fields.status === 'QUAL')
        qualifiedAt.set(metadata.serviceUserId!, Date.parse(fields.at));
      if (type === 'DocumentStored') storedAt.set(fields.documentId, Date.parse(fields.storedAt));
    }
    const requested = new Map<string, number>();
    const answered = new Set<string>();
    let submissions = 0;
    let messages = 0;
    for (const { type, data } of events) {
      if (type === 'DmpSubmissionRequested') {
        const request = data as {
          submissionId: string;
          serviceUserId: string;
          documentId: string;
          requestedAt: string;
        };
        const at = Date.parse(request.requestedAt);
        // then a DMP is fed for a qualified identity only, with a document already stored
        expect(at).to.be.above(qualifiedAt.get(request.serviceUserId) ?? Number.POSITIVE_INFINITY);
        expect(at).to.be.above(storedAt.get(request.documentId)!);
        requested.set(request.submissionId, at);
        submissions++;
      }
      if (type === 'DmpSubmissionAccepted' || type === 'DmpSubmissionRefused') {
        const answer = data as { submissionId: string; acceptedAt?: string; refusedAt?: string };
        expect(Date.parse(answer.acceptedAt ?? answer.refusedAt!)).to.be.above(requested.get(answer.submissionId)!);
        expect(answered.has(answer.submissionId), 'one answer per submission').to.equal(false);
        answered.add(answer.submissionId);
      }
      if (type === 'SecureMessageSent') {
        const message = data as {
          serviceUserId: string;
          sentAt: string;
          insIncluded: boolean;
          recipients: { kind: string }[];
          documents: { documentId: string }[];
        };
        const at = Date.parse(message.sentAt);
        // and no message leaves for an anonymous usager, nor with the INS of one not qualified
        expect(anonymous.has(message.serviceUserId)).to.equal(false);
        const qualified = at > (qualifiedAt.get(message.serviceUserId) ?? Number.POSITIVE_INFINITY);
        if (message.insIncluded || message.recipients.some((recipient) => recipient.kind === 'serviceUser')) {
          expect(qualified).to.equal(true);
        }
        for (const { documentId } of message.documents) expect(at).to.be.above(storedAt.get(documentId)!);
        messages++;
      }
    }
    expect(submissions).to.be.above(50);
    expect(messages).to.be.above(200);
  });

  it('gives the same events for the same seed, and other ones for another seed', () => {
    const again = generateActivityYear({ ...options, serviceUsers: 200, targetEvents: 10_000 });
    const same = generateActivityYear({ ...options, serviceUsers: 200, targetEvents: 10_000 });
    const other = generateActivityYear({ ...options, seed: 10, serviceUsers: 200, targetEvents: 10_000 });
    expect(JSON.stringify(same)).to.equal(JSON.stringify(again));
    expect(JSON.stringify(other)).to.not.equal(JSON.stringify(again));
  });

  it('keeps every stream id unique and the usager’s events tagged with the usager', () => {
    expect(new Set(streams.map((stream) => stream.streamId)).size).to.equal(streams.length);
    for (const event of events) {
      const data = event.data as { serviceUserId?: string };
      if (data.serviceUserId !== undefined) expect(event.metadata.serviceUserId).to.equal(data.serviceUserId);
    }
    const unidentified = events.filter(
      (event) => event.type === 'VisitRecorded' && !('serviceUserId' in (event.data as object)),
    );
    expect(unidentified.length).to.be.above(1_000);
    expect(unidentified.every((event) => event.metadata.serviceUserId === undefined)).to.equal(true);
  });
});
