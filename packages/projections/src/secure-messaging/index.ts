export { patientCandidates } from './patient-candidates.js';
export { type SentRecipientRow, secureMessagingProjection } from './secure-messaging-projection.js';
export {
  type AcknowledgementView,
  type ExamResultView,
  examResultsOf,
  receivedSecureMessageById,
  type SentSecureMessageView,
  sentSecureMessageByInternetId,
  sentSecureMessagesOf,
} from './secure-messaging-queries.js';
