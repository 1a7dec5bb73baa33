import assert from 'node:assert/strict';
import { EXAM_DUE_SOON_DAYS, examWarning } from './exam-warning.js';

describe('the warning of an exam awaiting its result', () => {
  it('is due soon from 7 days before its due day, overdue the day after, none once done or cancelled', () => {
    const exam = { dueOn: '2025-03-17', status: 'prescribed' as const };
    assert.equal(EXAM_DUE_SOON_DAYS, 7);
    assert.equal(examWarning(exam, '2025-03-09'), 'none');
    assert.equal(examWarning(exam, '2025-03-10'), 'due-soon');
    assert.equal(examWarning(exam, '2025-03-17'), 'due-soon');
    assert.equal(examWarning(exam, '2025-03-18'), 'overdue');
    assert.equal(examWarning({ ...exam, status: 'result-recorded' }, '2025-03-18'), 'none');
    assert.equal(examWarning({ ...exam, status: 'cancelled' }, '2025-03-18'), 'none');
  });

  it('counts calendar days across a month’s end', () => {
    assert.equal(examWarning({ dueOn: '2025-03-03', status: 'prescribed' }, '2025-02-24'), 'due-soon');
    assert.equal(examWarning({ dueOn: '2025-03-04', status: 'prescribed' }, '2025-02-24'), 'none');
  });
});
