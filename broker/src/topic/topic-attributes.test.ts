import { alterTopicAttributes, attributesToModification } from './topic-attributes';

describe('alterTopicAttributes (AttributeUtil.alterCurrentAttributes)', () => {
  it('adds on create and adds, changes or removes on update', () => {
    expect(alterTopicAttributes({}, '+message.type=FIFO,+queue.type=BatchCQ', true)).toEqual({
      attributes: { 'message.type': 'FIFO', 'queue.type': 'BatchCQ' },
    });
    expect(
      alterTopicAttributes({ 'message.type': 'FIFO' }, '+message.type=DELAY,+reserve.time=3', false),
    ).toEqual({
      attributes: { 'message.type': 'DELAY', 'reserve.time': '3' },
    });
    expect(alterTopicAttributes({ 'message.type': 'FIFO', x: 'y' }, '-message.type', false)).toEqual({
      attributes: { x: 'y' },
    });
    expect(alterTopicAttributes({ a: 'b' }, undefined, false)).toEqual({ attributes: { a: 'b' } });
    expect(alterTopicAttributes({}, '', true)).toEqual({ attributes: {} });
  });

  it.each([
    ['colour=red', true, 'wrong format key: colour=red'],
    ['+colour=red', true, 'unsupported key: colour'],
    ['+message.type', true, 'add/alter attribute format is wrong: +message.type'],
    ['-message.type=FIFO', false, 'delete attribute format is wrong'],
    ['-message.type', true, 'only add attribute is supported while creating topic. key: message.type'],
    ['-message.type', false, 'attempt to delete a nonexistent key: message.type'],
    ['+queue.type=SimpleCQ', false, 'attempt to update an unchangeable attribute. key: queue.type'],
    ['+message.type=FIFO,+message.type=DELAY', true, 'alter duplication key. key: message.type'],
    ['+message.type=LOUD', true, 'value is not in set'],
    ['+reserve.time=-2', true, 'value is not in range(-1, 9223372036854775807)'],
    ['+reserve.time=soon', true, 'value is not in range'],
    ['+=x', true, 'kv string format wrong.'],
  ])('refuses %s (create: %s)', (modification, create, error) => {
    const result = alterTopicAttributes({}, modification, create);
    expect('error' in result ? result.error : '').toContain(error);
  });

  it('turns a map into the "+key=value" modification string', () => {
    expect(attributesToModification({ 'message.type': 'FIFO', 'reserve.time': '5' })).toBe(
      '+message.type=FIFO,+reserve.time=5',
    );
    expect(attributesToModification({})).toBe('');
  });
});
