/**
 * Formats an instant as the calendar day it is in Paris (`YYYY-MM-DD`): the day staff live in,
 * which defaults every "today" of the API, whatever the server's own time zone.
 */
export const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
