import { mergeConditions } from './conditions';

describe('mergeConditions', () => {
  const t0 = '2026-01-01T00:00:00Z';
  const t1 = '2026-01-01T00:01:00Z';

  it('keeps lastTransitionTime while the status stays, moves it when the status changes', () => {
    const first = mergeConditions(
      undefined,
      [
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
        { type: 'Ready', status: 'False', reason: 'GroupsNotReady', message: '0/1' },
      ],
      1,
      t0,
    );
    expect(first.map((c) => c.type)).toEqual(['Ready', 'Degraded']);
    const second = mergeConditions(
      first,
      [
        { type: 'Ready', status: 'False', reason: 'GroupsNotReady', message: '0/2' },
        { type: 'Degraded', status: 'True', reason: 'DrainBlocked', message: 'lag' },
      ],
      2,
      t1,
    );
    expect(second).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'GroupsNotReady',
        message: '0/2',
        observedGeneration: 2,
        lastTransitionTime: t0,
      },
      {
        type: 'Degraded',
        status: 'True',
        reason: 'DrainBlocked',
        message: 'lag',
        observedGeneration: 2,
        lastTransitionTime: t1,
      },
    ]);
  });
});
