import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent } from '../../../../src/sources/docker/events';

describe('Docker events', () => {
  it('keeps container lifecycle and volume events, with the id', () => {
    assert.deepEqual(parseEvent('{"Type":"container","Action":"destroy","Actor":{"ID":"abc"}}'), {
      type: 'container',
      action: 'destroy',
      id: 'abc',
    });
    assert.deepEqual(parseEvent('{"Type":"volume","Action":"create","Actor":{"ID":"data"}}'), {
      type: 'volume',
      action: 'create',
      id: 'data',
    });
  });

  it('keeps a copy into a container (docker cp changes its writable layer), drops a copy out of one', () => {
    assert.deepEqual(parseEvent('{"Type":"container","Action":"extract-to-dir","Actor":{"ID":"abc"}}'), {
      type: 'container',
      action: 'extract-to-dir',
      id: 'abc',
    });
    assert.equal(parseEvent('{"Type":"container","Action":"archive-path","Actor":{"ID":"abc"}}'), undefined);
  });

  it('drops exec and health-check noise, other types and broken lines', () => {
    assert.equal(parseEvent('{"Type":"container","Action":"exec_start: sh -c true","Actor":{"ID":"abc"}}'), undefined);
    assert.equal(parseEvent('{"Type":"container","Action":"health_status: healthy","Actor":{"ID":"abc"}}'), undefined);
    assert.equal(parseEvent('{"Type":"network","Action":"connect"}'), undefined);
    assert.equal(parseEvent('{"Type":"container"'), undefined);
    assert.equal(parseEvent(''), undefined);
  });
});
