import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { sampleOf } from '../server/testing/prometheus-text.js';
import { ServerUnderTest } from './testing/server-under-test.js';

describe('metrics of the composed server (e2e)', () => {
  let app: ServerUnderTest;

  before(async () => {
    app = await ServerUnderTest.start();
  });

  after(async () => {
    await app.close();
  });

  async function scrape(): Promise<string> {
    const answer = await app.request('GET', '/metrics');
    expect(answer.status).to.equal(200);
    return answer.body as string;
  }

  it('count the events a command appended, the request under its route, and the async projections’ lag', async () => {
    // given a nurse in the care team of a usager
    const usager = randomUUID();
    await app.asSystem(
      'og-a',
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: '750000001', role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: usager, facilityId: '750000001' },
    );
    const nurse = await app.loginAs('pro-nurse');
    const before = await scrape();
    const route = '/organisations/:organisationId/usagers/:serviceUserId/notes';

    // when the nurse writes a note
    const noteId = randomUUID();
    const written = await app.request('POST', `/organisations/og-a/usagers/${usager}/notes`, {
      as: nurse,
      body: { noteId, facilityId: '750000001', sensitivity: 'social', text: 'Vu Mme Durand-Secretnom' },
    });

    // then
    expect(written.status).to.equal(201);
    const after = await scrape();
    const grew = (name: string, labels: Record<string, string>) =>
      (sampleOf(after, name, labels) ?? 0) - (sampleOf(before, name, labels) ?? 0);
    expect(grew('dui_events_appended_total', { type: 'NoteWritten' })).to.equal(1);
    expect(grew('dui_http_requests_total', { method: 'POST', route, status_class: '2xx' })).to.equal(1);
    expect(sampleOf(after, 'dui_projection_lag_events', { projection: 'activity_journal' })).to.be.at.least(0);
    expect(sampleOf(after, 'dui_projection_lag_events', { projection: 'record_notes' })).to.equal(
      undefined,
      'an inline projection is never behind',
    );
    for (const personal of [usager, noteId, 'Durand']) expect(after).not.to.include(personal);
  });
});
