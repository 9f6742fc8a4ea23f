import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('fires timeouts and intervals in due order and honours clearTimer', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`t@${clock.now()}`), 250);
    const interval = clock.setInterval(() => fired.push(`i@${clock.now()}`), 100);
    clock.advance(300);
    expect(fired).toEqual(['i@100', 'i@200', 't@250', 'i@300']);
    clock.clearTimer(interval);
    clock.advance(1000);
    expect(fired).toHaveLength(4);
    expect(clock.now()).toBe(1300);
  });
});
