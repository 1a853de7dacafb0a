import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planComposeFix, type ComposeFixRequest } from '../../../src/fixes/compose-fix';
import { FixRefusal } from '../../../src/fixes/types';
import { assertOnlyInsertedLines } from '../helpers/edit-checks';
import { alreadyPersisted, planned } from '../helpers/fix-outcome';

function outcome(text: string, over: Partial<ComposeFixRequest> = {}) {
  return planComposeFix({ file: 'compose.yaml', text, service: 'web', path: '/home/u/.config', mode: 'volume', ...over });
}

function fix(text: string, over: Partial<ComposeFixRequest> = {}) {
  return planned(outcome(text, over));
}

const lines = (...l: string[]) => l.join('\n') + '\n';

describe('compose fix: add a named volume', () => {
  it('appends to a block list in its style and declares the volume', () => {
    const text = lines(
      '# top comment',
      'services:',
      '  web:',
      '    image: x   # the image',
      '    volumes:',
      '      - data:/data   # keep me',
      '',
      '  db:',
      '    image: y',
      'volumes:',
      '  data:',
    );
    const plan = fix(text);
    assert.equal(plan.title, 'Add named volume "web-config" for /home/u/.config');
    assert.equal(plan.volumeName, 'web-config');
    assert.equal(
      plan.newText,
      lines(
        '# top comment',
        'services:',
        '  web:',
        '    image: x   # the image',
        '    volumes:',
        '      - data:/data   # keep me',
        '      - web-config:/home/u/.config',
        '',
        '  db:',
        '    image: y',
        'volumes:',
        '  data:',
        '  web-config:',
      ),
    );
    assertOnlyInsertedLines(text, plan.newText);
  });

  it('keeps a comment on the last item on its line', () => {
    const text = lines('services:', '  web:', '    volumes:', '      - a:/a # last', '      # a note below', 'volumes:', '  a:');
    const plan = fix(text);
    assert.match(plan.newText, / {6}- a:\/a # last\n {6}- web-config:\/home\/u\/.config\n {6}# a note below\n/);
  });

  it('creates volumes: in the service, with the file’s sequence indentation', () => {
    const text = lines('services:', '  web:', '    image: x', '    ports:', '    - "80:80"', '  db:', '    image: y');
    const plan = fix(text);
    assert.equal(
      plan.newText,
      lines(
        'services:',
        '  web:',
        '    image: x',
        '    ports:',
        '    - "80:80"',
        '    volumes:',
        '    - web-config:/home/u/.config',
        '  db:',
        '    image: y',
        '',
        'volumes:',
        '  web-config:',
      ),
    );
  });

  it('follows indentless sequences and quotes', () => {
    const text = lines('services:', '  web:', '    volumes:', "    - 'a:/a'", 'volumes:', '  a: {}');
    assert.equal(
      fix(text).newText,
      lines(
        'services:',
        '  web:',
        '    volumes:',
        "    - 'a:/a'",
        "    - 'web-config:/home/u/.config'",
        'volumes:',
        '  a: {}',
        '  web-config: {}',
      ),
    );
  });

  it('follows 4-space indentation', () => {
    const text = lines('services:', '    web:', '        image: x', '        volumes:', '            - a:/a', 'volumes:', '    a:');
    assert.equal(
      fix(text).newText,
      lines(
        'services:',
        '    web:',
        '        image: x',
        '        volumes:',
        '            - a:/a',
        '            - web-config:/home/u/.config',
        'volumes:',
        '    a:',
        '    web-config:',
      ),
    );
  });

  it('writes long syntax next to long syntax', () => {
    const text = lines(
      'services:',
      '  web:',
      '    volumes:',
      '      - type: volume',
      '        source: a',
      '        target: /a',
      'volumes:',
      '  a:',
    );
    assert.equal(
      fix(text).newText,
      lines(
        'services:',
        '  web:',
        '    volumes:',
        '      - type: volume',
        '        source: a',
        '        target: /a',
        '      - type: volume',
        '        source: web-config',
        '        target: /home/u/.config',
        'volumes:',
        '  a:',
        '  web-config:',
      ),
    );
  });

  it('adds to flow lists and flow mappings', () => {
    const text = lines('services:', '  web:', '    volumes: ["a:/a", "b:/b"]', 'volumes: {a: {}, b: {}}');
    assert.equal(
      fix(text).newText,
      lines(
        'services:',
        '  web:',
        '    volumes: ["a:/a", "b:/b", "web-config:/home/u/.config"]',
        'volumes: {a: {}, b: {}, web-config: {}}',
      ),
    );
  });

  it('fills volumes: [] and volumes: {}', () => {
    const text = lines('services:', '  web:', '    volumes: []', 'volumes: {}');
    assert.equal(fix(text).newText, lines('services:', '  web:', '    volumes: [web-config:/home/u/.config]', 'volumes: {web-config: {}}'));
  });

  it('fills an empty volumes: and an empty top-level volumes:', () => {
    const text = lines('services:', '  web:', '    image: x', '    volumes:', 'volumes:');
    assert.equal(
      fix(text).newText,
      lines('services:', '  web:', '    image: x', '    volumes:', '      - web-config:/home/u/.config', 'volumes:', '  web-config:'),
    );
  });

  it('keeps CRLF line endings and a BOM', () => {
    const text = '\uFEFFservices:\r\n  web:\r\n    volumes:\r\n      - a:/a\r\nvolumes:\r\n  a:\r\n';
    assert.equal(
      fix(text).newText,
      '\uFEFFservices:\r\n  web:\r\n    volumes:\r\n      - a:/a\r\n      - web-config:/home/u/.config\r\nvolumes:\r\n  a:\r\n  web-config:\r\n',
    );
  });

  it('handles a file without a final line break', () => {
    const text = 'services:\n  web:\n    image: x';
    assert.equal(
      fix(text).newText,
      'services:\n  web:\n    image: x\n    volumes:\n      - web-config:/home/u/.config\n\nvolumes:\n  web-config:\n',
    );
  });

  it('makes the name unique in the project and sanitizes it', () => {
    const text = lines('services:', '  web:', '    image: x', 'volumes:', '  web-config:', '    name: other');
    const plan = fix(text, { takenNames: new Set(['web-config-2']) });
    assert.equal(plan.volumeName, 'web-config-3');
    assert.equal(
      fix(lines('services:', '  "my app":', '    image: x'), { service: 'my app', path: '/var/lib/My Data' }).volumeName,
      'my-app-My-Data',
    );
  });

  it('takes a name from the caller and refuses an invalid one', () => {
    assert.equal(fix(lines('services:', '  web:', '    image: x'), { volumeName: 'cfg' }).volumeName, 'cfg');
    assert.throws(() => fix(lines('services:', '  web:', '    image: x'), { volumeName: 'bad name!' }), FixRefusal);
  });
});

describe('compose fix: other kinds', () => {
  it('names an anonymous volume in place', () => {
    const text = lines(
      'services:',
      '  web:',
      '    volumes:',
      '      - /home/u/.config   # anon',
      '      - other:/o',
      'volumes:',
      '  other:',
    );
    const plan = fix(text);
    assert.equal(plan.kind, 'name-anonymous-volume');
    assert.equal(plan.title, 'Name the anonymous volume at /home/u/.config "web-config"');
    assert.equal(
      plan.newText,
      lines(
        'services:',
        '  web:',
        '    volumes:',
        '      - web-config:/home/u/.config   # anon',
        '      - other:/o',
        'volumes:',
        '  other:',
        '  web-config:',
      ),
    );
  });

  it('names an anonymous long-syntax volume', () => {
    const text = lines('services:', '  web:', '    volumes:', '      - type: volume', '        target: /home/u/.config');
    const plan = fix(text);
    assert.equal(plan.kind, 'name-anonymous-volume');
    assert.match(plan.newText, /- type: volume\n {8}source: web-config\n {8}target: \/home\/u\/.config\n/);
  });

  it('binds a host folder instead', () => {
    const text = lines('services:', '  web:', '    volumes:', '      - ./src:/src');
    const plan = fix(text, { mode: 'bind' });
    assert.equal(plan.kind, 'bind-host-folder');
    assert.equal(
      plan.newText,
      lines('services:', '  web:', '    volumes:', '      - ./src:/src', '      - ./.persist/web-config:/home/u/.config'),
    );
  });

  it('replaces a tmpfs on the path (list and string forms)', () => {
    const list = lines('services:', '  web:', '    tmpfs:', '      - /run', '      - /home/u/.config:size=64m', '    image: x');
    const plan = fix(list);
    assert.equal(plan.kind, 'replace-tmpfs');
    assert.equal(
      plan.newText,
      lines(
        'services:',
        '  web:',
        '    tmpfs:',
        '      - /run',
        '    image: x',
        '    volumes:',
        '      - web-config:/home/u/.config',
        '',
        'volumes:',
        '  web-config:',
      ),
    );
    const single = lines('services:', '  web:', '    tmpfs: /home/u/.config', '    image: x');
    assert.equal(
      fix(single).newText,
      lines('services:', '  web:', '    image: x', '    volumes:', '      - web-config:/home/u/.config', '', 'volumes:', '  web-config:'),
    );
  });

  it('says it replaces a tmpfs also when the tmpfs is a long-syntax volumes entry (its kind comes from what was edited, not from the title)', () => {
    const text = lines('services:', '  web:', '    volumes:', '      - type: tmpfs', '        target: /home/u/.config');
    const plan = fix(text);
    assert.equal(plan.kind, 'replace-tmpfs');
    assert.match(plan.title, /^Replace the tmpfs at \/home\/u\/.config by named volume "web-config"/);
  });

  it('answers "already persisted" instead of editing', () => {
    const text = lines('services:', '  web:', '    volumes:', '      - cfg:/home/u/.config', 'volumes:', '  cfg:');
    assert.match(alreadyPersisted(outcome(text)), /named volume "cfg"/);
  });
});

describe('compose fix: anchors, aliases and merge keys never change another service', () => {
  it('copies merged volumes into the service instead of dropping them', () => {
    const text = lines(
      'x-def: &def',
      '  volumes:',
      '    - a:/a',
      'services:',
      '  web:',
      '    <<: *def',
      '    image: x',
      '  api:',
      '    <<: *def',
      'volumes:',
      '  a:',
    );
    const plan = fix(text);
    assert.equal(
      plan.newText,
      lines(
        'x-def: &def',
        '  volumes:',
        '    - a:/a',
        'services:',
        '  web:',
        '    <<: *def',
        '    image: x',
        '    volumes:',
        '      - a:/a',
        '      - web-config:/home/u/.config',
        '  api:',
        '    <<: *def',
        'volumes:',
        '  a:',
        '  web-config:',
      ),
    );
  });

  it('replaces an alias to a shared list by an own copy', () => {
    const text = lines(
      'x-vols: &vols',
      '  - a:/a',
      'services:',
      '  web:',
      '    volumes: *vols',
      '  api:',
      '    volumes: *vols',
      'volumes:',
      '  a:',
    );
    const plan = fix(text);
    assert.equal(
      plan.newText,
      lines(
        'x-vols: &vols',
        '  - a:/a',
        'services:',
        '  web:',
        '    volumes:',
        '      - a:/a',
        '      - web-config:/home/u/.config',
        '  api:',
        '    volumes: *vols',
        'volumes:',
        '  a:',
        '  web-config:',
      ),
    );
  });

  it('refuses to add to a list that other services alias', () => {
    const text = lines('services:', '  web:', '    volumes: &vols', '      - a:/a', '  api:', '    volumes: *vols');
    assert.throws(
      () => fix(text),
      (e: unknown) => e instanceof FixRefusal && /anchor &vols/.test((e as Error).message) && /compose.yaml:4:/.test((e as Error).message),
    );
  });
});

describe('compose fix: refusals', () => {
  it('refuses malformed YAML with a location', () => {
    assert.throws(
      () => fix('services:\n  web:\n    image: [x\n'),
      (e: unknown) => e instanceof Error && /compose.yaml:\d+:\d+: not valid YAML/.test((e as Error).message),
    );
  });

  it('refuses an unknown service, a relative path, a volumes: that is not a list', () => {
    assert.throws(() => fix(lines('services:', '  db:', '    image: x')), /service "web" is not declared/);
    assert.throws(() => fix(lines('services:', '  web:', '    image: x'), { path: 'rel/path' }), /not an absolute container path/);
    assert.throws(() => fix(lines('services:', '  web:', '    volumes: 3')), /is not a list/);
  });
});

describe('compose fix: Podman conventions', () => {
  it('gives the new entry the :U of the file’s entries', () => {
    const text = lines('services:', '  web:', '    image: x', '    volumes:', '      - data:/data:U', 'volumes:', '  data:');
    const plan = fix(text);
    assert.equal(
      plan.newText,
      lines(
        'services:',
        '  web:',
        '    image: x',
        '    volumes:',
        '      - data:/data:U',
        '      - web-config:/home/u/.config:U',
        'volumes:',
        '  data:',
        '  web-config:',
      ),
    );
    assertOnlyInsertedLines(text, plan.newText);
  });

  it('keeps SELinux labels and their order (Z,U), from a bind too, also into another service', () => {
    const text = lines('services:', '  db:', '    image: y', '    volumes:', '      - ./src:/src:ro,Z,U', '  web:', '    image: x');
    // a plain scalar with a comma is quoted (it would split in a flow list)
    assert.match(fix(text).newText, /\n {6}- "web-config:\/home\/u\/.config:Z,U"\n/);
    assert.match(fix(text, { mode: 'bind' }).newText, /\n {6}- "\.\/\.persist\/web-config:\/home\/u\/.config:Z,U"\n/);
  });

  it('prefers an entry of the same kind in the same service', () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: x',
      '    volumes:',
      '      - ./src:/src:z',
      '      - cache:/cache:U',
      'volumes:',
      '  cache:',
    );
    assert.match(fix(text).newText, /- web-config:\/home\/u\/.config:U\n/);
    assert.match(fix(text, { mode: 'bind' }).newText, /- \.\/\.persist\/web-config:\/home\/u\/.config:z\n/);
  });

  it('adds :U when the file has an x-podman key and no entry shows a suffix', () => {
    const text = lines('x-podman:', '  in_pod: false', 'services:', '  web:', '    image: x');
    assert.match(fix(text).newText, /\n {4}volumes:\n {6}- web-config:\/home\/u\/.config:U\n/);
  });

  it('names an anonymous volume with the suffix kept (verified by reparse)', () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: x',
      '    volumes:',
      '      - data:/data:U',
      '      - /home/u/.config',
      'volumes:',
      '  data:',
    );
    const plan = fix(text);
    assert.equal(plan.kind, 'name-anonymous-volume');
    assert.match(plan.newText, /\n {6}- web-config:\/home\/u\/.config:U\n/);
  });

  it('in a flow list, and in quoted style', () => {
    assert.match(
      fix(lines('services:', '  web:', '    volumes: ["a:/a:Z"]', 'volumes:', '  a:')).newText,
      /volumes: \["a:\/a:Z", "web-config:\/home\/u\/.config:Z"\]/,
    );
    assert.match(
      fix(lines('services:', '  web:', '    volumes:', "      - 'a:/a:U'", 'volumes:', '  a:')).newText,
      /- 'web-config:\/home\/u\/.config:U'\n/,
    );
  });

  it('long syntax: a bind gets bind.selinux; :U, which it cannot say, is left out', () => {
    const long = lines(
      'services:',
      '  web:',
      '    volumes:',
      '      - type: volume',
      '        source: a',
      '        target: /a',
      '  db:',
      '    volumes:',
      '      - ./x:/x:Z,U',
      'volumes:',
      '  a:',
    );
    const bind = fix(long, { mode: 'bind' }).newText;
    assert.match(bind, /- type: bind\n {8}source: \.\/\.persist\/web-config\n {8}target: \/home\/u\/.config\n {8}bind:\n {10}selinux: Z\n/);
    assert.match(fix(long).newText, /- type: volume\n {8}source: web-config\n {8}target: \/home\/u\/.config\n(?! {8}bind)/);
  });

  it('a file without Podman conventions gets no suffix; :ro alone is not one', () => {
    assert.match(
      fix(lines('services:', '  web:', '    volumes:', '      - a:/a:ro', 'volumes:', '  a:')).newText,
      /- web-config:\/home\/u\/.config\n/,
    );
  });
});
