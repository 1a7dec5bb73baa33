import type { ProfessionalAgendaEntry, UsagerAgendaEntry } from '@dui-pds/projections';
import ical, { ICalEventStatus } from 'ical-generator';

/** What a feed shows: from a month back (what just happened) to a year ahead. */
export const FEED_DAYS_BEHIND = 30;
export const FEED_DAYS_AHEAD = 365;

/** How often calendar applications are asked to poll (RFC 7986 REFRESH-INTERVAL / X-PUBLISHED-TTL). */
const REFRESH_SECONDS = 15 * 60;

const PRODUCT = { company: 'DUI-PDS', product: 'Agenda', language: 'FR' } as const;

function uid(entry: { source: string; id: string }): string {
  return `${entry.source}-${entry.id}@dui-pds`;
}

function status(entry: { status: string }): ICalEventStatus {
  return entry.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED;
}

/**
 * A professional's agenda as an iCalendar feed (RFC 5545). The feed leaves the DUI for a calendar
 * application, often a phone synchronised with a third party's servers: it is minimised.
 * Whatever involves a usager (a planned event with usagers, an item about one) shows only its
 * kind (« Rendez-vous usager », « Activité collective », « Sortie », « Note d’agenda (usager) »),
 * its times, its status and a link back to the DUI, where the details are read behind the login
 * and traced: no name, no initials (a usager of a small CSAPA is recognised by them), no title
 * (staff may write a name or a reason into it), no place (a home visit's place is an address).
 * The rest (a team meeting, a professional's own item) keeps its title and place.
 */
export function professionalAgendaIcs(
  entries: readonly ProfessionalAgendaEntry[],
  options: { now: Date; linkTo: (entry: ProfessionalAgendaEntry) => string },
): string {
  const calendar = ical({ name: 'Agenda professionnel — DUI-PDS', prodId: PRODUCT, ttl: REFRESH_SECONDS });
  for (const entry of entries) {
    const aboutUsagers = entry.serviceUserIds.length > 0;
    const link = options.linkTo(entry);
    calendar.createEvent({
      id: uid(entry),
      sequence: entry.revision,
      stamp: options.now,
      start: new Date(entry.start),
      end: new Date(entry.end),
      status: status(entry),
      summary: aboutUsagers ? minimisedSummary(entry) : entry.title,
      ...(aboutUsagers || entry.place === null ? {} : { location: entry.place }),
      description: `Détails dans le DUI (connexion requise) : ${link}`,
      url: link,
    });
  }
  return calendar.toString();
}

function minimisedSummary(entry: ProfessionalAgendaEntry): string {
  switch (entry.kind) {
    case 'appointment':
      return 'Rendez-vous usager';
    case 'agenda-item':
      return 'Note d’agenda (usager)';
    default:
      return entry.kindLabel;
  }
}

/**
 * A usager's agenda as an iCalendar feed: their own events and items, with title and place (it
 * is their data, sent to the calendar they chose), and never another person's name: the other
 * usagers of a collective activity are not in `usagerAgenda`'s entries at all.
 */
export function usagerAgendaIcs(entries: readonly UsagerAgendaEntry[], options: { now: Date }): string {
  const calendar = ical({ name: 'Mon agenda — DUI-PDS', prodId: PRODUCT, ttl: REFRESH_SECONDS });
  for (const entry of entries) {
    calendar.createEvent({
      id: uid(entry),
      sequence: entry.revision,
      stamp: options.now,
      start: new Date(entry.start),
      end: new Date(entry.end),
      status: status(entry),
      summary: entry.title,
      ...(entry.place === null ? {} : { location: entry.place }),
      description: `${entry.kindLabel} — ${entry.statusLabel}`,
    });
  }
  return calendar.toString();
}
