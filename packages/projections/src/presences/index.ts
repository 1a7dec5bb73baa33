export { attendanceProjection } from './attendance-projection.js';
export {
  type AttendanceCounts,
  type AttendanceSheet,
  type AttendanceSheetLine,
  attendanceSheet,
  countAttendance,
} from './attendance-sheet-query.js';
