import { randomUUID } from 'node:crypto';
import { accessLogStreamId, accessRequestStreamId, portalAccountStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { totpCodeAt } from '../portal/portal-credentials.js';
import type { TrustedPersonDesignation } from '../portal/portal-sources.js';
import { PortalClient } from '../portal/testing/portal-client.js';
import { startPortalServer, wrongTotpCodeAt } from '../portal/testing/portal-server.js';
import type { ServerUnderTest } from './testing/server-under-test.js';
import { TestClock } from './testing/test-clock.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const CAARUD = '750000002';
const PASSWORD = 'cheval agrafe pile correcte';
const HOUR = 3_600_000;

describe('the usager portal over HTTP: invitations, login, isolation, access requests', function () {
  this.timeout(120_000);
  const clock = new TestClock(Date.parse('2026-03-02T08:00:00Z'));
  const designations: TrustedPersonDesignation[] = [];
  let app: ServerUnderTest;
  let secretary: string;
  let doctor: string;

  const register = (serviceUserId: string, birthName: string, firstName: string) =>
    app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: {
        serviceUserId,
        facilityId: CSAPA,
        traits: { birthName, birthFirstNames: [firstName], birthDate: '1985-05-12', sex: 'F', birthplaceCode: '75056' },
      },
    });
  const invite = (serviceUserId: string, login: string, extra: Record<string, string> = {}) =>
    app.request('POST', `/organisations/${ORG}/usagers/${serviceUserId}/portal-invitations`, {
      as: secretary,
      body: { accountId: randomUUID(), facilityId: CSAPA, login, holder: 'service-user', ...extra },
    });
  /** Invites, activates and logs in; a fresh 30-second step for each code. */
  const portalOf = async (serviceUserId: string, login: string, extra: Record<string, string> = {}) => {
    const invited = await invite(serviceUserId, login, extra);
    expect(invited.status, JSON.stringify(invited.body)).to.equal(201);
    const client = new PortalClient(app.url);
    const secret = await client.activate(invited.body.invitationPath, PASSWORD, clock.now);
    clock.advance(30_000);
    const loggedIn = await client.login(login, PASSWORD, totpCodeAt(secret, clock.now()));
    expect(loggedIn.status, loggedIn.text).to.equal(303);
    expect(loggedIn.location).to.equal('/portail');
    return { client, secret, accountId: invited.body.accountId as string };
  };

  before(async () => {
    app = await startPortalServer(clock, { trustedPersons: async () => designations });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: 'usager-2', facilityId: CSAPA },
    );
    secretary = await app.loginAs('pro-secretary');
    doctor = await app.loginAs('pro-doctor');
    expect((await register('usager-1', 'MARTIN', 'CAMILLE')).status).to.equal(201);
    expect((await register('usager-2', 'DURAND', 'PAULINE')).status).to.equal(201);
  });
  after(() => app.close());

  it('invites with a one-time link, refuses a login already taken, and records no secret in clear', async () => {
    // given / when
    const invited = await invite('usager-1', 'camille.martin');
    const taken = await invite('usager-2', 'camille.martin');
    const trustedWithoutDesignation = await invite('usager-1', 'proche.martin', { holder: 'trusted-person' });
    const client = new PortalClient(app.url);
    await client.activate(invited.body.invitationPath, PASSWORD, clock.now);
    const reused = await client.get(invited.body.invitationPath);
    const listed = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/usagers/usager-1/portal-accounts`,
      { as: secretary },
    );
    const events = await app.server.store.readStream(portalAccountStreamId(ORG, invited.body.accountId));

    // then
    expect(invited.status, JSON.stringify(invited.body)).to.equal(201);
    expect(invited.body.invitationPath).to.match(/^\/portail\/invitation\/[0-9a-f-]{36}\?jeton=[A-Za-z0-9_-]{43}$/);
    expect(invited.body.expiresAt).to.equal('2026-03-05T08:00:00.000Z');
    expect(taken.status).to.equal(409);
    expect(trustedWithoutDesignation.status).to.equal(422);
    expect(reused.status).to.equal(404);
    expect(listed.body.accounts.map((a: { login: string; status: string }) => [a.login, a.status])).to.deep.equal([
      ['camille.martin', 'active'],
    ]);
    const token = new URLSearchParams(invited.body.invitationPath.split('?')[1]).get('jeton') as string;
    const recorded = JSON.stringify(events.map((event) => event.data));
    expect(events.map((event) => event.type)).to.deep.equal([
      'PortalAccountInvited',
      'PortalPasswordSet',
      'PortalSecondFactorEnrolled',
    ]);
    expect(recorded).not.to.contain(token);
    expect(recorded).not.to.contain(PASSWORD);
    expect(recorded).to.match(/\$scrypt\$ln=15,r=8,p=1\$/);
  });

  it('shows a usager only their own record, whatever identifier a URL or a form forges', async () => {
    // given two usagers logged in to the portal
    const camille = await portalOf('usager-1', 'camille.m');
    const pauline = await portalOf('usager-2', 'pauline.d');

    // when Camille forges Pauline's identifiers in URLs and in a form
    const identity = await camille.client.get('/portail/identite?serviceUserId=usager-2&organisationId=og-b');
    const filed = await camille.client.post('/portail/demandes', {
      informations: 'Tout mon dossier',
      ancien: 'non',
      serviceUserId: 'usager-2',
      facilityId: '750000002',
    });
    const requests = await camille.client.get('/portail/demandes?serviceUserId=usager-2');
    const paulineRequests = await pauline.client.get('/portail/demandes');
    const apiWithPortalCookie = await fetch(
      `${app.url}/organisations/${ORG}/facilities/${CSAPA}/access-requests-to-handle`,
      {
        headers: { cookie: `dui_portal=${camille.client.cookie('dui_portal')}` },
      },
    );
    const accessList = await camille.client.get('/portail/acces');
    const paulineIdentity = await pauline.client.get('/portail/identite');

    // then
    expect(identity.status).to.equal(200);
    expect(identity.text).to.contain('MARTIN').and.to.contain('CAMILLE');
    expect(identity.text).not.to.contain('DURAND');
    expect(paulineIdentity.text).to.contain('DURAND').and.not.to.contain('MARTIN');
    expect(filed.status).to.equal(303);
    expect(requests.text).to.contain('Tout mon dossier');
    expect(paulineRequests.text).not.to.contain('Tout mon dossier');
    const toHandle = await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/access-requests-to-handle`, {
      as: secretary,
    });
    expect(toHandle.body.requests.map((r: { serviceUserId: string; filedBy: string }) => [r.serviceUserId, r.filedBy]))
      .to.deep.include(['usager-1', 'service-user'])
      .and.not.deep.include(['usager-2', 'service-user']);
    expect(apiWithPortalCookie.status).to.equal(401);
    expect(accessList.text).to.contain('Vous-même (portail)').and.to.contain('identité');
    const log = await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'));
    const portalReads = log.filter((entry) => entry.metadata.actor.kind === 'serviceUser');
    expect(portalReads.map((entry) => entry.metadata.actor.id)).to.include(camille.accountId);
    expect(portalReads.every((entry) => entry.metadata.actor.id === camille.accountId)).to.equal(true);
  });

  it('refuses forms without the form token, and logs out', async () => {
    // given
    const camille = await portalOf('usager-1', 'camille.csrf');
    // when a form comes without its token (a forged cross-site post), then after logout
    const forged = await fetch(`${app.url}/portail/demandes`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `dui_portal=${camille.client.cookie('dui_portal')}`,
      },
      body: 'informations=forg%C3%A9e&ancien=non',
    });
    const loggedOut = await camille.client.post('/portail/deconnexion', {});
    const afterwards = await camille.client.get('/portail/identite');
    // then
    expect(forged.status).to.equal(403);
    expect(loggedOut.status).to.equal(303);
    expect(afterwards.status).to.equal(303);
    expect(afterwards.location).to.equal('/portail/connexion');
  });

  it('locks an account after 5 failed logins for 15 minutes, and ends its sessions once revoked', async () => {
    // given
    const camille = await portalOf('usager-1', 'camille.lock');
    const other = new PortalClient(app.url);
    // when five wrong codes are given, then the right one
    for (let attempt = 0; attempt < 5; attempt++) {
      const failed = await other.login('camille.lock', PASSWORD, wrongTotpCodeAt(camille.secret, clock.now()));
      expect(failed.status).to.equal(401);
      expect(failed.text).to.contain('Identifiant, mot de passe ou code à usage unique incorrect.');
    }
    clock.advance(30_000);
    const locked = await other.login('camille.lock', PASSWORD, totpCodeAt(camille.secret, clock.now()));
    clock.advance(15 * 60_000);
    const unlocked = await other.login('camille.lock', PASSWORD, totpCodeAt(camille.secret, clock.now()));
    const replayed = await new PortalClient(app.url).login(
      'camille.lock',
      PASSWORD,
      totpCodeAt(camille.secret, clock.now()),
    );
    const revoked = await app.request(
      'POST',
      `/organisations/${ORG}/portal-accounts/${camille.accountId}/revocations`,
      {
        as: secretary,
        body: { reason: 'à la demande de l’usager' },
      },
    );
    const afterRevocation = await other.get('/portail/identite');
    // then
    expect(locked.status).to.equal(423);
    expect(unlocked.status, unlocked.text).to.equal(303);
    expect(replayed.status).to.equal(401);
    expect(replayed.text).to.contain('Ce code à usage unique a déjà servi');
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    expect(afterRevocation.location).to.equal('/portail/connexion');
  });

  it('shows a personne de confiance the record only while designated and allowed, never the access requests', async () => {
    // given a personne de confiance designated and allowed to consult
    designations.push({ trustedPersonId: 'tp-1', status: 'designated', mayConsultRecord: true });
    const trusted = await portalOf('usager-1', 'proche.camille', { holder: 'trusted-person', trustedPersonId: 'tp-1' });
    // when
    const identity = await trusted.client.get('/portail/identite');
    const requests = await trusted.client.get('/portail/demandes');
    const filing = await trusted.client.post('/portail/demandes', { informations: 'tout', ancien: 'non' });
    designations[0] = { trustedPersonId: 'tp-1', status: 'revoked', mayConsultRecord: true };
    const afterRevocation = await trusted.client.get('/portail/identite');
    const home = await trusted.client.get('/portail');
    // then
    expect(identity.status).to.equal(200);
    expect(identity.text).to.contain('MARTIN');
    expect(requests.status).to.equal(403);
    expect(filing.status).to.equal(403);
    expect(afterRevocation.status).to.equal(403);
    expect(afterRevocation.text).not.to.contain('MARTIN');
    expect(home.text).to.contain('Votre accès au dossier n’est pas ouvert');
    const log = await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'));
    expect(
      log.some(
        (entry) =>
          entry.metadata.actor.id === trusted.accountId &&
          (entry.data as { roles: string[] }).roles.includes('personne-de-confiance'),
      ),
    ).to.equal(true);
  });

  it('closes the record to the usager’s account and to the personne de confiance once the usager’s death is recorded', async () => {
    // given a usager logged in, and a personne de confiance allowed to consult, logged in and able to export
    expect((await register('usager-3', 'BERNARD', 'LUCIE')).status).to.equal(201);
    designations.push({ trustedPersonId: 'tp-3', status: 'designated', mayConsultRecord: true });
    const lucie = await portalOf('usager-3', 'lucie.b');
    const trusted = await portalOf('usager-3', 'proche.lucie', { holder: 'trusted-person', trustedPersonId: 'tp-3' });
    const exportBefore = await trusted.client.get('/portail/export');
    const identityBefore = await lucie.client.get('/portail/identite');
    await app.asSystem(ORG, {
      type: 'GrantRole',
      professionalId: 'pro-secretary',
      facilityId: CAARUD,
      role: 'secretary',
    });
    const readsOf = async () =>
      (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-3'))).filter(
        (entry) => entry.metadata.actor.kind === 'serviceUser',
      ).length;

    // when her death is recorded, as the exit of an accompaniment in another ESSMS of the organisation
    const accompanimentId = randomUUID();
    const recorded = await app.request('POST', `/organisations/${ORG}/accompaniments/${accompanimentId}/exit`, {
      as: secretary,
      body: {
        serviceUserId: 'usager-3',
        facilityId: CAARUD,
        exitDay: '2026-03-02',
        exitReason: 'death',
        destination: 'not-applicable',
      },
    });
    const readsAtDeath = await readsOf();
    const trustedHome = await trusted.client.get('/portail');
    const trustedIdentity = await trusted.client.get('/portail/identite');
    const trustedDocuments = await trusted.client.get('/portail/documents');
    const trustedExport = await trusted.client.get('/portail/export');
    const usagerPages = await Promise.all(
      ['/portail', '/portail/identite', '/portail/agenda', '/portail/projet', '/portail/documents', '/portail/acces']
        .concat(['/portail/demandes', '/portail/export', `/portail/documents/${randomUUID()}`])
        .map(async (path) => [path, await lucie.client.get(path)] as const),
    );
    const filing = await lucie.client.post('/portail/demandes', { informations: 'Tout le dossier', ancien: 'non' });
    const readsAfter = await readsOf();
    const invitedAfter = await invite('usager-3', 'heritier.lucie');

    // then nothing of the record is shown nor exported, and the pages say why, in French
    expect(exportBefore.status, exportBefore.text.slice(0, 300)).to.equal(200);
    expect(exportBefore.contentType).to.match(/^application\/zip/);
    expect(identityBefore.text).to.contain('BERNARD');
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    for (const answer of [trustedHome, trustedIdentity, trustedDocuments, trustedExport]) {
      expect(answer.status).to.equal(403);
      expect(answer.contentType).to.match(/^text\/html/);
      expect(answer.text).to.contain('la mission de la personne de confiance prend fin avec le décès');
      expect(answer.text).not.to.contain('BERNARD');
    }
    for (const [path, answer] of usagerPages) {
      expect(answer.status, path).to.equal(403);
      expect(answer.contentType, path).to.match(/^text\/html/);
      expect(answer.text, path).to.contain('Ce compte ne donne plus accès au dossier : un décès y a été enregistré.');
      expect(answer.text, path).not.to.contain('BERNARD');
    }
    expect(filing.status).to.equal(403);
    expect(readsAfter).to.equal(readsAtDeath);
    // and no one is invited to the portal of her record any more
    expect(invitedAfter.status, JSON.stringify(invitedAfter.body)).to.equal(422);
    expect(invitedAfter.body.code).to.equal('USAGER_DECEASED');
  });

  it('follows the exit as last corrected: a death corrected away reopens the portal', async () => {
    // given a usager logged in, whose death was recorded by mistake
    expect((await register('usager-4', 'PETIT', 'NINA')).status).to.equal(201);
    const nina = await portalOf('usager-4', 'nina.p');
    const accompanimentId = randomUUID();
    const exitPath = `/organisations/${ORG}/accompaniments/${accompanimentId}/exit`;
    const recorded = await app.request('POST', exitPath, {
      as: secretary,
      body: {
        serviceUserId: 'usager-4',
        facilityId: CSAPA,
        exitDay: '2026-03-02',
        exitReason: 'death',
        destination: 'not-applicable',
      },
    });
    const whileDeceased = await nina.client.get('/portail/identite');

    // when the exit is corrected into another reason
    const corrected = await app.request('POST', `${exitPath}/corrections`, {
      as: secretary,
      body: {
        reason: 'Décès enregistré par erreur dans le mauvais dossier',
        exit: { exitDay: '2026-03-02', exitReason: 'reoriented', destination: 'other-essms' },
      },
      ifMatch: '"0"',
    });
    const afterCorrection = await nina.client.get('/portail/identite');

    // then
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    expect(whileDeceased.status).to.equal(403);
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(afterCorrection.status).to.equal(200);
    expect(afterCorrection.text).to.contain('PETIT');
  });

  it('answers its 404 page, not a server error, for malformed identifiers in portal paths', async () => {
    // given a usager logged in
    const pauline = await portalOf('usager-2', 'pauline.ids');

    // when paths carry identifiers that are not uuids
    const document = await pauline.client.get('/portail/documents/abc');
    const invitation = await new PortalClient(app.url).get(
      `/portail/invitation/${'-'.repeat(36)}?jeton=${'a'.repeat(43)}`,
    );
    const invitationCode = await new PortalClient(app.url).get(
      `/portail/invitation/${'0'.repeat(35)}-/code?jeton=${'a'.repeat(43)}`,
    );

    // then
    expect(document.status, document.text.slice(0, 300)).to.equal(404);
    expect(document.text).to.contain('Ce document n’est pas partagé avec vous.');
    expect(invitation.status, invitation.text.slice(0, 300)).to.equal(404);
    expect(invitation.text).to.contain('Ce lien d’invitation n’est pas valable');
    expect(invitationCode.status, invitationCode.text.slice(0, 300)).to.equal(404);
  });

  it('lists each read through the usager’s agenda subscription link among the consultations', async () => {
    // given a usager logged in, and the link to their agenda issued by the secretariat
    expect((await register('usager-5', 'ROUX', 'ELSA')).status).to.equal(201);
    const elsa = await portalOf('usager-5', 'elsa.roux');
    const feed = await app.request('POST', `/organisations/${ORG}/usagers/usager-5/agenda-feeds`, {
      as: secretary,
      body: { feedId: randomUUID(), facilityId: CSAPA },
    });
    expect(feed.status, JSON.stringify(feed.body)).to.equal(201);

    // when their calendar application fetches the link, and they open the list of consultations
    const fetched = await fetch(feed.body.url);
    const accessList = await elsa.client.get('/portail/acces');

    // then the read is on the list, said as a read through the link, of their agenda
    expect(fetched.status).to.equal(200);
    expect(accessList.text).to.contain('Le lien d’abonnement à votre agenda');
    expect(accessList.text).to.contain('agenda (abonnement ICS)');
  });

  it('files a request on the usager’s behalf, warns as the deadline nears, and releases only after 48 hours with the identity checked', async () => {
    // given a request received by letter
    const requestId = randomUUID();
    const filed = await app.request('POST', `/organisations/${ORG}/usagers/usager-2/access-requests`, {
      as: secretary,
      body: { requestId, facilityId: CSAPA, scope: 'Comptes rendus 2025', olderThanFiveYears: false },
    });
    const filedAt = clock.now().getTime();
    const listAt = async (offset: number) =>
      (
        await app.request(
          'GET',
          `/organisations/${ORG}/facilities/${CSAPA}/access-requests-to-handle?at=${new Date(filedAt + offset).toISOString()}`,
          { as: secretary },
        )
      ).body.requests.find((request: { requestId: string }) => request.requestId === requestId);
    const release = () =>
      app.request('POST', `/organisations/${ORG}/access-requests/${requestId}/releases`, {
        as: doctor,
        body: { releasedOn: clock.now().toISOString().slice(0, 10), method: 'handed-over' },
      });

    // when
    const beforeCheck = await release();
    const bySecretary = await app.request('POST', `/organisations/${ORG}/access-requests/${requestId}/releases`, {
      as: secretary,
      body: { releasedOn: '2026-03-10', method: 'handed-over' },
    });
    const checked = await app.request('POST', `/organisations/${ORG}/access-requests/${requestId}/identity-checks`, {
      as: secretary,
      body: { how: 'carte d’identité présentée au guichet' },
    });
    const tooEarly = await release();
    const warnings = [
      (await listAt(0)).warning,
      (await listAt(6 * 24 * HOUR - 1)).warning,
      (await listAt(6 * 24 * HOUR)).warning,
      (await listAt(8 * 24 * HOUR + 1)).warning,
    ];
    clock.advance(48 * HOUR);
    const released = await release();
    const afterRelease = await listAt(9 * 24 * HOUR);

    // then
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    expect(beforeCheck.status).to.equal(422);
    expect(beforeCheck.body.code).to.equal('IDENTITY_NOT_CHECKED');
    expect(bySecretary.status).to.equal(403);
    expect(checked.status, JSON.stringify(checked.body)).to.equal(200);
    expect(tooEarly.status).to.equal(422);
    expect(tooEarly.body.detail).to.contain('48 heures');
    expect(warnings).to.deep.equal(['none', 'none', 'due-soon', 'overdue']);
    expect(released.status, JSON.stringify(released.body)).to.equal(200);
    expect(afterRelease).to.equal(undefined);
  });

  it('refuses a request with a reason, a medical decision: it leaves the list to handle and the usager reads why', async () => {
    // given a request filed on Pauline's behalf, and Pauline logged in to the portal
    const pauline = await portalOf('usager-2', 'pauline.refus');
    const requestId = randomUUID();
    const filed = await app.request('POST', `/organisations/${ORG}/usagers/usager-2/access-requests`, {
      as: secretary,
      body: { requestId, facilityId: CSAPA, scope: 'Dossier de la mère', olderThanFiveYears: false },
    });
    const refuse = (as: string, reason: string) =>
      app.request('POST', `/organisations/${ORG}/access-requests/${requestId}/refusals`, { as, body: { reason } });
    const toHandle = async () =>
      (
        await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/access-requests-to-handle`, {
          as: secretary,
        })
      ).body.requests.map((request: { requestId: string }) => request.requestId);
    const listedBefore = await toHandle();

    // when
    const bySecretary = await refuse(secretary, 'Informations concernant un tiers');
    const unmotivated = await refuse(doctor, '   ');
    const unknown = await app.request('POST', `/organisations/${ORG}/access-requests/${randomUUID()}/refusals`, {
      as: doctor,
      body: { reason: 'Informations concernant un tiers' },
    });
    const refused = await refuse(doctor, '  Informations concernant un tiers  ');
    const again = await refuse(doctor, 'Informations concernant un tiers');
    const releasedAfter = await app.request('POST', `/organisations/${ORG}/access-requests/${requestId}/releases`, {
      as: doctor,
      body: { releasedOn: clock.now().toISOString().slice(0, 10), method: 'handed-over' },
    });
    const listedAfter = await toHandle();
    const portalPage = await pauline.client.get('/portail/demandes');
    const events = await app.server.store.readStream(accessRequestStreamId(ORG, requestId));

    // then
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    expect(listedBefore).to.include(requestId);
    expect(bySecretary.status, JSON.stringify(bySecretary.body)).to.equal(403);
    expect(unmotivated.status, JSON.stringify(unmotivated.body)).to.equal(400);
    expect(unknown.status, JSON.stringify(unknown.body)).to.equal(404);
    expect(refused.status, JSON.stringify(refused.body)).to.equal(200);
    expect(refused.body).to.deep.equal({ requestId, revision: 1 });
    expect(again.status, JSON.stringify(again.body)).to.equal(422);
    expect(releasedAfter.status, JSON.stringify(releasedAfter.body)).to.equal(422);
    expect(listedAfter).not.to.include(requestId);
    expect(portalPage.status).to.equal(200);
    expect(portalPage.text)
      .to.contain('Dossier de la mère')
      .and.to.contain('Refusée : Informations concernant un tiers');
    expect(events.map((event) => [event.type, (event.data as { reason?: string }).reason])).to.deep.equal([
      ['AccessRequestFiled', undefined],
      ['AccessRequestRefused', 'Informations concernant un tiers'],
    ]);
  });
});
