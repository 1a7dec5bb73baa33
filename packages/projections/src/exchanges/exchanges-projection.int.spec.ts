import { type ExchangeEvent, type ExchangeRecorded, exchangeStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { exchangesProjection } from './exchanges-projection.js';
import { exchangeById, exchangesOf } from './exchanges-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const id = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const spip = { entryId: id(90), name: 'SPIP de Paris' };

function stream(exchange: number, events: ExchangeEvent[]): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: exchangeStreamId(organisationId, id(exchange)),
    metadata: {
      organisationId,
      facilityId: csapa,
      serviceUserId: 'usager-1',
      occurredAt: '2026-03-12T09:00:00.000Z',
      actor: { kind: 'professional', id: 'pro-social', role: 'socialWorker' },
    },
  }));
}
const recorded = (exchange: number, data: Partial<ExchangeRecorded> = {}): ExchangeEvent => ({
  type: 'ExchangeRecorded',
  data: {
    exchangeId: id(exchange),
    serviceUserId: 'usager-1',
    facilityId: csapa,
    channel: 'phone',
    direction: 'out',
    occurredAt: '2026-03-10T23:30:00+01:00',
    recordedBy: 'pro-social',
    withUsager: false,
    partners: [spip],
    summary: 'Point sur l’obligation de soins.',
    ...data,
  },
});

describe('the exchanges projection', () => {
  const spec = ProjectionSpecification.for(exchangesProjection);
  after(() => spec.close());

  it('lists a usager’s exchanges in one ESSMS, the latest first, as corrected, with each correction', async () => {
    const schema = await spec.modelAfter([
      ...stream(1, [
        recorded(1),
        {
          type: 'ExchangeCorrected',
          data: { exchangeId: id(1), reason: 'c’était un rendez-vous', channel: 'meeting', withUsager: true },
        },
      ]),
      ...stream(2, [recorded(2, { occurredAt: '2026-03-11T08:00:00Z', channel: 'email', direction: 'in' })]),
      ...stream(3, [recorded(3, { facilityId: '750000002' })]),
    ]);
    const exchanges = await exchangesOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
    });
    expect(exchanges.map((exchange) => [exchange.exchangeId, exchange.channel, exchange.withUsager])).to.deep.equal([
      [id(2), 'email', false],
      [id(1), 'meeting', true],
    ]);
    expect(exchanges[1]).to.deep.include({
      partners: [spip],
      corrections: [
        {
          reason: 'c’était un rendez-vous',
          correctedAt: '2026-03-12T09:00:00.000Z',
          correctedBy: 'pro-social',
          changes: { channel: 'meeting', withUsager: true },
        },
      ],
      revision: 1,
    });
    // days are Paris days: 23:30 on 10 March in Paris is that day
    const tenth = await exchangesOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
      from: '2026-03-10',
      to: '2026-03-10',
    });
    expect(tenth.map((exchange) => exchange.exchangeId)).to.deep.equal([id(1)]);
  });

  it('forgets a forgotten usager’s exchanges', async () => {
    const schema = await spec.modelAfter(stream(1, [recorded(1)]).map((event) => erased(event)));
    expect(await exchangeById(spec.db, schema, { organisationId, exchangeId: id(1) })).to.equal(undefined);
  });
});
