import { renderFields, renderTable } from './table';

describe('renderTable', () => {
  it('aligns text left and numbers right, two spaces apart, without trailing spaces', () => {
    const out = renderTable(
      ['topic', 'queues', 'perm'],
      [
        ['OrderTopic', 8, 'RW'],
        ['T', 16, 'R'],
      ],
    );
    expect(out).toBe('topic       queues  perm\nOrderTopic       8  RW\nT               16  R\n');
  });

  it('prints the header alone for no rows and a dash for missing cells', () => {
    expect(renderTable(['a', 'b'], [])).toBe('a  b\n');
    expect(renderTable(['name', 'lag'], [['g', undefined]])).toBe('name  lag\ng       -\n');
  });

  it('treats a column as text when any cell is text', () => {
    expect(renderTable(['x'], [[1], ['abc']])).toBe('x\n1\nabc\n');
  });
});

describe('renderFields', () => {
  it('aligns the values', () => {
    expect(renderFields({ msgId: 'AB', queueId: 3 })).toBe('msgId:   AB\nqueueId: 3\n');
  });
});
