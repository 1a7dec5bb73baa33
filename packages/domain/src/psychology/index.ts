export * from './psychological-assessment.js';
export * from './psychologist-appointment.js';
