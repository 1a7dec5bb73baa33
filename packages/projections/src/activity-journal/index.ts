export { activityJournal } from './activity-journal.js';
