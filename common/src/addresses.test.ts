import { addressListProblems, resolveAddressList, splitAddressList } from './addresses';

describe('address lists', () => {
  it('splits static lists, dropping blanks and spaces', () => {
    expect(splitAddressList(' a:1; ;b:2;')).toEqual(['a:1', 'b:2']);
  });

  it('reports malformed entries by field and value', () => {
    expect(addressListProblems('namesrvAddr', 'a:1;[::1]:9876')).toEqual([]);
    expect(addressListProblems('namesrvAddr', 'a:1;nope;b:70000')).toEqual([
      'namesrvAddr: "nope" is not host:port',
      'namesrvAddr: "b:70000" is not host:port',
    ]);
    expect(addressListProblems('x', 'dns:ns.svc:9876')).toEqual([]);
    expect(addressListProblems('x', 'dns:ns.svc')).toEqual([
      'x: "dns:ns.svc" must look like dns:<name>:<port>',
    ]);
  });

  it('resolves dns: names through getaddrinfo, sorted and unique', async () => {
    expect(await resolveAddressList('dns:localhost:9876')).toContain('127.0.0.1:9876');
    expect(await resolveAddressList('b:1;a:2')).toEqual(['b:1', 'a:2']);
  });

  it('gives [] and reports why when a name does not resolve', async () => {
    const failures: string[] = [];
    const list = await resolveAddressList('dns:no-such-host.invalid:9876', (name) => failures.push(name));
    expect(list).toEqual([]);
    expect(failures).toEqual(['no-such-host.invalid']);
  });
});
