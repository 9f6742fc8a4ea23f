import { isClientError } from '../errors';
import { Lifecycle } from './lifecycle';

describe('Lifecycle', () => {
  it('goes CREATED → RUNNING → SHUTDOWN', () => {
    const lifecycle = new Lifecycle('producer "g"');
    expect(lifecycle.state).toBe('CREATED');
    lifecycle.beginStart();
    lifecycle.started();
    expect(lifecycle.isRunning).toBe(true);
    expect(lifecycle.beginShutdown()).toBe(true);
    lifecycle.stopped();
    expect(lifecycle.state).toBe('SHUTDOWN');
  });

  it('refuses start twice, use before start, use and shutdown after shutdown', () => {
    const lifecycle = new Lifecycle('producer "g"');
    expect(() => lifecycle.assertRunning('send')).toThrow(/cannot send: producer "g" is not started/);
    lifecycle.beginStart();
    lifecycle.started();
    const twice = (() => {
      try {
        lifecycle.beginStart();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isClientError(twice, 'ALREADY_STARTED')).toBe(true);
    lifecycle.beginShutdown();
    lifecycle.stopped();
    expect(() => lifecycle.assertRunning('send')).toThrow(/has been shut down/);
    expect(() => lifecycle.beginShutdown()).toThrow(/already been shut down/);
    expect(() => lifecycle.beginStart()).toThrow(/cannot be started again/);
  });

  it('lets a failed start be retried, and an unstarted object be shut down', () => {
    const lifecycle = new Lifecycle('x');
    lifecycle.beginStart();
    lifecycle.startFailed();
    expect(lifecycle.state).toBe('CREATED');
    expect(lifecycle.beginShutdown()).toBe(false);
    expect(lifecycle.state).toBe('SHUTDOWN');
  });
});
