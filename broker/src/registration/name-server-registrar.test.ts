import { Perm, topicConfig } from '../topic/topic-config-manager';
import { registeredTopicTable } from './name-server-registrar';

describe('registeredTopicTable (BrokerController.registerBrokerAll)', () => {
  const table = {
    Orders: topicConfig('Orders', 4),
    TBW102: topicConfig('TBW102', 8, Perm.INHERIT | Perm.READ | Perm.WRITE),
    ReadOnly: topicConfig('ReadOnly', 2, Perm.READ),
  };

  it('registers topics as stored while the broker is read-write', () => {
    expect(registeredTopicTable(table, Perm.READ | Perm.WRITE)).toBe(table);
    expect(registeredTopicTable(table, undefined)).toBe(table);
  });

  it('ANDs every topic perm with a read-only broker permission, wiping PERM_WRITE from the routes', () => {
    const registered = registeredTopicTable(table, Perm.READ);
    expect(
      Object.fromEntries(Object.entries(registered).map(([name, config]) => [name, config.perm])),
    ).toEqual({
      Orders: Perm.READ,
      TBW102: Perm.READ,
      ReadOnly: Perm.READ,
    });
    expect(registered.Orders).toMatchObject({ readQueueNums: 4, writeQueueNums: 4 });
    // The stored configs are untouched.
    expect(table.Orders.perm).toBe(Perm.READ | Perm.WRITE);
  });
});
