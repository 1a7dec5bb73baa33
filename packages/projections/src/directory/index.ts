export { directoryProjection } from './directory-projection.js';
export {
  type DirectoryEntryChange,
  type DirectoryEntryView,
  directoryEntryById,
  directoryEntryHistory,
  directoryOf,
} from './directory-queries.js';
